"""Dormancy status of an exchange account: a pure function of its dates and *today*.

Nothing here touches the database or the clock; callers pass `today`, so tests pin it
and a reminder sweep computes every account against the same day.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext, pgettext_lazy

from config.dates import day_count, days_ago, format_date, in_days

# How many days before a check-in is due the account counts as "due soon".
DUE_SOON_WINDOW_DAYS = 14
# Used when no source gives the exchange's own dormancy threshold: about six months,
# the shortest rule we know of among the large exchanges, so we err early.
DEFAULT_DORMANCY_DAYS = 180
# After a year away, expect re-verification and new KYC requests on return.
LONG_DORMANT_DAYS = 365


class Status(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("account status", "Active")
    DUE_SOON = "due_soon", pgettext_lazy("account status", "Due soon")
    OVERDUE = "overdue", pgettext_lazy("account status", "Overdue")
    DORMANT = "dormant", pgettext_lazy("account status", "Dormant")
    LONG_DORMANT = "long_dormant", pgettext_lazy("account status", "Long dormant")


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
    check_in_every_days: int
    # The exchange's name as the account shows it; "" when it has none.
    exchange_name: str = ""

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

    @property
    def explanation(self) -> str:
        """One or two sentences saying why, in the active language (computed on each
        read, so a digest rendered in the recipient's language explains in it too)."""
        return explain(self)


def _threshold_sentence(name: str, threshold: int) -> str:
    # Translators: a clause used inside longer sentences, e.g. "Binance may start its
    # dormancy process after 90 days without a login".
    rule = gettext("%(exchange)s may start its dormancy process after %(days)s without a login")
    return rule % {"exchange": name, "days": day_count(threshold)}


def explain(report: StatusReport) -> str:
    """Why `report` has its status, in a sentence or two."""
    name = report.exchange_name or gettext("this exchange")
    ago = days_ago(report.days_since_login)
    threshold = report.dormancy_after_days
    status = report.status
    if status == Status.LONG_DORMANT:
        if report.threshold_known:
            return gettext(
                "Last login %(ago)s. %(rule)s. Expect extra verification and possibly new "
                "KYC requests when you log in."
            ) % {"ago": ago, "rule": _threshold_sentence(name, threshold)}
        return gettext(
            "Last login %(ago)s. Expect extra verification and possibly new KYC requests "
            "when you log in."
        ) % {"ago": ago}
    if status == Status.DORMANT:
        if report.threshold_known:
            return gettext("%(rule)s; last login %(ago)s.") % {
                "rule": _threshold_sentence(name, threshold), "ago": ago,
            }
        return gettext(
            "No dormancy rule is known for %(exchange)s, so we treat %(days)s without a "
            "login as dormant; last login %(ago)s."
        ) % {"exchange": name, "days": day_count(threshold), "ago": ago}
    if status == Status.OVERDUE:
        return gettext(
            "Check-in was due %(due_ago)s (every %(interval)s); last login %(ago)s."
        ) % {
            "due_ago": days_ago(-report.days_until_due),
            "interval": day_count(report.check_in_every_days),
            "ago": ago,
        }
    if status == Status.DUE_SOON:
        return gettext("Next check-in due %(when)s (on %(date)s).") % {
            "when": in_days(report.days_until_due),
            "date": format_date(report.next_check_in_on),
        }
    return gettext("Last login %(ago)s; next check-in %(when)s.") % {
        "ago": ago, "when": in_days(report.days_until_due),
    }


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

    if days_since >= LONG_DORMANT_DAYS:
        status = Status.LONG_DORMANT
    elif days_since >= threshold:
        status = Status.DORMANT
    elif days_until_due < 0:
        status = Status.OVERDUE
    elif days_until_due <= warn_days:
        status = Status.DUE_SOON
    else:
        status = Status.ACTIVE

    return StatusReport(
        status=status,
        days_since_login=days_since,
        next_check_in_on=due_on,
        days_until_due=days_until_due,
        dormancy_after_days=threshold,
        threshold_known=threshold_known,
        check_in_every_days=account.check_in_every_days,
        exchange_name=account.exchange_name,
    )
