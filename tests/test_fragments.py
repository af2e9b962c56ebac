"""The base layout's kept fragments (config/fragments.py) never carry one request's
data into another: per-user values, CSRF tokens and the path stay per request, and the
kept HTML follows the language, the staff flag and the current page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ExchangeAccount
from config import fragments
from tests.factories import ExchangeAccountFactory, UserFactory


@pytest.fixture(autouse=True)
def _kept_fragments(settings):
    settings.DEBUG = False  # fragments are only kept with DEBUG off
    fragments.clear()
    yield
    fragments.clear()


def page_for(user, url: str, **headers) -> str:
    client = Client(**headers)
    client.force_login(user)
    return client.get(url).content.decode()


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_kept_fragments_show_each_user_their_own_email_token_and_menu(db):
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.com", is_staff=True)
    first = page_for(alice, reverse("dashboard"))
    second = page_for(bob, reverse("dashboard"))
    assert fragments._rendered, "the layout was not kept"
    assert "alice@example.com" in first and "bob@example.com" not in first
    assert "bob@example.com" in second and "alice@example.com" not in second
    # The staff-only links follow the user, not whoever rendered the layout first.
    admin = reverse("admin:index")
    assert f'href="{admin}"' not in first and f'href="{admin}"' in second
    assert not csrf_tokens(first) & csrf_tokens(second)
    again = page_for(alice, reverse("dashboard"))
    assert f'href="{admin}"' not in again and "alice@example.com" in again


def test_kept_fragments_follow_the_page_and_the_language(db):
    user = UserFactory(language="en")
    dashboard = page_for(user, reverse("dashboard"))
    archived = page_for(user, reverse("archived_accounts") + "?x=1")
    current = r'<a href="{}" aria-current="page">'
    assert re.search(current.format(reverse("dashboard")), dashboard)
    assert not re.search(current.format(reverse("dashboard")), archived)
    # The language pickers' "next" is this request's path, not the first one's.
    assert 'name="next" value="/dashboard/"' in dashboard
    assert 'name="next" value="/accounts/archived/?x=1"' in archived
    user.language = "ja"
    user.save(update_fields=["language"])
    japanese = page_for(user, reverse("dashboard"))
    assert '<html lang="ja">' in japanese
    assert "Skip to content" in dashboard and "Skip to content" not in japanese


def test_fragments_are_not_kept_with_debug_on(db, settings):
    settings.DEBUG = True
    page_for(UserFactory(), reverse("dashboard"))
    assert not fragments._rendered


def test_archived_list_reads_a_constant_number_of_queries(db, django_assert_max_num_queries):
    owner = UserFactory()
    client = Client()
    client.force_login(owner)
    ExchangeAccountFactory.create_batch(3, owner=owner)
    ExchangeAccount.objects.filter(owner=owner).update(archived_at="2026-01-02T00:00:00Z")
    client.get(reverse("archived_accounts"))  # the first request of a session records it
    with django_assert_max_num_queries(4):
        html = client.get(reverse("archived_accounts")).content.decode()
    assert html.count('<tr>') == 4  # the header row and three accounts
