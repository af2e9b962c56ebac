"""Dormancy status: a pure function of dates, tested on unsaved instances (no database)."""

import dataclasses
import datetime

import pytest

from accounts.models import Exchange, ExchangeAccount
from accounts.status import (
    DEFAULT_DORMANCY_DAYS,
    DUE_SOON_WINDOW_DAYS,
    LONG_DORMANT_DAYS,
    URGENCY,
    Status,
    StatusReport,
    account_status,
)

TODAY = datetime.date(2026, 11, 24)


def binance(**kwargs) -> Exchange:
    return Exchange(name="Binance", slug="binance", dormancy_after_days=90, **kwargs)


def kraken() -> Exchange:
    return Exchange(name="Kraken", slug="kraken", dormancy_after_days=None)


def account_days_ago(days: int, *, exchange=None, every: int = 90, **kwargs) -> ExchangeAccount:
    """An unsaved account whose last login was `days` before TODAY."""
    return ExchangeAccount(
        exchange=exchange,
        last_login_on=TODAY - datetime.timedelta(days=days),
        check_in_every_days=every,
        **kwargs,
    )


def status_after(days: int, **kwargs) -> StatusReport:
    kwargs.setdefault("exchange", kraken())
    return account_status(account_days_ago(days, **kwargs), TODAY)


# --- constants ---------------------------------------------------------------------


def test_constants_match_the_design():
    assert DUE_SOON_WINDOW_DAYS == 14
    assert DEFAULT_DORMANCY_DAYS == 180
    assert LONG_DORMANT_DAYS == 365


def test_urgency_rises_from_active_to_long_dormant():
    order = [Status.ACTIVE, Status.DUE_SOON, Status.OVERDUE, Status.DORMANT, Status.LONG_DORMANT]
    assert [URGENCY[s] for s in order] == [0, 1, 2, 3, 4]
    assert set(URGENCY) == set(Status)


def test_status_values_and_labels():
    assert Status.DUE_SOON == "due_soon"
    assert Status.LONG_DORMANT.label == "Long dormant"


# --- active and due soon -----------------------------------------------------------


def test_a_recent_login_is_active():
    report = status_after(10)
    assert report.status == Status.ACTIVE
    assert report.days_since_login == 10
    assert report.days_until_due == 80
    assert report.next_check_in_on == TODAY + datetime.timedelta(days=80)
    assert report.explanation == "Last login 10 days ago; next check-in in 80 days."


def test_a_login_today_is_active_and_says_today():
    report = status_after(0)
    assert report.status == Status.ACTIVE
    assert report.explanation == "Last login today; next check-in in 90 days."


def test_a_login_yesterday_uses_the_singular():
    assert status_after(1).explanation == "Last login 1 day ago; next check-in in 89 days."


def test_one_day_outside_the_warning_window_is_still_active():
    report = status_after(90 - DUE_SOON_WINDOW_DAYS - 1)
    assert report.days_until_due == DUE_SOON_WINDOW_DAYS + 1
    assert report.status == Status.ACTIVE


def test_the_first_day_of_the_warning_window_is_due_soon():
    report = status_after(90 - DUE_SOON_WINDOW_DAYS)
    assert report.days_until_due == DUE_SOON_WINDOW_DAYS
    assert report.status == Status.DUE_SOON


def test_due_soon_names_the_days_left_and_the_date():
    # Last login 1 Sep 2026, every 90 days: due 30 Nov 2026, six days after TODAY.
    account = ExchangeAccount(
        exchange=kraken(), last_login_on=datetime.date(2026, 9, 1), check_in_every_days=90
    )
    report = account_status(account, TODAY)
    assert report.status == Status.DUE_SOON
    assert report.next_check_in_on == datetime.date(2026, 11, 30)
    assert report.explanation == "Next check-in due in 6 days (on 30 Nov 2026)."


def test_the_day_before_the_due_date_is_due_soon_in_one_day():
    report = status_after(89)
    assert report.status == Status.DUE_SOON
    assert report.days_until_due == 1
    assert report.explanation.startswith("Next check-in due in 1 day (on ")


def test_the_due_date_itself_is_due_soon_and_says_today():
    report = status_after(90)
    assert report.status == Status.DUE_SOON
    assert report.days_until_due == 0
    assert report.next_check_in_on == TODAY
    assert report.explanation == "Next check-in due today (on 24 Nov 2026)."


def test_a_custom_warning_window_moves_the_edge():
    account = account_days_ago(80, exchange=kraken())
    assert account_status(account, TODAY, warn_days=10).status == Status.DUE_SOON
    assert account_status(account, TODAY, warn_days=9).status == Status.ACTIVE


def test_a_warning_window_of_zero_warns_only_on_the_due_date():
    day_before = account_days_ago(89, exchange=kraken())
    due_date = account_days_ago(90, exchange=kraken())
    assert account_status(day_before, TODAY, warn_days=0).status == Status.ACTIVE
    assert account_status(due_date, TODAY, warn_days=0).status == Status.DUE_SOON


# --- overdue -----------------------------------------------------------------------


def test_the_day_after_the_due_date_is_overdue_by_one_day():
    report = status_after(91)
    assert report.status == Status.OVERDUE
    assert report.days_until_due == -1
    assert report.explanation == (
        "Check-in was due 1 day ago (every 90 days); last login 91 days ago."
    )


def test_overdue_explains_how_late_and_the_interval():
    report = status_after(95)
    assert report.status == Status.OVERDUE
    assert report.days_until_due == -5
    assert report.explanation == (
        "Check-in was due 5 days ago (every 90 days); last login 95 days ago."
    )


