"""The admin: the exchange catalogue is editable, users' exchange accounts are read-only."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Exchange, ExchangeAccount, ExchangeFact
from accounts.services import create_account, record_check_in

from .conftest import sign_in_staff
from .factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin_client():
    return sign_in_staff(Client(), StaffUserFactory(email="staff@example.com"))


@pytest.fixture
def account():
    with time_machine.travel(NOW, tick=False):
        owner = UserFactory(email="holder@example.com")
        account = create_account(
            ExchangeAccount(
                owner=owner,
                exchange=Exchange.objects.get(slug="kraken"),
                label="Staking",
                last_login_on=datetime.date(2026, 9, 1),
            )
        )
        record_check_in(account, datetime.date(2026, 11, 20))
    return account


def test_exchange_changelist_lists_the_seeded_catalogue(admin_client):
    response = admin_client.get(reverse("admin:accounts_exchange_changelist"))
    assert response.status_code == 200
    assert b"Binance" in response.content and b"KuCoin" in response.content


def test_exchange_change_page_shows_facts_inline(admin_client):
    binance = Exchange.objects.get(slug="binance")
    fact = binance.facts.first()
    response = admin_client.get(reverse("admin:accounts_exchange_change", args=[binance.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="facts-TOTAL_FORMS"' in content
    assert f'value="{binance.facts.count()}"' in content
    assert fact.source_name in content
    assert "Security features" in content


def test_exchange_fact_changelist_filters_and_searches(admin_client):
    url = reverse("admin:accounts_exchangefact_changelist")
    response = admin_client.get(url, {"kind": ExchangeFact.Kind.DORMANCY, "q": "dormant"})
    assert response.status_code == 200


def test_account_changelist_shows_owner_and_dates(admin_client, account):
    url = reverse("admin:accounts_exchangeaccount_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "holder@example.com" in content
    assert "Staking" in content

    response = admin_client.get(url, {"q": "holder@", "exchange__id__exact": account.exchange_id})
    assert response.status_code == 200
    assert "holder@example.com" in response.content.decode()
    response = admin_client.get(url, {"q": "nobody@"})
    assert "holder@example.com" not in response.content.decode()


def test_account_changelist_query_count_does_not_grow_with_rows(
    admin_client, account, django_assert_max_num_queries
):
    url = reverse("admin:accounts_exchangeaccount_changelist")
    admin_client.get(url)  # warm-up: session, content types
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    for i in range(5):
        create_account(ExchangeAccount(
            owner=UserFactory(), exchange=account.exchange, label=f"Extra {i}",
            last_login_on=datetime.date(2026, 10, 1),
        ))
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 6
    assert "Extra 4" in response.content.decode()


def test_account_is_view_only(admin_client, account):
    assert admin_client.get(reverse("admin:accounts_exchangeaccount_add")).status_code == 403

    change_url = reverse("admin:accounts_exchangeaccount_change", args=[account.pk])
    response = admin_client.get(change_url)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert "deletelink" not in content
    # The check-ins are listed read-only.
    assert "20 Nov 2026" in content or "Nov. 20, 2026" in content

    response = admin_client.post(change_url, {"label": "Changed by staff"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.label == "Staking"
    assert account.last_login_on == datetime.date(2026, 11, 20)


def test_non_staff_cannot_open_the_admin(owner_client):
    response = owner_client.get(reverse("admin:accounts_exchangeaccount_changelist"))
    assert response.status_code == 302
