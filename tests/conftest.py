"""Shared fixtures: an owner, another user and an anonymous visitor, each with a client."""

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


def pytest_collection_modifyitems(items):
    """Every transactional test restores the seeded rows (exchanges, guides) afterwards.

    A transactional test ends with a flush that empties every table, data migrations'
    rows included; mixing tests that restore them (serialized_rollback) with tests that
    don't breaks the ones that run after. So all of them restore.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get(
            "serialized_rollback"
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
