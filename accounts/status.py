"""Dormancy status of an exchange account: a pure function of its dates and *today*.

Nothing here touches the database or the clock; callers pass `today`, so tests pin it
and a reminder sweep computes every account against the same day.
"""

import datetime
from dataclasses import dataclass

from django.db import models

# How many days before a check-in is due the account counts as "due soon".
DUE_SOON_WINDOW_DAYS = 14
# Used when no source gives the exchange's own dormancy threshold: about six months,
# the shortest rule we know of among the large exchanges, so we err early.
DEFAULT_DORMANCY_DAYS = 180
# After a year away, expect re-verification and new KYC requests on return.
LONG_DORMANT_DAYS = 365

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    DORMANT = "dormant", "Dormant"
    LONG_DORMANT = "long_dormant", "Long dormant"


URGENCY: dict[Status, int] = {
    Status.LONG_DORMANT: 4,
    Status.DORMANT: 3,
    Status.OVERDUE: 2,
    Status.DUE_SOON: 1,
    Status.ACTIVE: 0,
}

DORMANT_STATUSES = frozenset({Status.DORMANT, Status.LONG_DORMANT})


@dataclass(frozen=True)
class StatusReport:
    status: Status
    days_since_login: int
    next_check_in_on: datetime.date
    # Negative once the check-in is overdue.
    days_until_due: int
    # The threshold actually used: the exchange's own, or DEFAULT_DORMANCY_DAYS.
    dormancy_after_days: int
    threshold_known: bool
    explanation: str

    @property
    def urgency(self) -> int:
        return URGENCY[self.status]

    @property
    def badge_class(self) -> str:
        return f"badge-{self.status.value}"

    @property
    def is_dormant(self) -> bool:
        """Dormant or long dormant: nobody has been watching the account."""
        return self.status in DORMANT_STATUSES


def explain_days(n: int) -> str:
    """'1 day', '5 days'."""
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def _ago(n: int) -> str:
    return "today" if n == 0 else f"{explain_days(n)} ago"


def format_date(day: datetime.date) -> str:
    """'30 Nov 2026', independent of the process locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _exchange_label(account) -> str:
    return account.exchange_name or "this exchange"


def _threshold_sentence(name: str, threshold: int) -> str:
    return f"{name} may start its dormancy process after {explain_days(threshold)} without a login"


def account_status(
    account, today: datetime.date, warn_days: int = DUE_SOON_WINDOW_DAYS
) -> StatusReport:
    """Classify `account` on `today`; the first matching rule wins, most urgent first."""
    # A login date in the future is a typing slip; count it as "logged in today".
    days_since = max(0, (today - account.last_login_on).days)
    due_on = account.last_login_on + datetime.timedelta(days=account.check_in_every_days)
    days_until_due = (due_on - today).days

    known = account.dormancy_after_days
    threshold_known = known is not None
    threshold = known if threshold_known else DEFAULT_DORMANCY_DAYS
    name = _exchange_label(account)
    ago = _ago(days_since)

    if days_since >= LONG_DORMANT_DAYS:
        status = Status.LONG_DORMANT
        parts = [f"Last login {ago}."]
        if threshold_known:
            parts.append(_threshold_sentence(name, threshold) + ".")
        parts.append("Expect extra verification and possibly new KYC requests when you log in.")
        explanation = " ".join(parts)
    elif days_since >= threshold:
        status = Status.DORMANT
        if threshold_known:
            explanation = f"{_threshold_sentence(name, threshold)}; last login {ago}."
        else:
            explanation = (
                f"No dormancy rule is known for {name}, so we treat "
                f"{explain_days(threshold)} without a login as dormant; last login {ago}."
            )
    elif days_until_due < 0:
        status = Status.OVERDUE
        explanation = (
            f"Check-in was due {_ago(-days_until_due)} "
            f"(every {explain_days(account.check_in_every_days)}); last login {ago}."
        )
    elif days_until_due <= warn_days:
        status = Status.DUE_SOON
        when = "today" if days_until_due == 0 else f"in {explain_days(days_until_due)}"
        explanation = f"Next check-in due {when} (on {format_date(due_on)})."
    else:
        status = Status.ACTIVE
        explanation = f"Last login {ago}; next check-in in {explain_days(days_until_due)}."

    return StatusReport(
        status=status,
        days_since_login=days_since,
        next_check_in_on=due_on,
        days_until_due=days_until_due,
        dormancy_after_days=threshold,
        threshold_known=threshold_known,
        explanation=explanation,
    )