def test_the_interval_comes_from_the_account():
    report = status_after(31, every=30)
    assert report.status == Status.OVERDUE
    assert report.next_check_in_on == TODAY - datetime.timedelta(days=1)
    assert "(every 30 days)" in report.explanation


# --- dormant with a known threshold ------------------------------------------------


def test_the_day_before_a_known_threshold_is_overdue():
    report = status_after(89, exchange=binance(), every=30)
    assert report.status == Status.OVERDUE
    assert report.dormancy_after_days == 90
    assert report.threshold_known is True


def test_reaching_a_known_threshold_is_dormant():
    report = status_after(90, exchange=binance(), every=30)
    assert report.status == Status.DORMANT
    assert report.days_until_due == -60


def test_dormant_with_a_known_threshold_names_the_exchange_rule():
    report = status_after(97, exchange=binance())
    assert report.status == Status.DORMANT
    assert report.explanation == (
        "Binance may start its dormancy process after 90 days without a login; "
        "last login 97 days ago."
    )


def test_dormancy_wins_over_due_soon_when_the_threshold_is_shorter_than_the_interval():
    exchange = Exchange(name="Quick", slug="quick", dormancy_after_days=60)
    report = status_after(60, exchange=exchange, every=90)
    assert report.status == Status.DORMANT
    assert report.days_until_due == 30


# --- dormant with an unknown threshold ---------------------------------------------


def test_the_day_before_the_default_threshold_is_overdue():
    report = status_after(DEFAULT_DORMANCY_DAYS - 1)
    assert report.status == Status.OVERDUE
    assert report.threshold_known is False
    assert report.dormancy_after_days == DEFAULT_DORMANCY_DAYS


def test_reaching_the_default_threshold_is_dormant():
    assert status_after(DEFAULT_DORMANCY_DAYS).status == Status.DORMANT


def test_dormant_with_an_unknown_threshold_says_we_use_a_default():
    report = status_after(200)
    assert report.status == Status.DORMANT
    assert report.explanation == (
        "No dormancy rule is known for Kraken, so we treat 180 days without a login "
        "as dormant; last login 200 days ago."
    )


def test_an_other_exchange_uses_its_typed_name_and_the_default_threshold():
    account = account_days_ago(200, exchange=None, other_exchange_name="Foo")
    report = account_status(account, TODAY)
    assert report.status == Status.DORMANT
    assert report.threshold_known is False
    assert report.dormancy_after_days == DEFAULT_DORMANCY_DAYS
    assert report.explanation == (
        "No dormancy rule is known for Foo, so we treat 180 days without a login "
        "as dormant; last login 200 days ago."
    )


def test_an_other_exchange_is_active_after_a_recent_login():
    account = account_days_ago(5, exchange=None, other_exchange_name="Foo")
    assert account_status(account, TODAY).status == Status.ACTIVE


# --- long dormant ------------------------------------------------------------------


def test_one_day_short_of_a_year_is_dormant():
    assert status_after(LONG_DORMANT_DAYS - 1).status == Status.DORMANT


def test_a_year_without_a_login_is_long_dormant():
    assert status_after(LONG_DORMANT_DAYS).status == Status.LONG_DORMANT


def test_long_dormant_with_a_known_threshold_adds_the_exchange_rule():
    report = status_after(400, exchange=binance())
    assert report.status == Status.LONG_DORMANT
    assert report.explanation == (
        "Last login 400 days ago. "
        "Binance may start its dormancy process after 90 days without a login. "
        "Expect extra verification and possibly new KYC requests when you log in."
    )


def test_long_dormant_with_an_unknown_threshold_warns_about_verification_only():
    report = status_after(400)
    assert report.explanation == (
        "Last login 400 days ago. "
        "Expect extra verification and possibly new KYC requests when you log in."
    )


def test_a_year_is_long_dormant_even_when_the_exchange_waits_longer():
    exchange = Exchange(name="Patient", slug="patient", dormancy_after_days=730)
    assert status_after(LONG_DORMANT_DAYS - 1, exchange=exchange).status == Status.OVERDUE
    assert status_after(LONG_DORMANT_DAYS, exchange=exchange).status == Status.LONG_DORMANT


# --- odd input ---------------------------------------------------------------------


def test_a_last_login_in_the_future_counts_as_zero_days():
    report = status_after(-3)
    assert report.days_since_login == 0
    assert report.status == Status.ACTIVE
    assert report.days_until_due == 93
    assert report.explanation == "Last login today; next check-in in 93 days."


def test_status_is_computed_from_dates_not_the_stored_next_check_in():
    account = account_days_ago(10, exchange=kraken())
    account.next_check_in_on = datetime.date(2000, 1, 1)
    assert account_status(account, TODAY).next_check_in_on == TODAY + datetime.timedelta(days=80)


def test_the_same_inputs_give_the_same_report():
    account = account_days_ago(97, exchange=binance())
    assert account_status(account, TODAY) == account_status(account, TODAY)


# --- the report --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "status", "urgency"),
    [
        (10, Status.ACTIVE, 0),
        (80, Status.DUE_SOON, 1),
        (100, Status.OVERDUE, 2),
        (200, Status.DORMANT, 3),
        (400, Status.LONG_DORMANT, 4),
    ],
)
def test_the_report_carries_urgency_and_a_badge_class(days, status, urgency):
    report = status_after(days)
    assert report.status == status
    assert report.urgency == urgency
    assert report.badge_class == f"badge-{status.value}"
    assert report.is_dormant is (status in {Status.DORMANT, Status.LONG_DORMANT})


def test_the_report_is_immutable():
    report = status_after(10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.status = Status.DORMANT
