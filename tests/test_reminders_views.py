"""The reminder settings page and its actions, for the owner, another user and a visitor.

Settings have no object ids: "another user" sees and changes only their own settings.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from reminders.models import ReminderLog, ReminderPreference
from reminders.outbox import TEST_REMINDERS_PER_HOUR
from reminders.views import NEW_FEED_TOKEN_SESSION_KEY
from tests.conftest import reauthenticate
from tests.test_reminders_support import NOW, account_for, assert_bodies_contain, set_preference

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SETTINGS_URL = reverse("reminder_settings")
VALID_FORM = {
    "enabled": "on", "frequency": "monthly", "warn_days": "21", "hour": "7",
    "time_zone": "Europe/London", "safety_phrase": "purple otter at noon",
}
# Every login-required URL with the method it answers.
SIGNED_IN_URLS = [
    ("get", SETTINGS_URL),
    ("post", SETTINGS_URL),
    ("post", reverse("reminder_send_test")),
    ("post", reverse("reminder_resubscribe")),
    ("post", reverse("reminder_feed_create")),
    ("post", reverse("reminder_feed_disable")),
]


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def preference_of(user) -> ReminderPreference:
    return ReminderPreference.objects.get(user=user)


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), SIGNED_IN_URLS)
def test_a_visitor_is_sent_to_sign_in_and_nothing_changes(anon_client, method, url):
    response = getattr(anon_client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not ReminderPreference.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url", [reverse("reminder_send_test"), reverse("reminder_resubscribe"),
            reverse("reminder_feed_create"), reverse("reminder_feed_disable")],
)
def test_actions_refuse_get(owner_client, url):
    assert owner_client.get(url).status_code == 405


def test_the_owner_sees_their_own_settings(owner_client, owner):
    set_preference(owner, safety_phrase="blue heron", time_zone="Asia/Tokyo")
    response = owner_client.get(SETTINGS_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="blue heron"' in page
    assert '<option value="Asia/Tokyo" selected>' in page
    assert "owner@example.com" in page


def test_another_user_sees_only_their_own_settings(other_client, owner):
    set_preference(owner, safety_phrase="blue heron")
    ReminderLog.objects.create(user=owner, cycle="2026-11-20", claimed_at=NOW,
                               outcome="failed", error="550 owner's bounce")
    page = other_client.get(SETTINGS_URL).content.decode()
    assert "blue heron" not in page and "owner's bounce" not in page
    assert "intruder@example.com" in page


def test_another_users_post_changes_only_their_own_preferences(other_client, other_user, owner):
    set_preference(owner, warn_days=14)
    assert other_client.post(SETTINGS_URL, VALID_FORM).status_code == 302
    assert preference_of(owner).warn_days == 14
    assert preference_of(other_user).warn_days == 21


def test_get_shows_defaults_without_creating_preferences(owner_client, owner):
    page = owner_client.get(SETTINGS_URL).content.decode()
    assert 'value="14"' in page  # the default warning window
    assert not ReminderPreference.objects.filter(user=owner).exists()


# --- Saving ---------------------------------------------------------------------------


def test_saving_preferences_stores_them_and_plans_the_next_look(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, VALID_FORM, follow=True)
    assert "Reminder settings saved." in response.content.decode()
    preference = preference_of(owner)
    assert (preference.frequency, preference.warn_days, preference.hour) == ("monthly", 21, 7)
    assert preference.time_zone == "Europe/London"
    assert preference.safety_phrase == "purple otter at noon"
    assert preference.next_digest_at == datetime.datetime(2026, 11, 25, 7, tzinfo=UTC)


def test_turning_reminders_off_clears_the_next_look(owner_client, owner):
    set_preference(owner)
    owner_client.post(SETTINGS_URL, {**VALID_FORM, "enabled": ""})
    preference = preference_of(owner)
    assert (preference.enabled, preference.next_digest_at) == (False, None)


def test_changing_the_hour_after_a_digest_keeps_the_week_out_date(owner_client, owner):
    planned = datetime.datetime(2026, 12, 1, 9, tzinfo=UTC)
    set_preference(owner, next_digest_at=planned, time_zone="UTC", hour=9)
    owner_client.post(SETTINGS_URL, {**VALID_FORM, "time_zone": "UTC", "hour": "18"})
    assert preference_of(owner).next_digest_at == datetime.datetime(2026, 12, 1, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hour", "24", "Select a valid choice"),
        ("hour", "-1", "Select a valid choice"),
        ("hour", "nine", "Select a valid choice"),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice"),
        ("time_zone", "../../etc/passwd", "Select a valid choice"),
        ("warn_days", "0", "greater than or equal to 1"),
        ("warn_days", "61", "less than or equal to 60"),
        ("warn_days", "soon", "Enter a whole number"),
        ("frequency", "daily", "Select a valid choice"),
        ("safety_phrase", "x" * 41, "at most 40 characters"),
        ("safety_phrase", "pw: Hunter22!", "password"),
        ("safety_phrase", "k3J9xQ2vL8mN4pR7sT1wY6zB5cD0fG2h", "API key"),
        ("safety_phrase", "JBSWY3DPEHPK3PXP", "2FA"),
        ("safety_phrase", "bell\x07", "letters, digits"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_never_saved(
    owner_client, owner, field, value, message
):
    response = owner_client.post(SETTINGS_URL, {**VALID_FORM, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index(f'id="field-{field}"')
    assert message in page[start:start + 2500]
    assert "Please correct the fields marked below" in page
    assert not ReminderPreference.objects.filter(user=owner, warn_days=21).exists()


def test_garbage_posts_never_500(owner_client):
    for data in ({}, {"hour": ["1", "2"]}, {"warn_days": "1e9"}, {"time_zone": ""}):
        assert owner_client.post(SETTINGS_URL, data).status_code == 200


# --- Test reminder --------------------------------------------------------------------


def test_send_a_test_reminder_to_me(owner_client, owner):
    account_for(owner, 100, label="Trading")
    set_preference(owner, safety_phrase="blue heron")
    response = owner_client.post(reverse("reminder_send_test"), follow=True)
    assert "Test reminder sent to owner@example.com." in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert message.subject.startswith("[Test] Kraken – Trading is overdue")
    assert_bodies_contain(message, "blue heron", "Kraken – Trading")
    log = ReminderLog.objects.get(user=owner)
    assert (log.kind, log.outcome) == ("test", "sent")


def test_a_test_reminder_works_before_any_settings_were_saved(owner_client, owner):
    owner_client.post(reverse("reminder_send_test"))
    assert mail.outbox[0].subject == "[Test] Nothing needs a login right now"


def test_test_reminders_are_rate_limited(owner_client, owner):
    for _ in range(TEST_REMINDERS_PER_HOUR + 2):
        response = owner_client.post(reverse("reminder_send_test"), follow=True)
    assert len(mail.outbox) == TEST_REMINDERS_PER_HOUR
    assert "Please wait a while" in response.content.decode()


def test_another_users_test_reminder_goes_to_them(other_client, owner, other_user):
    set_preference(owner)
    other_client.post(reverse("reminder_send_test"))
    assert [m.to for m in mail.outbox] == [["intruder@example.com"]]


# --- Resubscribe and the calendar controls ------------------------------------------


def test_resubscribe_turns_reminders_back_on(owner_client, owner):
    set_preference(owner, enabled=False, next_digest_at=None, unsubscribed_at=NOW)
    page = owner_client.get(SETTINGS_URL).content.decode()
    assert "You unsubscribed" in page
    owner_client.post(reverse("reminder_resubscribe"))
    preference = preference_of(owner)
    assert preference.enabled and preference.unsubscribed_at is None
    assert preference.next_digest_at == datetime.datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_a_new_calendar_link_is_shown_once(owner_client, owner):
    reauthenticate(owner_client, owner)
    response = owner_client.post(reverse("reminder_feed_create"), follow=True)
    page = response.content.decode()
    assert "Copy it now" in page
    preference = preference_of(owner)
    start = page.index('id="feed-url"')
    url = page[start:].split('value="', 1)[1].split('"', 1)[0]
    assert url.startswith("https://guard.example.com/reminders/calendar/")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in (preference.feed_token_hash or "")
    assert NEW_FEED_TOKEN_SESSION_KEY not in owner_client.session
    assert url not in owner_client.get(SETTINGS_URL).content.decode()  # once only


def test_turning_the_calendar_link_off(owner_client, owner):
    reauthenticate(owner_client, owner)
    owner_client.post(reverse("reminder_feed_create"))
    owner_client.post(reverse("reminder_feed_disable"))
    assert not preference_of(owner).has_feed


def test_another_user_cannot_touch_the_owners_calendar_link(
    other_client, other_user, owner_client, owner
):
    reauthenticate(owner_client, owner)
    owner_client.post(reverse("reminder_feed_create"))
    before = preference_of(owner).feed_token_hash
    other_client.post(reverse("reminder_feed_disable"))
    reauthenticate(other_client, other_user)
    other_client.post(reverse("reminder_feed_create"))
    assert preference_of(owner).feed_token_hash == before
