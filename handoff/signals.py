"""Owner activity: signing in (allauth's signal, so a real sign-in, not every request)
and recording a check-in (any new CheckIn row: manual, walkthrough, import, a new
account). Calendar feed polls make neither, so they never count."""

from allauth.account.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import CheckIn

from .services import note_activity


@receiver(user_logged_in, dispatch_uid="handoff.sign_in_is_activity")
def on_sign_in(sender, request, user, **kwargs):
    note_activity(user, timezone.now(), request=request)


@receiver(post_save, sender=CheckIn, dispatch_uid="handoff.check_in_is_activity")
def on_check_in(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw"):
        note_activity(instance.account.owner, timezone.now())
