"""Due-time arithmetic: the user's local hour, turned into UTC, across time zones and DST."""

import datetime

import pytest

from reminders import schedule
from reminders.schedule import Frequency, zone

UTC = datetime.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone_name", "day", "hour", "expected_utc", "expected_local_hour"),
    [
        # London springs forward at 01:00 GMT: 01:xx doesn't exist; fires at 02:00 BST.
        ("Europe/London", "2026-03-29", 1, utc(2026, 3, 29, 1), 2),
        ("Europe/London", "2026-03-29", 2, utc(2026, 3, 29, 1), 2),
        ("Europe/London", "2026-03-30", 1, utc(2026, 3, 30, 0), 1),
        # London falls back at 02:00 BST: 01:xx happens twice; the first one counts.
        ("Europe/London", "2026-10-25", 1, utc(2026, 10, 25, 0), 1),
        ("Europe/London", "2026-10-25", 2, utc(2026, 10, 25, 2), 2),
        # New York: 02:xx is skipped in March, 01:xx repeats in November.
        ("America/New_York", "2026-03-08", 1, utc(2026, 3, 8, 6), 1),
        ("America/New_York", "2026-03-08", 2, utc(2026, 3, 8, 7), 3),
        ("America/New_York", "2026-11-01", 1, utc(2026, 11, 1, 5), 1),
        ("America/New_York", "2026-11-01", 2, utc(2026, 11, 1, 7), 2),
        # Auckland, southern hemisphere: 02:xx repeats in April, is skipped in September.
        ("Pacific/Auckland", "2026-04-05", 2, utc(2026, 4, 4, 13), 2),
        ("Pacific/Auckland", "2026-09-27", 2, utc(2026, 9, 26, 14), 3),
        ("Pacific/Auckland", "2026-09-27", 1, utc(2026, 9, 26, 13), 1),
    ],
)
def test_a_local_hour_on_a_switch_day_maps_to_exactly_one_instant(
    zone_name, day, hour, expected_utc, expected_local_hour
):
    tz = zone(zone_name)
    slot = schedule.slot_on(datetime.date.fromisoformat(day), hour, tz)
    assert slot == expected_utc
    assert slot.tzinfo == UTC
    assert slot.astimezone(tz).hour == expected_local_hour
    assert schedule.cycle_key(slot, tz) == day


@pytest.mark.parametrize(
    ("zone_name", "first_day", "hour"),
    [
        ("Europe/London", "2026-03-26", 1),
        ("Europe/London", "2026-03-26", 2),
        ("Europe/London", "2026-10-22", 1),
        ("Europe/London", "2026-10-22", 2),
        ("America/New_York", "2026-03-05", 2),
        ("America/New_York", "2026-10-29", 1),
        ("America/New_York", "2026-10-29", 2),
        ("Pacific/Auckland", "2026-04-02", 2),
        ("Pacific/Auckland", "2026-09-24", 2),
        ("Australia/Lord_Howe", "2026-04-02", 1),  # a half-hour DST shift
    ],
)
def test_daily_looks_across_a_switch_visit_each_local_date_once(zone_name, first_day, hour):
    """Following `next_slot_after` from slot to slot, as the sweep does on empty days."""
    tz = zone(zone_name)
    slot = schedule.slot_on(datetime.date.fromisoformat(first_day), hour, tz)
    dates = []
    for _ in range(7):
        dates.append(schedule.cycle_key(slot, tz))
        following = schedule.next_slot_after(slot, hour, tz)
        assert datetime.timedelta(hours=22) <= following - slot <= datetime.timedelta(hours=26)
        slot = following
    start = datetime.date.fromisoformat(first_day)
    assert dates == [(start + datetime.timedelta(days=n)).isoformat() for n in range(7)]


def test_a_look_a_few_seconds_after_the_repeated_hour_is_not_repeated():
    """New York, 1 Nov 2026: 01:00 EDT has passed; 01:00 EST an hour later must not count."""
    tz = zone("America/New_York")
    sweep_ran_at = utc(2026, 11, 1, 5, 0, 30)  # 01:00:30 EDT
    nxt = schedule.next_slot_after(sweep_ran_at, 1, tz)
    assert nxt == utc(2026, 11, 2, 6)  # 01:00 EST the next day, not 06:00 UTC today


def test_next_slot_is_later_today_when_the_hour_has_not_come_yet():
    tz = zone("Europe/Berlin")
    assert schedule.next_slot_after(utc(2026, 11, 24, 6), 9, tz) == utc(2026, 11, 24, 8)
    assert schedule.next_slot_after(utc(2026, 11, 24, 8), 9, tz) == utc(2026, 11, 25, 8)


def test_the_local_date_decides_the_day_not_the_utc_date():
    tz = zone("Pacific/Auckland")  # 13 hours ahead of UTC in November
    now = utc(2026, 11, 24, 20)  # already 25 Nov, 09:00 in Auckland
    assert schedule.local_date(now, tz) == datetime.date(2026, 11, 25)
    assert schedule.next_slot_after(now, 10, tz) == utc(2026, 11, 24, 21)


def test_weekly_digest_schedules_the_same_hour_seven_local_days_later_across_dst():
    tz = zone("Europe/London")
    sent = utc(2026, 10, 21, 8, 0, 5)  # Wednesday 09:00 BST
    assert schedule.next_look_after_digest(sent, 9, tz, Frequency.WEEKLY) == utc(2026, 10, 28, 9)


@pytest.mark.parametrize(
    ("sent_local_day", "expected_day"),
    [("2026-01-31", "2026-02-28"), ("2028-01-31", "2028-02-29"), ("2026-12-15", "2027-01-15"),
     ("2026-03-31", "2026-04-30")],
)
def test_monthly_digest_moves_one_calendar_month_clamped_to_the_month_end(
    sent_local_day, expected_day
):
    tz = zone("America/New_York")
    sent = schedule.slot_on(datetime.date.fromisoformat(sent_local_day), 8, tz)
    nxt = schedule.next_look_after_digest(sent, 8, tz, Frequency.MONTHLY)
    assert nxt == schedule.slot_on(datetime.date.fromisoformat(expected_day), 8, tz)
    assert nxt.astimezone(tz).hour == 8


def test_nothing_due_looks_again_the_next_day_at_the_users_hour():
    tz = zone("America/New_York")
    looked = utc(2026, 3, 7, 7, 0, 1)  # Sat 02:00 EST; Sunday 02:00 doesn't exist
    assert schedule.next_look_when_nothing_due(looked, 2, tz) == utc(2026, 3, 8, 7)


def test_changing_the_hour_keeps_the_date_of_a_look_already_planned():
    tz = zone("Europe/Paris")
    now = utc(2026, 11, 24, 12)
    planned = utc(2026, 12, 1, 8)  # a week out, after a digest
    assert schedule.rescheduled(planned, now, 18, tz) == utc(2026, 12, 1, 17)
    # A past look (or none) becomes the next slot after now.
    assert schedule.rescheduled(utc(2026, 11, 20, 8), now, 18, tz) == utc(2026, 11, 24, 17)
    assert schedule.rescheduled(None, now, 7, tz) == utc(2026, 11, 25, 6)


def test_an_unknown_zone_name_falls_back_to_utc_instead_of_crashing():
    assert zone("Mars/Olympus_Mons").key == "UTC"
    assert zone("../etc/passwd").key == "UTC"
