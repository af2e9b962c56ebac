"""Shared fixtures: an owner, another user and an anonymous visitor, each with a client."""

import time

import pytest
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from users.adapters import decrypt_text

from .chat_service import service  # noqa: F401 - the local chat service fixture, for every test module
from .factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters must not leak from one test into the next.
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request activates its language in this thread and nothing deactivates it: one
    # test's Japanese page must not make the next test's code speak Japanese.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def other_user(db):
    return UserFactory(email="intruder@example.com")


def reauthenticate(client, user):
    """Mark the client's session as recently reauthenticated, the way allauth does, for
    views behind `reauthentication_required` (exports, deletion, calendar links)."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    reauthenticate_by_password(request)
    request.session.save()


def current_totp_code(user) -> str:
    """The code the user's authenticator app shows right now. In the last two seconds of
    a 30-second period it waits for the next one: a request that crosses the boundary
    (a busy test machine) would otherwise be checked against the next period's code and
    refused, as a person typing a code at 29 s sometimes is."""
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt_text(totp.data["secret"])
    left_in_period = 30 - time.time() % 30
    if left_in_period < 2:
        time.sleep(left_in_period)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in_staff(client, user, **request_options):
    """Sign a staff member in the way the admin requires: the password (force_login),
    then a code from their authenticator in this same session."""
    client.force_login(user)
    response = client.post(
        reverse("mfa_reauthenticate"), {"code": current_totp_code(user)}, **request_options
    )
    assert response.status_code == 302, "the authenticator code was refused"
    return client


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def other_client(other_user):
    client = Client()
    client.force_login(other_user)
    return client


@pytest.fixture
def anon_client(db):
    return Client()


@pytest.fixture
def read_in(settings):
    """`read_in(client, "ja", user=None)`: the client's requests ask for that language the
    way a browser does (language cookie and Accept-Language; and the user's own
    language, where users have one). Adds Django's LocaleMiddleware when the settings
    don't have it yet, so reader-language tests run before and after it arrives."""
    locale = "django.middleware.locale.LocaleMiddleware"
    if locale not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        sessions = middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
        middleware.insert(sessions + 1, locale)
        settings.MIDDLEWARE = middleware

    def choose(client, language: str, user=None):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        if user is not None and hasattr(user, "language"):
            user.language = language
            user.save(update_fields=["language"])
        return client

    yield choose
    # The middleware activates the language for the thread; don't leak it to other tests.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database gets the content files once, as a fresh install does with
    `manage.py load_guidance` after `migrate`; each test's transaction is rolled back."""
    from checklists.content_loader import load_guidance

    with django_db_blocker.unblock():
        load_guidance()


@pytest.fixture
def seeded_catalogue(transactional_db):
    """Exchanges and guidance as `load_guidance` loads them from content/.

    A transactional test (every browser test) ends by emptying all tables, so the next
    one loads the content files again when they're gone.
    """
    from accounts.models import Exchange
    from checklists.content_loader import load_guidance

    if not Exchange.objects.exists():
        load_guidance()
