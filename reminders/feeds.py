"""A user's check-in calendar (iCalendar, RFC 5545), built with the icalendar package.

One all-day event per non-archived account on its next check-in date, with an alarm the
day before at the user's reminder hour. The UID is derived from the account id, so a
calendar app updates the event in place when the date moves after a check-in. Event text
is in the user's language (calendar apps poll without cookies, so the request's own
language says nothing about the reader).
"""

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from icalendar import Alarm, Calendar, Event, vDuration

from accounts.models import ExchangeAccount
from config.dates import format_date

from .digest import NEVER_ASK, absolute_url, site_url
from .models import ReminderPreference

PRODID = "-//Dormant Guard//Check-in calendar//EN"
# How often calendar apps should poll; dates only move when a login is recorded.
REFRESH_INTERVAL = datetime.timedelta(hours=6)
ONE_DAY = datetime.timedelta(days=1)


def _uid_domain() -> str:
    return urlsplit(site_url()).hostname or "dormant-guard.invalid"


def account_uid(account: ExchangeAccount) -> str:
    return f"account-{account.pk}@{_uid_domain()}"


def _alarm(account: ExchangeAccount, hour: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", gettext("Tomorrow: log in to %(account)s") % {"account": account})
    # All-day events start at local midnight: back off to the reminder hour the day before.
    alarm.add("trigger", datetime.timedelta(hours=hour) - ONE_DAY)
    return alarm


def _event(account: ExchangeAccount, hour: int) -> Event:
    walkthrough = absolute_url(reverse("walkthrough", args=[account.pk]))
    event = Event()
    event.add("uid", account_uid(account))
    # Stable between fetches (not "now"), so unchanged events don't look edited.
    event.add("dtstamp", account.updated_at)
    event.add("dtstart", account.next_check_in_on)
    event.add("dtend", account.next_check_in_on + ONE_DAY)
    event.add("summary", gettext("Log in to %(account)s") % {"account": account})
    due = ngettext(
        "Check-in due on %(date)s (every %(count)d day).",
        "Check-in due on %(date)s (every %(count)d days).",
        account.check_in_every_days,
    ) % {"date": format_date(account.next_check_in_on), "count": account.check_in_every_days}
    how = gettext(
        "Open the exchange from your own bookmark or its app, then record the check-in in "
        "Dormant Guard. Step by step: %(url)s"
    ) % {"url": walkthrough}
    event.add("description", f"{due} {how}\n{NEVER_ASK}")
    event.add("url", walkthrough)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy block
    event.add_component(_alarm(account, hour))
    return event


def check_in_calendar(
    preference: ReminderPreference, accounts: Iterable[ExchangeAccount], language: str
) -> bytes:
    """The feed's iCalendar text, written in `language`."""
    with translation.override(language):
        return _calendar(preference, accounts)


def _calendar(preference: ReminderPreference, accounts: Iterable[ExchangeAccount]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", gettext("Dormant Guard check-ins"))
    # Unknown properties are written as text unless typed: vDuration gives "PT6H".
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    for account in accounts:
        if account.archived_at is None:
            calendar.add_component(_event(account, preference.hour))
    return calendar.to_ical()
