"""The private calendar feed: iCalendar content (parsed back with icalendar), headers,
and a token that is revocable and stored only as a hash."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from accounts.services import archive_account, record_check_in
from reminders import preferences
from reminders.feeds import account_uid
from reminders.models import ReminderPreference
from tests.conftest import reauthenticate
from tests.factories import UserFactory
from tests.test_reminders_support import NOW, TODAY, account_for, set_preference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def feed_url(token: str) -> str:
    return reverse("reminder_calendar_feed", args=[token])


def new_token(user, **preference_fields) -> str:
    preference = set_preference(user, **preference_fields)
    return preferences.create_feed_token(preference, NOW)


def events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def owner_accounts(owner):
    trading = account_for(owner, 100, label="Trading")
    staking = account_for(owner, 20, label="Staking", check_in_every_days=60)
    closed = account_for(owner, 10, label="Closed")
    archive_account(closed)
    return trading, staking, closed


def test_the_feed_has_one_all_day_event_per_live_account_with_an_alarm(
    anon_client, owner, owner_accounts
):
    trading, staking, closed = owner_accounts
    token = new_token(owner, hour=8)
    response = anon_client.get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    found = events(response)
    assert set(found) == {account_uid(trading), account_uid(staking)}
    event = found[account_uid(staking)]
    assert event.decoded("DTSTART") == TODAY + datetime.timedelta(days=40)
    assert event.decoded("DTEND") == TODAY + datetime.timedelta(days=41)
    assert isinstance(event.decoded("DTSTART"), datetime.date)
    assert not isinstance(event.decoded("DTSTART"), datetime.datetime)  # all-day
    assert str(event["SUMMARY"]) == "Log in to Kraken – Staking"
    assert str(event["URL"]).endswith(f"/accounts/{staking.pk}/walkthrough/")
    assert "recovery phrase" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == datetime.timedelta(hours=-16)  # 08:00 the day before


def test_event_uids_stay_the_same_when_the_date_moves(anon_client, owner, owner_accounts):
    trading = owner_accounts[0]
    token = new_token(owner)
    before = events(anon_client.get(feed_url(token)))[account_uid(trading)]
    record_check_in(trading, TODAY)
    after = events(anon_client.get(feed_url(token)))[account_uid(trading)]
    assert after.decoded("DTSTART") == TODAY + datetime.timedelta(days=90)
    assert after.decoded("DTSTART") != before.decoded("DTSTART")


def test_the_feed_shows_only_its_owners_accounts(anon_client, owner, owner_accounts):
    stranger = UserFactory(email="stranger@example.com")
    stranger_account = account_for(stranger, 50, label="Theirs")
    found = events(anon_client.get(feed_url(new_token(owner))))
    assert account_uid(stranger_account) not in found
    assert len(found) == 2


def test_a_signed_in_other_user_gets_the_same_feed_the_token_names(
    other_client, owner, owner_accounts
):
    """The token is the credential: the session doesn't matter either way."""
    found = events(other_client.get(feed_url(new_token(owner))))
    assert account_uid(owner_accounts[0]) in found


def test_only_a_hash_of_the_token_is_stored(owner):
    token = new_token(owner)
    stored = ReminderPreference.objects.get(user=owner).feed_token_hash
    assert len(token) >= 43  # 32 random bytes, base64
    assert stored != token and len(stored) == 64
    assert not ReminderPreference.objects.filter(feed_token_hash=token).exists()


def test_regenerating_the_token_kills_the_old_url(anon_client, owner, owner_client):
    old = new_token(owner)
    assert anon_client.get(feed_url(old)).status_code == 200
    reauthenticate(owner_client, owner)
    owner_client.post(reverse("reminder_feed_create"))
    assert anon_client.get(feed_url(old)).status_code == 404


def test_turning_the_feed_off_kills_the_url(anon_client, owner, owner_client):
    token = new_token(owner)
    owner_client.post(reverse("reminder_feed_disable"))
    assert anon_client.get(feed_url(token)).status_code == 404


@pytest.mark.parametrize("token", ["x", "A" * 43, "not-a-real-token-at-all"])
def test_unknown_tokens_get_404(anon_client, owner, token):
    new_token(owner)
    assert anon_client.get(feed_url(token)).status_code == 404


def test_an_inactive_users_feed_is_gone(anon_client, owner):
    token = new_token(owner)
    owner.is_active = False
    owner.save()
    assert anon_client.get(feed_url(token)).status_code == 404


def test_the_feed_is_get_only(owner):
    token = new_token(owner)
    assert Client().post(feed_url(token)).status_code == 405


def test_feed_queries_do_not_grow_with_accounts(
    anon_client, owner, django_assert_max_num_queries
):
    for n in range(15):
        account_for(owner, 10 + n, label=f"Account {n}")
    token = new_token(owner)
    with django_assert_max_num_queries(2):
        assert anon_client.get(feed_url(token)).status_code == 200


def test_a_new_calendar_link_needs_a_fresh_password(owner_client, owner):
    response = owner_client.post(reverse("reminder_feed_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    preference = ReminderPreference.objects.filter(user=owner).first()
    assert preference is None or not preference.has_feed


def test_refresh_hints_are_valid_icalendar_durations(anon_client, owner):
    body = anon_client.get(feed_url(new_token(owner))).content.decode()
    assert "X-PUBLISHED-TTL:PT6H" in body
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in body
