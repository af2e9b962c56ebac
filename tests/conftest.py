"""Shared fixtures: an owner, another user and an anonymous visitor, each with a client."""

import pytest
from django.core.cache import cache
from django.test import Client

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
