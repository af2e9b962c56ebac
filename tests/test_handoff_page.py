"""What the handoff page shows a contact: an allow-list of fields, nothing else.

Every other text field of an exchange account (notes, and any added later) is filled
with a marker that must never appear; security settings never appear either."""

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Exchange, ExchangeAccount
from handoff.content import handoff_content
from handoff.sweep import run_quiet_sweep
from tests.factories import ExchangeAccountFactory, UserFactory
from tests.handoff_support import DAY, T0, armed_plan, link_in, sent_to

pytestmark = pytest.mark.django_db
SHOWN_FIELDS = {"label", "login_hint", "other_exchange_name"}


def _fill_hidden_text_fields(account: ExchangeAccount) -> list[str]:
    """Put a marker in every text field the page must not show; returns the markers."""
    markers, values = [], {}
    for field in ExchangeAccount._meta.concrete_fields:
        is_text = isinstance(field, models.CharField | models.TextField)
        if is_text and field.name not in SHOWN_FIELDS:
            marker = f"HIDDEN-{field.name}-{account.pk}"[: field.max_length or 200]
            values[field.name] = marker
            markers.append(marker)
    ExchangeAccount.objects.filter(pk=account.pk).update(**values)  # bypass validation
    return markers


@pytest.fixture
def handed_off(owner, client, time_machine):
    time_machine.move_to(T0 - 5 * DAY, tick=False)
    binance = Exchange.objects.get(slug="binance")
    accounts = [
        ExchangeAccountFactory.create(
            owner=owner, exchange=binance, label="Main", login_hint="john.doe@mail.com",
            notes="the blue notebook in the drawer",
        ),
        ExchangeAccountFactory.create(
            owner=owner, exchange=None, other_exchange_name="TinyDEX", label="Old",
            login_hint="john.doe@mail.com",
        ),
        ExchangeAccountFactory.create(
            owner=owner, exchange=binance, label="Archived one", archived_at=timezone.now(),
        ),
    ]
    ExchangeAccountFactory.create(owner=UserFactory(), exchange=binance, label="Stranger's")
    markers = [m for account in accounts for m in _fill_hidden_text_fields(account)]
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner, contacts=["ana@example.net"], message="Call Jo at the bank.")
    time_machine.move_to(T0 + 90 * DAY, tick=False)
    run_quiet_sweep(now=T0 + 90 * DAY)
    path = link_in(sent_to("ana@example.net")[-1], "/h/")
    return plan, client.post(path).content.decode(), markers


def test_the_page_lists_accounts_masked_hints_recovery_and_message(handed_off):
    _plan, page, _markers = handed_off
    assert "Binance" in page and "TinyDEX" in page and "Main" in page
    assert "j***@mail.com" in page and "john.doe@mail.com" not in page
    # The recovery map: one inbox recovers both accounts.
    assert "Binance · Main, TinyDEX · Old" in page
    assert "Call Jo at the bank." in page


def test_the_page_shows_each_exchanges_dormancy_facts_with_sources(handed_off):
    _plan, page, _markers = handed_off
    fact = Exchange.objects.get(slug="binance").facts.exclude(source_url="").first()
    assert fact is not None, "the seeded catalogue has sourced facts for Binance"
    assert fact.source_url in page
    assert "What Binance does with dormant accounts" in page
    assert "We have no sourced facts about this exchange yet" in page  # TinyDEX


def test_no_note_or_other_hidden_field_ever_appears(handed_off):
    _plan, page, markers = handed_off
    assert markers  # notes, two_factor_method, phone_status, kyc_status, ...
    for marker in markers:
        assert marker not in page
    assert "blue notebook" not in page
    assert "Archived one" not in page and "Stranger's" not in page


def test_the_content_is_built_from_an_allow_list():
    from dataclasses import fields

    from handoff.content import HandoffAccount

    allowed = {"exchange", "label", "login_hint", "website"}
    assert {f.name for f in fields(HandoffAccount)} == allowed


def test_the_content_costs_a_fixed_number_of_queries(handed_off, django_assert_num_queries):
    plan, _page, _markers = handed_off
    for n in range(20):
        ExchangeAccountFactory.create(owner=plan.owner, label=f"More {n}")
    with django_assert_num_queries(2):  # accounts, facts
        handoff_content(plan, "en")
    with django_assert_num_queries(3):  # and the facts' translations
        handoff_content(plan, "ja")


def test_the_owners_page_lists_contacts_in_a_fixed_number_of_queries(
    owner, django_assert_num_queries, time_machine
):
    from django.test import Client

    time_machine.move_to(T0, tick=False)
    armed_plan(owner, contacts=[f"c{n}@example.net" for n in range(5)])
    client = Client()
    client.force_login(owner)
    client.get(reverse("quiet_plan"))  # warm the session
    with django_assert_num_queries(6):
        assert client.get(reverse("quiet_plan")).status_code == 200
