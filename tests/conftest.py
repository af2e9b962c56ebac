"""Shared fixtures: an owner, another user and an anonymous visitor, each with a client."""

import importlib
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
    """The code the user's authenticator app shows right now."""
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt_text(totp.data["secret"])
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



# The data migrations' seed functions, to put the catalogue and guidance back.
SEEDS = ["accounts.migrations.0002_seed_exchanges", "checklists.migrations.0002_seed_guides"]


@pytest.fixture
def seeded_catalogue(transactional_db):
    """Exchanges and guidance as the data migrations create them.

    A transactional test (every browser test) ends by emptying all tables, data
    migrations' rows included, so the next one re-runs the seeds when they're gone.
    """
    from django.apps import apps

    from accounts.models import Exchange

    if not Exchange.objects.exists():
        for module in SEEDS:
            importlib.import_module(module).seed(apps, None)
