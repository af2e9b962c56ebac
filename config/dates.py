"""Dates, day counts and month arithmetic in the reader's language: the one place that
pages, emails, charts and the calendar feed format them.

Built on Django's locale formats (config/formats/ adds ours) and `ngettext`, so
"26 Oct 2025" reads "2025年10月26日" in Japanese and Chinese and "2025년 10월 26일" in
Korean, and every count follows its language's plural rules. Everything formats in the
*active* language: inside a request that is the reader's; outside one (digests, the
calendar feed) call it inside `translation.override(user.email_language)`.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.utils.formats import date_format
from django.utils.translation import ngettext, pgettext


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole calendar months, clamped to the end of a shorter month
    (31 Jan + 1 month = 28 Feb)."""
    return day + relativedelta(months=months)


def format_date(day: datetime.date) -> str:
    """'26 Oct 2025', '2025年10月26日', '2025년 10월 26일'."""
    return date_format(day, "DATE_FORMAT")


def month_label(day: datetime.date) -> str:
    """A month on a chart axis: 'Oct', '10月'; January carries its year ('Jan 2027')."""
    return date_format(day, "YEAR_MONTH_FORMAT" if day.month == 1 else "MONTH_FORMAT")


def day_count(n: int) -> str:
    """'1 day', '5 days'."""
    return ngettext("%(count)d day", "%(count)d days", n) % {"count": n}


def month_count(n: int) -> str:
    """'1 month', '6 months'."""
    return ngettext("%(count)d month", "%(count)d months", n) % {"count": n}


def days_ago(n: int) -> str:
    """'today', '1 day ago', '5 days ago'."""
    if n == 0:
        return pgettext("a login or check-in happened", "today")
    return ngettext("%(count)d day ago", "%(count)d days ago", n) % {"count": n}


def in_days(n: int) -> str:
    """'today', 'in 1 day', 'in 5 days' (for something due)."""
    if n == 0:
        return pgettext("something is due", "today")
    return ngettext("in %(count)d day", "in %(count)d days", n) % {"count": n}

