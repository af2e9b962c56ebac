""""If I go quiet": a quiet period, trusted contacts, and the claims that make every
warning and every handoff go out exactly once.

A plan is a small state machine (armed -> handed off -> armed again when the owner
returns; cancelled at any time). `epoch` counts the owner's returns: each activity starts
a new epoch, and a `QuietClaim` row is unique per (plan, what, epoch), so two sweepers
racing for the same warning insert one row between them and only the winner sends.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.secret_detection import reject_secrets

MIN_QUIET_DAYS = 90
MAX_QUIET_DAYS = 540
DEFAULT_QUIET_DAYS = 180
MAX_CONTACTS = 5
MESSAGE_MAX_LENGTH = 1000
# Warnings to the owner, in days before the period ends, most distant first.
WARNING_DAYS = (30, 7, 1)


class QuietPlan(models.Model):
    class State(models.TextChoices):
        ARMED = "armed", _("Watching")
        HANDED_OFF = "handed_off", _("Handed off to your contacts")
        CANCELLED = "cancelled", pgettext_lazy("quiet plan state", "Off")

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_plan"
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("quiet period in days"), default=DEFAULT_QUIET_DAYS,
        validators=[MinValueValidator(MIN_QUIET_DAYS), MaxValueValidator(MAX_QUIET_DAYS)],
    )
    message = models.TextField(
        _("message to your contacts"), blank=True, max_length=MESSAGE_MAX_LENGTH,
        validators=[reject_secrets],
    )
    state = models.CharField(max_length=20, choices=State, default=State.ARMED)
    last_active_at = models.DateTimeField(default=timezone.now)
    epoch = models.PositiveIntegerField(default=1)
    # When the sweep should look at this plan next (next warning or the end); the sweep
    # scans this index only, as Healthchecks' checks do with their next alert time.
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Quiet plan of user {self.owner_id}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.last_active_at + datetime.timedelta(days=self.quiet_days)

    def days_left(self, now: datetime.datetime) -> int:
        """Whole days until the end, rounded up (0 once it has passed)."""
        seconds = (self.ends_at - now).total_seconds()
        return max(0, -int(-seconds // 86400))

    def next_action_after(self, now: datetime.datetime) -> datetime.datetime:
        """The first warning time still ahead of `now`, else the end itself."""
        for days in WARNING_DAYS:
            at = self.ends_at - datetime.timedelta(days=days)
            if at > now:
                return at
        return self.ends_at


class TrustedContact(models.Model):
    plan = models.ForeignKey(QuietPlan, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField(_("email address"))
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The handoff link's token, as its SHA-256 hash only (see handoff/tokens.py).
    access_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    access_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "email"], name="handoff_contact_once_per_plan"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class HandoffOpen(models.Model):
    """One opening of the handoff page by a contact: the owner sees these."""

    contact = models.ForeignKey(TrustedContact, on_delete=models.CASCADE, related_name="opens")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Opened by contact {self.contact_id} at {self.opened_at:%Y-%m-%d %H:%M}"


class QuietClaim(models.Model):
    """A warning or handoff claimed by a sweeper: inserted before sending, unique per
    plan, what and epoch, so it is sent once per quiet period whatever the races."""

    plan = models.ForeignKey(QuietPlan, on_delete=models.CASCADE, related_name="claims")
    what = models.CharField(max_length=20)  # "warn-30", "warn-7", "warn-1", "handoff"
    epoch = models.PositiveIntegerField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "what", "epoch"], name="handoff_claim_once_per_epoch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what} for plan {self.plan_id} (epoch {self.epoch})"
