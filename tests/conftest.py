"""Shared fixtures: an owner, another user and an anonymous visitor, each with a client."""

import importlib

import pytest
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django.core.cache import cache
from django.test import Client, RequestFactory

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters must not leak from one test into the next.
    cache.clear()


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
