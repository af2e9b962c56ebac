"""Exchange-account views: access rules, CRUD, check-ins, dashboard and recovery map."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from mnemonic import Mnemonic

from accounts.models import CheckIn, ExchangeAccount, TwoFactorMethod
from tests.factories import CheckInFactory, ExchangeAccountFactory, ExchangeFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _pinned_clock(time_machine):
    time_machine.move_to("2026-11-24 12:00", tick=False)


@pytest.fixture
def binance(db):
    return ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=90)


@pytest.fixture
def account(owner, binance):
    account = ExchangeAccountFactory(
        owner=owner, exchange=binance, label="Main", last_login_on=TODAY - datetime.timedelta(97)
    )
    CheckInFactory(account=account, on=account.last_login_on, source=CheckIn.Source.ADDED)
    return account


def account_urls(account) -> dict[str, tuple[str, str]]:
    """Every account URL with the method that uses it."""
    check_in = account.check_ins.first()
    return {
        "detail": ("get", reverse("account_detail", args=[account.pk])),
        "edit": ("get", reverse("account_edit", args=[account.pk])),
        "delete-confirm": ("get", reverse("account_delete", args=[account.pk])),
        "delete": ("post", reverse("account_delete", args=[account.pk])),
        "archive": ("post", reverse("account_archive", args=[account.pk])),
        "restore": ("post", reverse("account_restore", args=[account.pk])),
        "check-in-today": ("post", reverse("check_in_today", args=[account.pk])),
        "check-in-add": ("post", reverse("check_in_add", args=[account.pk])),
        "check-in-delete": (
            "post", reverse("check_in_delete", args=[account.pk, check_in.pk]),
        ),
    }


LIST_URLS = ["dashboard", "account_create", "archived_accounts", "recovery_map"]


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", LIST_URLS)
def test_list_pages_send_anonymous_visitors_to_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", LIST_URLS)
def test_list_pages_open_for_a_signed_in_user(owner_client, account, name):
    assert owner_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    "key", ["detail", "edit", "delete-confirm", "delete", "archive", "restore",
            "check-in-today", "check-in-add", "check-in-delete"],
)
def test_another_user_gets_404_and_changes_nothing(other_client, account, key):
    method, url = account_urls(account)[key]
    response = getattr(other_client, method)(url, {"on": "2026-11-01"})
    assert response.status_code == 404
    account.refresh_from_db()
    assert account.archived_at is None
    assert account.check_ins.count() == 1


@pytest.mark.parametrize(
    "key", ["detail", "edit", "delete-confirm", "delete", "archive", "check-in-today"],
)
def test_anonymous_visitor_is_sent_to_login_for_account_urls(anon_client, account, key):
    method, url = account_urls(account)[key]
    response = getattr(anon_client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert ExchangeAccount.objects.filter(pk=account.pk, archived_at__isnull=True).exists()


@pytest.mark.parametrize("key", ["archive", "restore", "check-in-today"])
def test_state_changing_urls_refuse_get(owner_client, account, key):
    _, url = account_urls(account)[key]
    assert owner_client.get(url).status_code == 405
    account.refresh_from_db()
    assert account.archived_at is None
    assert ExchangeAccount.objects.filter(pk=account.pk).exists()
    assert account.check_ins.count() == 1


def test_get_on_the_delete_url_only_asks_for_confirmation(owner_client, account):
    _, url = account_urls(account)["delete"]
    response = owner_client.get(url)
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    account.refresh_from_db()
    assert account.archived_at is None
    assert ExchangeAccount.objects.filter(pk=account.pk).exists()
    assert account.check_ins.count() == 1


def test_owner_sees_account_page_with_status_findings_and_facts(owner_client, account):
    response = owner_client.get(reverse("account_detail", args=[account.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Binance may start its dormancy process after 90 days" in html
    assert "last login 97 days ago" in html
    assert "How to fix" in html


# --- Create and edit -----------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "exchange_choice": "binance", "other_exchange_name": "", "label": "Savings",
        "login_hint": "", "opened_on": "", "last_login_on": "2026-10-01",
        "check_in_every_days": "90", "holds_assets": "on",
        "two_factor_method": TwoFactorMethod.AUTHENTICATOR, "anti_phishing_code_set": "true",
        "withdrawal_whitelist_on": "false", "whitelist_reviewed_on": "",
        "password_changed_on": "2026-09-01", "password_is_strong": "true",
        "password_is_unique": "true", "email_in_use": "true", "phone_status": "in_use",
        "api_keys_present": "false", "api_keys_reviewed_on": "", "devices_reviewed_on": "",
        "kyc_status": "verified", "notes": "",
    }
    return {**data, **overrides}


def test_creating_an_account_records_its_first_check_in(owner_client, owner, binance):
    response = owner_client.post(reverse("account_create"), form_data())
    account = ExchangeAccount.objects.get(owner=owner)
    assert response.status_code == 302
    assert response["Location"] == account.get_absolute_url()
    assert account.exchange == binance
    assert account.next_check_in_on == datetime.date(2026, 12, 30)
    assert account.anti_phishing_code_set is True
    assert account.withdrawal_whitelist_on is False
    assert list(account.check_ins.values_list("on", "source")) == [
        (datetime.date(2026, 10, 1), CheckIn.Source.ADDED)
    ]


def test_other_exchange_needs_a_name(owner_client, owner):
    response = owner_client.post(
        reverse("account_create"), form_data(exchange_choice="other", other_exchange_name="")
    )
    assert response.status_code == 200
    assert "Give the exchange&#x27;s name." in response.content.decode()
    assert not ExchangeAccount.objects.exists()


def test_other_exchange_with_a_name_is_saved(owner_client, owner):
    owner_client.post(
        reverse("account_create"),
        form_data(exchange_choice="other", other_exchange_name="LocalBitBank"),
    )
    account = ExchangeAccount.objects.get(owner=owner)
    assert account.exchange is None
    assert account.exchange_name == "LocalBitBank"


def test_full_email_login_hint_is_masked(owner_client, owner, binance):
    owner_client.post(reverse("account_create"), form_data(login_hint="john.doe@mail.com"))
    assert ExchangeAccount.objects.get(owner=owner).login_hint == "j***@mail.com"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_login_on", "2026-11-25", "in the future"),
        ("last_login_on", "2008-01-01", "before exchange accounts existed"),
        ("check_in_every_days", "5", "greater than or equal to 7"),
        ("check_in_every_days", "1000", "less than or equal to 730"),
        ("exchange_choice", "", "This field is required"),
    ],
)
def test_bad_input_is_reported_beside_the_field_and_kept(
    owner_client, binance, field, value, message
):
    response = owner_client.post(reverse("account_create"), form_data(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="Savings"' in html  # what the user typed is still there
    assert not ExchangeAccount.objects.exists()


def test_seed_phrase_in_notes_is_refused_with_an_explanation(owner_client, binance):
    phrase = Mnemonic("english").generate(128)
    response = owner_client.post(reverse("account_create"), form_data(notes=phrase))
    html = response.content.decode()
    assert "recovery (seed) phrase" in html
    error = html.split('class="errorlist')[1].split("</ul>")[0]
    assert "recovery (seed) phrase" in error
    assert phrase not in error  # the message never repeats the secret
    assert not ExchangeAccount.objects.exists()


def test_editing_keeps_last_login_and_updates_settings(owner_client, account):
    response = owner_client.post(
        reverse("account_edit", args=[account.pk]),
        form_data(two_factor_method=TwoFactorMethod.SECURITY_KEY, label="Renamed"),
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.label == "Renamed"
    assert account.two_factor_method == TwoFactorMethod.SECURITY_KEY
    assert account.last_login_on == TODAY - datetime.timedelta(97)


# --- Archive and delete ------------------------------------------------------------------------


def test_archive_hides_the_account_from_the_dashboard_and_restore_brings_it_back(
    owner_client, account
):
    owner_client.post(reverse("account_archive", args=[account.pk]))
    row = f'id="account-{account.pk}"'
    assert row not in owner_client.get(reverse("dashboard")).content.decode()
    assert account.get_absolute_url() in owner_client.get(
        reverse("archived_accounts")
    ).content.decode()

    owner_client.post(reverse("account_restore", args=[account.pk]))
    account.refresh_from_db()
    assert account.archived_at is None


def test_delete_asks_for_confirmation_then_deletes_on_post(owner_client, account):
    confirm = owner_client.get(reverse("account_delete", args=[account.pk]))
    assert b"Delete permanently" in confirm.content
    assert ExchangeAccount.objects.filter(pk=account.pk).exists()

    response = owner_client.post(reverse("account_delete", args=[account.pk]))
    assert response.status_code == 302
    assert not ExchangeAccount.objects.filter(pk=account.pk).exists()
    assert not CheckIn.objects.filter(account_id=account.pk).exists()


# --- Check-ins -----------------------------------------------------------------------------------


def test_check_in_today_with_htmx_returns_the_updated_row(owner_client, account):
    response = owner_client.post(
        reverse("check_in_today", args=[account.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith("<tr")
    assert "badge-active" in html
    assert "Recorded" in html
    account.refresh_from_db()
    assert account.last_login_on == TODAY
    assert account.next_check_in_on == TODAY + datetime.timedelta(90)


def test_check_in_today_without_javascript_redirects_back(owner_client, account):
    response = owner_client.post(
        reverse("check_in_today", args=[account.pk]), {"next": reverse("dashboard")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_check_in_today_ignores_an_offsite_next(owner_client, account):
    response = owner_client.post(
        reverse("check_in_today", args=[account.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == account.get_absolute_url()


def test_check_in_twice_on_the_same_day_records_one(owner_client, account):
    url = reverse("check_in_today", args=[account.pk])
    owner_client.post(url)
    owner_client.post(url)
    assert account.check_ins.filter(on=TODAY).count() == 1


def test_past_check_in_is_recorded_and_an_older_one_keeps_last_login(owner_client, account):
    owner_client.post(reverse("check_in_add", args=[account.pk]), {"on": "2026-11-20"})
    owner_client.post(reverse("check_in_add", args=[account.pk]), {"on": "2026-01-10"})
    account.refresh_from_db()
    assert account.last_login_on == datetime.date(2026, 11, 20)
    assert account.check_ins.count() == 3


@pytest.mark.parametrize(
    ("day", "message"),
    [("2026-11-25", "in the future"), ("2019-12-31", "before you opened this account")],
)
def test_check_in_dates_outside_the_account_life_are_refused(owner_client, account, day, message):
    account.opened_on = datetime.date(2020, 1, 1)
    account.save()
    response = owner_client.post(reverse("check_in_add", args=[account.pk]), {"on": day})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert account.check_ins.count() == 1


def test_removing_the_latest_check_in_moves_last_login_back(owner_client, account):
    owner_client.post(reverse("check_in_add", args=[account.pk]), {"on": "2026-11-20"})
    latest = account.check_ins.get(on=datetime.date(2026, 11, 20))
    owner_client.post(reverse("check_in_delete", args=[account.pk, latest.pk]))
    account.refresh_from_db()
    assert account.last_login_on == TODAY - datetime.timedelta(97)


def test_the_only_check_in_cannot_be_removed(owner_client, account):
    only = account.check_ins.get()
    owner_client.post(reverse("check_in_delete", args=[account.pk, only.pk]))
    assert account.check_ins.count() == 1


# --- Dashboard -------------------------------------------------------------------------------


def test_empty_dashboard_walks_a_new_user_to_the_first_account(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "Add your first account" in html


def test_dashboard_sorts_by_urgency_and_counts_statuses(owner_client, owner, binance):
    kraken = ExchangeFactory(slug="kraken", name="Kraken")
    ExchangeAccountFactory(owner=owner, exchange=kraken, label="Fresh", last_login_on=TODAY)
    ExchangeAccountFactory(
        owner=owner, exchange=binance, label="Ancient",
        last_login_on=TODAY - datetime.timedelta(400),
    )
    ExchangeAccountFactory(
        owner=owner, exchange=kraken, label="Soon", last_login_on=TODAY - datetime.timedelta(80)
    )
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert html.index("Ancient") < html.index("Soon") < html.index("Fresh")
    assert "badge-long_dormant" in html


def test_dashboard_filters_by_status_and_exchange(owner_client, owner, binance):
    kraken = ExchangeFactory(slug="kraken", name="Kraken")
    ExchangeAccountFactory(owner=owner, exchange=kraken, label="Fresh", last_login_on=TODAY)
    ExchangeAccountFactory(
        owner=owner, exchange=binance, label="Ancient",
        last_login_on=TODAY - datetime.timedelta(400),
    )
    by_status = owner_client.get(reverse("dashboard"), {"status": "long_dormant"})
    assert ">Ancient<" in by_status.content.decode()
    assert ">Fresh<" not in by_status.content.decode()
    by_exchange = owner_client.get(reverse("dashboard"), {"exchange": "Kraken"})
    assert ">Fresh<" in by_exchange.content.decode()
    assert ">Ancient<" not in by_exchange.content.decode()


def test_dashboard_never_shows_another_users_accounts(owner_client, other_user, binance):
    ExchangeAccountFactory(owner=other_user, exchange=binance, label="Not yours")
    assert "Not yours" not in owner_client.get(reverse("dashboard")).content.decode()


def _dashboard_queries(client) -> list[str]:
    client.get(reverse("dashboard"))  # first request of a session records it; skip that
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return [q["sql"] for q in queries]


def test_dashboard_query_count_does_not_grow_with_accounts(owner_client, owner, binance):
    ExchangeAccountFactory(owner=owner, exchange=binance)
    with_one = _dashboard_queries(owner_client)
    ExchangeAccountFactory.create_batch(99, owner=owner, exchange=binance)
    with_hundred = _dashboard_queries(owner_client)
    assert len(with_one) == len(with_hundred), with_hundred
    assert len(with_hundred) <= 4, with_hundred


# --- Recovery map -------------------------------------------------------------------------------


def test_recovery_map_groups_accounts_by_login_hint_and_warns(owner_client, owner, binance):
    for label in ("A", "B", "C"):
        ExchangeAccountFactory(
            owner=owner, exchange=binance, label=label, login_hint="j***@mail.com"
        )
    ExchangeAccountFactory(owner=owner, exchange=binance, label="D", login_hint="+44 *** **23")
    html = owner_client.get(reverse("recovery_map")).content.decode()
    assert "j***@mail.com" in html
    assert "One identity recovers 3 exchange accounts" in html
    assert "+44 *** **23" in html
