"""The one place that decides who may see an exchange account.

Every view that takes an account id goes through `owned_account_or_404` (a notification
channel id through `owned_channel_or_404`), so another user's id answers 404 (not 403:
we don't confirm that the id exists).
"""

from django.shortcuts import get_object_or_404

from reminders.models import Channel

from .models import CheckIn, ExchangeAccount


def owned_accounts(user):
    return ExchangeAccount.objects.owned_by(user).select_related("exchange")


def owned_account_or_404(user, pk: int) -> ExchangeAccount:
    return get_object_or_404(owned_accounts(user), pk=pk)


def owned_check_in_or_404(user, account_pk: int, pk: int) -> CheckIn:
    return get_object_or_404(
        CheckIn.objects.select_related("account"),
        pk=pk, account_id=account_pk, account__owner=user,
    )


def owned_channels(user):
    return Channel.objects.filter(user=user)


def owned_channel_or_404(user, pk: int) -> Channel:
    return get_object_or_404(owned_channels(user), pk=pk)
