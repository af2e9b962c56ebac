"""Enrol a user in reminders when they add their first exchange account.

Preferences are created lazily; without this, someone who never opens the reminder
settings would never be looked at by the sweep (it scans preference rows only). The
insert ignores an existing row, so it costs one query per new account and nothing else.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import ExchangeAccount

from .preferences import enrol


@receiver(post_save, sender=ExchangeAccount, dispatch_uid="reminders.enrol_account_owner")
def enrol_account_owner(sender, instance: ExchangeAccount, created: bool, raw: bool = False,
                        **kwargs) -> None:
    if created and not raw:
        enrol(instance.owner_id, timezone.now())
