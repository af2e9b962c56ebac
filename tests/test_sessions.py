"""Sessions: a new key at sign-in, real server-side sign-out, "sign out other sessions",
and the idle and absolute timeouts of security.middleware.SessionSecurityMiddleware."""

import datetime
import importlib

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from security import sessions
from security.middleware import SessionSecurityMiddleware
from security.models import SecurityEvent
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
IDLE_MESSAGE = "You were signed out after a period of inactivity"


def store():
    return importlib.import_module(settings.SESSION_ENGINE).SessionStore()


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_in(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return session_key(client)


def is_signed_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def client_with_cookie(key: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


# --- Sign-in and sign-out -------------------------------------------------------------


def test_sign_in_gets_a_new_session_key(anon_client, owner):
    anonymous = anon_client.session  # an anonymous session, e.g. planted by an attacker
    anonymous["planted"] = True
    anonymous.save()
    before = anonymous.session_key
    anon_client.cookies[settings.SESSION_COOKIE_NAME] = before

    after = log_in(anon_client, owner)

    assert after != before
    assert not store().exists(before)
    assert not is_signed_in(client_with_cookie(before))


def test_sign_out_deletes_the_session_on_the_server(anon_client, owner):
    key = log_in(anon_client, owner)
    assert store().exists(key)

    anon_client.post(reverse("account_logout"))

    assert not store().exists(key)
    # A copy of the old cookie (kept by an attacker, or a second tab) is worthless.
    assert not is_signed_in(client_with_cookie(key))


def test_sign_out_other_sessions_ends_them_on_the_server(owner):
    laptop, phone, tablet = Client(), Client(), Client()
    log_in(laptop, owner)
    phone_key = log_in(phone, owner)
    tablet_key = log_in(tablet, owner)

    response = laptop.post(reverse("usersessions_list"))

    assert response.status_code == 302
    assert not store().exists(phone_key) and not store().exists(tablet_key)
    assert not is_signed_in(phone) and not is_signed_in(tablet)
    assert is_signed_in(laptop)
    event = SecurityEvent.objects.get(user=owner, kind=SecurityEvent.Kind.SESSIONS_REVOKED)
    assert event.details == {"count": 2}


def test_sign_out_other_sessions_leaves_other_users_alone(owner, other_user):
    mine, theirs = Client(), Client()
    log_in(mine, owner)
    log_in(theirs, other_user)
    mine.post(reverse("usersessions_list"))
    assert is_signed_in(theirs)


# --- Timeouts -------------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def timeouts(settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 3600
    settings.SESSION_ABSOLUTE_TIMEOUT = 14 * 24 * 3600
    return settings


def test_idle_session_is_signed_out_with_a_message(clock, timeouts, owner_client, owner):
    key = session_key(owner_client)
    clock.shift(datetime.timedelta(hours=2, seconds=1))

    response = owner_client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert IDLE_MESSAGE in response.content.decode()
    assert not store().exists(key)
    event = SecurityEvent.objects.get(user=owner, kind=SecurityEvent.Kind.LOGOUT)
    assert event.details == {"reason": "idle"}


def test_a_session_used_within_the_idle_timeout_stays_signed_in(clock, timeouts, owner_client):
    for _ in range(4):  # six hours of use, never two hours apart
        clock.shift(datetime.timedelta(hours=1, minutes=30))
        assert is_signed_in(owner_client)


def test_a_session_ends_at_the_absolute_timeout_even_when_busy(clock, timeouts, owner_client):
    timeouts.SESSION_ABSOLUTE_TIMEOUT = 3600
    timeouts.SESSION_IDLE_TIMEOUT = 1800
    for _ in range(3):  # one request every 20 minutes: never idle
        clock.shift(datetime.timedelta(minutes=20))
        assert is_signed_in(owner_client)
    clock.shift(datetime.timedelta(minutes=1))

    response = owner_client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "maximum length" in response.content.decode()


def test_default_timeouts_are_two_hours_idle_and_fourteen_days_absolute(clock, owner_client):
    assert settings.SESSION_IDLE_TIMEOUT == 2 * 3600
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 14 * 24 * 3600
    for _ in range(14 * 24):  # hourly use for two weeks
        clock.shift(datetime.timedelta(hours=1))
        if not is_signed_in(owner_client):
            break
    assert datetime.datetime.now(tz=datetime.UTC) - START > datetime.timedelta(days=13, hours=23)
    clock.shift(datetime.timedelta(hours=1))
    assert not is_signed_in(owner_client)


def test_last_seen_is_written_at_most_once_a_minute(clock, timeouts, owner_client):
    key = session_key(owner_client)
    expiry = Session.objects.get(session_key=key).expire_date

    clock.shift(datetime.timedelta(seconds=30))
    assert is_signed_in(owner_client)
    # No session write: the row's expiry (renewed on every save) has not moved.
    assert Session.objects.get(session_key=key).expire_date == expiry
    assert owner_client.session[sessions.SEEN_AT] == int(START.timestamp())

    clock.shift(datetime.timedelta(seconds=31))
    assert is_signed_in(owner_client)
    assert owner_client.session[sessions.SEEN_AT] == int(START.timestamp()) + 61


def test_a_session_without_timestamps_starts_its_clock(clock, timeouts, owner_client):
    session = owner_client.session
    del session[sessions.LOGIN_AT], session[sessions.SEEN_AT]
    session.save()
    assert is_signed_in(owner_client)
    assert owner_client.session[sessions.LOGIN_AT] == int(START.timestamp())


def test_timeouts_can_be_turned_off(clock, timeouts, owner_client):
    timeouts.SESSION_IDLE_TIMEOUT = 0
    clock.shift(datetime.timedelta(days=3))
    assert is_signed_in(owner_client)


def test_anonymous_requests_are_untouched(clock, timeouts, anon_client):
    assert anon_client.get(reverse("privacy")).status_code == 200
    assert sessions.LOGIN_AT not in anon_client.session



def test_requests_without_a_session_cookie_do_not_read_the_session():
    """Health checks and other cookie-less requests must not get `Vary: Cookie`."""
    request = RequestFactory().get("/")
    request.session = store()
    request.user = SimpleLazyObject(lambda: pytest.fail("request.user was read"))
    SessionSecurityMiddleware(lambda r: HttpResponse("ok"))(request)
    assert not request.session.accessed
