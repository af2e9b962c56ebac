"""When a user's next reminder digest is due: pure date arithmetic, no database, no clock.

The cycle rule
--------------
Each user has one "next look" instant, `ReminderPreference.next_digest_at` (indexed, so
the sweep scans one index). When it passes, the sweep computes every non-archived
account's status for the user's local *today*, with the user's own warning window:

* Something is due soon, overdue or dormant: one digest goes out, and the next look is
  the user's hour one week later (weekly) or one calendar month later (monthly),
  counted from the local date of this look. While things stay due the user hears from
  us at that rhythm, never more often.
* Nothing is due: no email, no log row; the next look is the user's next hour, which is
  the next day's unless the sweep ran late, so a newly due account is noticed within a
  day.

A digest's *cycle* is the user-local date of the slot it serves ("2026-11-24"); a unique
constraint on (user, cycle) makes a second digest for the same slot impossible.

Time zones and DST
------------------
A slot is a local wall-clock time (date + hour in an IANA zone) turned into one UTC
instant with zoneinfo. Local times that don't exist (the spring-forward gap) resolve with
fold=0, i.e. with the offset in force before the switch, which lands one hour later on
the wall clock (02:00 in New York's gap fires at 03:00 EDT). Local times that occur
twice (the autumn fall-back) resolve with fold=0 to the first occurrence. Either way
one local date maps to exactly one instant, so switch days can neither crash nor send
twice.
"""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.db import models
from django.utils.translation import gettext_lazy as _

from config.dates import add_months

UTC = datetime.UTC
DAYS_PER_WEEK = 7
FALLBACK_ZONE = "UTC"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


@lru_cache(maxsize=1)
def known_zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows (read from disk once)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The named zone, or UTC for a name this machine doesn't know (never raises)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def local_date(instant: datetime.datetime, tz: ZoneInfo) -> datetime.date:
    return instant.astimezone(tz).date()


def slot_on(day: datetime.date, hour: int, tz: ZoneInfo) -> datetime.datetime:
    """The UTC instant of `hour`:00 on local `day` (fold=0 on DST switch days, see above)."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)


def next_slot_after(now: datetime.datetime, hour: int, tz: ZoneInfo) -> datetime.datetime:
    """The first `hour`:00 local strictly after `now`: later today or tomorrow."""
    day = local_date(now, tz)
    slot = slot_on(day, hour, tz)
    while slot <= now:
        day += datetime.timedelta(days=1)
        slot = slot_on(day, hour, tz)
    return slot


def next_look_after_digest(
    now: datetime.datetime, hour: int, tz: ZoneInfo, frequency: str
) -> datetime.datetime:
    """After a digest: the user's hour, one week or one calendar month after today."""
    today = local_date(now, tz)
    if frequency == Frequency.MONTHLY:
        day = add_months(today, 1)
    else:
        day = today + datetime.timedelta(days=DAYS_PER_WEEK)
    return slot_on(day, hour, tz)


def next_look_when_nothing_due(
    now: datetime.datetime, hour: int, tz: ZoneInfo
) -> datetime.datetime:
    """Nothing to report: look again at the user's next hour (normally tomorrow's)."""
    return next_slot_after(now, hour, tz)


def rescheduled(
    current: datetime.datetime | None, now: datetime.datetime, hour: int, tz: ZoneInfo
) -> datetime.datetime:
    """The next look after the user changes hour or zone (or turns reminders back on).

    The look keeps its local date, moved to the new hour and zone, so changing settings
    right after a weekly digest doesn't bring the next one forward; a date already past
    becomes the next slot after `now`.
    """
    soonest = next_slot_after(now, hour, tz)
    if current is None:
        return soonest
    return max(soonest, slot_on(local_date(current, tz), hour, tz))


def cycle_key(slot: datetime.datetime, tz: ZoneInfo) -> str:
    """The user-local date of the slot a digest serves: one digest per user per key."""
    return local_date(slot, tz).isoformat()
