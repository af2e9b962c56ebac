"""The seed_demo command: the documented demo user, and the benchmark mode."""

import datetime
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from accounts.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from accounts.models import CheckIn, ExchangeAccount, PhoneStatus
from accounts.recovery import recovery_groups
from accounts.secret_detection import find_secret
from accounts.status import Status, account_status

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def demo_accounts():
    return list(
        ExchangeAccount.objects.filter(owner__email=DEMO_EMAIL).select_related("exchange")
    )


def test_demo_user_can_sign_in_through_allauth():
    output = seed()
    assert DEMO_EMAIL in output and DEMO_PASSWORD in output

    assert EmailAddress.objects.filter(
        user__email=DEMO_EMAIL, email=DEMO_EMAIL, verified=True, primary=True
    ).exists()
    response = Client().post(
        reverse("account_login"), {"login": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert Client().login(email=DEMO_EMAIL, password=DEMO_PASSWORD)


def test_demo_accounts_cover_every_status():
    seed()
    live = [account for account in demo_accounts() if not account.is_archived]
    statuses = {account_status(account, TODAY).status for account in live}
    assert statuses >= {
        Status.ACTIVE, Status.DUE_SOON, Status.OVERDUE, Status.DORMANT, Status.LONG_DORMANT
    }
    by_exchange = {account.exchange_name: account for account in demo_accounts()}
    assert account_status(by_exchange["Coinbase"], TODAY).status == Status.ACTIVE
    assert account_status(by_exchange["Kraken"], TODAY).status == Status.DUE_SOON
    assert account_status(by_exchange["OKX"], TODAY).status == Status.OVERDUE
    assert account_status(by_exchange["Bybit"], TODAY).status == Status.DORMANT
    assert account_status(by_exchange["Binance"], TODAY).status == Status.LONG_DORMANT
    assert by_exchange["Bitstamp"].is_archived
    assert by_exchange["LocalBitBank"].exchange is None
    assert by_exchange["LocalBitBank"].email_in_use is False


def test_last_login_is_the_latest_of_several_check_ins():
    seed()
    accounts = demo_accounts()
    assert len(accounts) == 7
    for account in accounts:
        check_ins = account.check_ins.aggregate(latest=Max("on"))
        assert account.last_login_on == check_ins["latest"], account
        assert 2 <= account.check_ins.count() <= 6, account
        assert account.next_check_in_on == account.last_login_on + datetime.timedelta(
            days=account.check_in_every_days
        )


def test_demo_data_groups_on_the_recovery_map_and_holds_no_secrets():
    seed()
    accounts = demo_accounts()
    assert len(accounts) == 7
    groups = recovery_groups(accounts)
    assert any(group.hint == "d***@example.com" and group.is_shared_widely for group in groups)
    assert any(group.hint.startswith("+44 ") for group in groups)
    assert any(group.has_lost_contact for group in groups)
    assert any(a.phone_status == PhoneStatus.IN_USE for a in accounts)
    for account in accounts:
        for text in (account.label, account.notes, account.login_hint,
                     account.other_exchange_name):
            assert find_secret(text) is None, text


def test_running_twice_resets_instead_of_duplicating():
    seed()
    first = (ExchangeAccount.objects.count(), CheckIn.objects.count())
    output = seed()
    assert "Reset" in output
    assert (ExchangeAccount.objects.count(), CheckIn.objects.count()) == first
    assert get_user_model().objects.filter(email=DEMO_EMAIL).count() == 1
    assert EmailAddress.objects.filter(email=DEMO_EMAIL).count() == 1
    assert Client().login(email=DEMO_EMAIL, password=DEMO_PASSWORD)


def test_rejects_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today", "01/12/2026", stdout=StringIO())


def test_benchmark_mode_creates_users_with_accounts_and_check_ins():
    output = seed("--users", "3", "--accounts", "4")
    assert "Created 3 users and 12 accounts" in output

    users = get_user_model().objects.filter(email__startswith="bench-user-")
    assert sorted(users.values_list("email", flat=True)) == [
        f"bench-user-{i}@example.com" for i in (1, 2, 3)
    ]
    accounts = ExchangeAccount.objects.filter(owner__in=users)
    assert accounts.count() == 12
    for account in accounts:
        assert account.next_check_in_on == account.last_login_on + datetime.timedelta(
            days=account.check_in_every_days
        )
        assert list(account.check_ins.values_list("on", flat=True)) == [account.last_login_on]
        assert account.last_login_on <= TODAY
    # Four accounts per user, at four different exchanges.
    for user in users:
        assert user.exchange_accounts.values("exchange").distinct().count() == 4
    assert EmailAddress.objects.filter(user__in=users, verified=True, primary=True).count() == 3
    assert Client().login(email="bench-user-2@example.com", password=DEMO_PASSWORD)


def test_benchmark_mode_is_reproducible_skips_existing_and_resets():
    seed("--users", "2", "--accounts", "3")

    def snapshot():
        return sorted(
            ExchangeAccount.objects.filter(owner__email__startswith="bench-user-").values_list(
                "owner__email", "exchange__slug", "last_login_on", "check_in_every_days",
                "two_factor_method",
            )
        )

    first = snapshot()
    output = seed("--users", "3", "--accounts", "3")
    assert "Skipping 2 users" in output
    assert "Created 1 users and 3 accounts" in output
    assert ExchangeAccount.objects.count() == 9

    seed("--users", "2", "--accounts", "3", "--reset")
    assert get_user_model().objects.filter(email__startswith="bench-user-").count() == 2
    assert snapshot() == first


def test_benchmark_prefix_keeps_sets_apart():
    seed("--users", "2", "--accounts", "1", "--prefix", "load")
    seed("--users", "1", "--accounts", "1", "--reset")
    emails = set(get_user_model().objects.values_list("email", flat=True))
    assert emails == {"load-1@example.com", "load-2@example.com", "bench-user-1@example.com"}


def test_accounts_option_needs_users():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--accounts", "3", stdout=StringIO())
