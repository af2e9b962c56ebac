"""State changes on exchange accounts, kept out of views so walkthroughs and imports
reuse them. Each keeps `last_login_on` equal to the latest check-in."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import CheckIn, ExchangeAccount


@transaction.atomic
def create_account(account: ExchangeAccount) -> ExchangeAccount:
    """Save a new account and record its last login as the first check-in."""
    account.save()
    CheckIn.objects.create(account=account, on=account.last_login_on, source=CheckIn.Source.ADDED)
    return account


@transaction.atomic
def record_check_in(
    account: ExchangeAccount, on: datetime.date, source: str = CheckIn.Source.MANUAL
) -> tuple[CheckIn, bool]:
    """Record a login on `on` (once per day); returns (check_in, created)."""
    check_in, created = CheckIn.objects.get_or_create(
        account=account, on=on, defaults={"source": source}
    )
    if on > account.last_login_on:
        account.last_login_on = on
        account.save(update_fields=["last_login_on", "updated_at"])
    return check_in, created


@transaction.atomic
def delete_check_in(check_in: CheckIn) -> bool:
    """Remove a mistaken check-in; the only one left can't go (it anchors last login)."""
    account = check_in.account
    if account.check_ins.count() <= 1:
        return False
    check_in.delete()
    latest = account.check_ins.aggregate(latest=Max("on"))["latest"]
    account.last_login_on = latest
    account.save(update_fields=["last_login_on", "updated_at"])
    return True


def archive_account(account: ExchangeAccount) -> None:
    account.archived_at = timezone.now()
    account.save(update_fields=["archived_at", "updated_at"])


def restore_account(account: ExchangeAccount) -> None:
    account.archived_at = None
    account.save(update_fields=["archived_at", "updated_at"])
