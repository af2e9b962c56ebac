"""The admin: the exchange catalogue is editable (English and translations side by side,
with history), users' exchange accounts are read-only, and the Editor role sees only
the guidance and the catalogue."""

import datetime
import os
from io import StringIO

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Exchange, ExchangeAccount, ExchangeFact, ExchangeFactTranslation
from accounts.services import create_account, record_check_in
from checklists.editors import EDITOR_GROUP

from .conftest import sign_in_staff
from .factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory

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
    html = response.content.decode()
    assert "After 90 days in a row without logging in" in html  # Binance, dormancy
    assert "No dormancy or unclaimed-property rule" not in html  # Gemini: no "dormant"
    assert "Global Settings Lock" not in html  # a hold, not dormancy


def fact_form_data(fact: ExchangeFact, **changes) -> dict:
    data = {"exchange": fact.exchange_id, "key": fact.key, "kind": fact.kind,
            "certainty": fact.certainty, "source_url": fact.source_url,
            "checked_on": fact.checked_on.isoformat(), "summary": fact.summary,
            "source_name": fact.source_name}
    for translation in fact.translations.all():
        code = translation.language.replace("-", "_")
        data.update({f"summary__{code}": translation.summary,
                     f"source_name__{code}": translation.source_name})
    return {**data, **changes}


def test_an_exchange_fact_is_edited_beside_its_translations_with_history(admin_client):
    fact = ExchangeFact.objects.get(exchange__slug="kraken", key="hold-settings-lock")
    url = reverse("admin:accounts_exchangefact_change", args=[fact.pk])
    assert 'name="summary__zh_hans"' in admin_client.get(url).content.decode()
    data = fact_form_data(fact, summary__ja="待機期間があり、サポートは短縮できません。",
                          source_name__ja="Kraken サポート")
    assert admin_client.post(url, data).status_code == 302
    translation = ExchangeFactTranslation.objects.get(fact=fact, language="ja")
    assert not translation.needs_review

    changed = fact_form_data(fact, summary="The lock's waiting period can't be shortened.")
    assert admin_client.post(url, changed).status_code == 302
    translation.refresh_from_db()
    assert translation.needs_review
    listed = admin_client.get(reverse("admin:accounts_exchangefact_changelist"),
                              {"translation": "review:ja"}).content.decode()
    assert "The lock&#x27;s waiting period" in listed
    assert "After 90 days in a row" not in listed
    history = admin_client.get(reverse("admin:accounts_exchangefact_history", args=[fact.pk]))
    assert "staff@example.com" in history.content.decode()


def test_exchange_edits_are_recorded_in_history(admin_client):
    okx = Exchange.objects.get(slug="okx")
    url = reverse("admin:accounts_exchange_change", args=[okx.pk])
    data = {"name": "OKX", "slug": "okx", "website": okx.website, "dormancy_after_days": "365",
            "offers_authenticator": "on", "features_source": okx.features_source,
            "features_checked_on": okx.features_checked_on.isoformat(),
            "facts-TOTAL_FORMS": "0", "facts-INITIAL_FORMS": "0"}
    facts = list(okx.facts.all())
    data.update({"facts-TOTAL_FORMS": str(len(facts)), "facts-INITIAL_FORMS": str(len(facts))})
    for i, fact in enumerate(facts):
        data.update({f"facts-{i}-id": fact.pk, f"facts-{i}-exchange": okx.pk,
                     f"facts-{i}-key": fact.key, f"facts-{i}-kind": fact.kind,
                     f"facts-{i}-summary": fact.summary, f"facts-{i}-source_name": fact.source_name,
                     f"facts-{i}-source_url": fact.source_url,
                     f"facts-{i}-certainty": fact.certainty,
                     f"facts-{i}-checked_on": fact.checked_on.isoformat()})
    assert admin_client.post(url, data).status_code == 302
    latest = okx.history.latest()
    assert latest.dormancy_after_days == 365
    assert latest.history_user.email == "staff@example.com"


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


# --- The Editor role ------------------------------------------------------------------------


@pytest.fixture
def editor_password(monkeypatch):
    monkeypatch.setitem(os.environ, "EDITOR_PASSWORD", DEFAULT_PASSWORD)


def test_create_editor_makes_a_verified_staff_account_with_only_editor_rights(editor_password):
    out = StringIO()
    call_command("create_editor", "Editor@Example.com", no_input=True, stdout=out)
    user = get_user_model().objects.get(email__iexact="editor@example.com")
    assert (user.is_staff, user.is_superuser, user.is_active) == (True, False, True)
    assert user.check_password(DEFAULT_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [EDITOR_GROUP]
    address = EmailAddress.objects.get(user=user)
    assert (address.verified, address.primary) == (True, True)
    assert user.has_perm("checklists.change_step") and user.has_perm("accounts.add_exchangefact")
    assert not user.has_perm("accounts.view_exchangeaccount")
    assert not user.has_perm("checklists.view_walkthrough")
    assert not user.has_perm("users.view_user")
    assert "authenticator" in out.getvalue()


def test_the_editor_admin_shows_only_the_guidance_and_the_catalogue(editor_password):
    call_command("create_editor", "editor@example.com", no_input=True, stdout=StringIO())
    user = get_user_model().objects.get(email="editor@example.com")
    TOTP.activate(user, generate_totp_secret())
    client = sign_in_staff(Client(), user)
    html = client.get(reverse("admin:index")).content.decode()
    for allowed in ("checklists_step", "checklists_guide", "checklists_exchangenote",
                    "accounts_exchange", "accounts_exchangefact"):
        assert reverse(f"admin:{allowed}_changelist") in html, allowed
    for hidden in ("accounts_exchangeaccount", "checklists_walkthrough", "users_user",
                   "auth_group"):
        assert reverse(f"admin:{hidden}_changelist") not in html, hidden
    assert client.get(reverse("admin:accounts_exchangeaccount_changelist")).status_code == 403


def test_create_editor_again_updates_the_account_and_resets_the_group(editor_password):
    call_command("create_editor", "editor@example.com", no_input=True, stdout=StringIO())
    group = Group.objects.get(name=EDITOR_GROUP)
    group.permissions.add(Permission.objects.get(codename="view_user"))
    call_command("create_editor", "editor@example.com", no_input=True, stdout=StringIO())
    assert not group.permissions.filter(codename="view_user").exists()
    assert get_user_model().objects.filter(email="editor@example.com").count() == 1


def test_create_editor_refuses_weak_or_missing_passwords(monkeypatch):
    monkeypatch.setitem(os.environ, "EDITOR_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_editor", "editor@example.com", no_input=True)
    monkeypatch.delitem(os.environ, "EDITOR_PASSWORD")
    with pytest.raises(CommandError, match="EDITOR_PASSWORD"):
        call_command("create_editor", "editor@example.com", no_input=True)
    with pytest.raises(CommandError, match="email address"):
        call_command("create_editor")
    assert not get_user_model().objects.filter(email="editor@example.com").exists()


def test_create_editor_asks_twice_for_the_password(monkeypatch):
    answers = iter([DEFAULT_PASSWORD, DEFAULT_PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_editor", "editor@example.com")


def test_group_only_creates_the_group(db):
    call_command("create_editor", group_only=True, stdout=StringIO())
    assert Group.objects.get(name=EDITOR_GROUP).permissions.count() == 24
