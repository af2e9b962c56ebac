"""What the dashboard shows: each account with its status, findings and score, plus
totals. Built in Python from one query's rows, so the page costs the same number of
queries whatever the number of accounts."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from .findings import Finding, account_findings, hygiene_score, overall_score, score_grade
from .models import ExchangeAccount
from .status import Status, StatusReport, account_status


@dataclass(frozen=True)
class AccountOverview:
    account: ExchangeAccount
    status: StatusReport
    findings: list[Finding]
    score: int

    @property
    def top_finding(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def grade(self) -> str:
        return score_grade(self.score)


def overview_of(account: ExchangeAccount, today: datetime.date) -> AccountOverview:
    status = account_status(account, today)
    findings = account_findings(account, today, status)
    return AccountOverview(account, status, findings, hygiene_score(findings))


def urgency_key(item: AccountOverview) -> tuple:
    """Most urgent first; among equals, the earliest due, then the worst score."""
    return (-item.status.urgency, item.status.days_until_due, item.score, item.account.pk)


@dataclass
class Dashboard:
    items: list[AccountOverview]
    totals: dict[Status, int] = field(default_factory=dict)
    overall: int | None = None

    @property
    def overall_grade(self) -> str:
        return score_grade(self.overall) if self.overall is not None else ""


def build_dashboard(accounts, today: datetime.date) -> Dashboard:
    items = sorted((overview_of(account, today) for account in accounts), key=urgency_key)
    counts = Counter(item.status.status for item in items)
    totals = {status: counts.get(status, 0) for status in Status}
    return Dashboard(items, totals, overall_score(item.score for item in items))
