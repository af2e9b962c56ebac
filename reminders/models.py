"""Who wants which reminders (ReminderPreference) and what we sent them (ReminderLog).

A ReminderLog row is one *delivery*: one message for one user, cycle and channel,
claimed before it is sent and tried once per attempt (reminders/sending.py).

The email safety phrase is the user's own anti-phishing phrase for *our* mail; it is not
a credential anywhere, but the form still refuses anything that looks like a secret.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.secret_detection import reject_secrets

from .schedule import Frequency, known_zone_names, zone

DEFAULT_WARN_DAYS = 14
MIN_WARN_DAYS = 1
MAX_WARN_DAYS = 60
DEFAULT_HOUR = 9
SAFETY_PHRASE_MAX_LENGTH = 40
# Enough for the longest IANA names ("America/Argentina/ComodRivadavia" is 32).
ZONE_NAME_MAX_LENGTH = 64
CYCLE_MAX_LENGTH = 40


def validate_zone_name(value: str) -> None:
    if value not in known_zone_names():
        raise ValidationError(
            gettext("Choose a time zone from the list (for example Europe/London)."), code="zone"
        )


class ReminderPreferenceQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime) -> "ReminderPreferenceQuerySet":
        """Reminders on and the next look has come: what the sweep claims, oldest first."""
        return (
            self.filter(next_digest_at__lte=now, enabled=True)
            .select_related("user")
            .order_by("next_digest_at", "pk")
        )


class ReminderPreference(models.Model):
    """One per user, created the first time it is needed (settings page or first account)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    enabled = models.BooleanField(_("email me reminders"), default=True)
    frequency = models.CharField(
        _("while something is overdue, remind me"), max_length=10, choices=Frequency,
        default=Frequency.WEEKLY,
    )
    warn_days = models.PositiveSmallIntegerField(
        _("warn me this many days before a check-in is due"),
        default=DEFAULT_WARN_DAYS,
        validators=[MinValueValidator(MIN_WARN_DAYS), MaxValueValidator(MAX_WARN_DAYS)],
    )
    hour = models.PositiveSmallIntegerField(
        _("at this hour"), default=DEFAULT_HOUR,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )
    time_zone = models.CharField(
        max_length=ZONE_NAME_MAX_LENGTH, default="UTC", validators=[validate_zone_name]
    )
    safety_phrase = models.CharField(
        _("email safety phrase"), max_length=SAFETY_PHRASE_MAX_LENGTH, blank=True,
        validators=[reject_secrets],
        help_text=_(
            "A few words only you would choose. Every email from us shows them near "
            "the top; an email without them is not from us. Don't reuse an exchange's "
            "anti-phishing code or any password."
        ),
    )
    # The "next action at" column: the sweep scans this index and nothing else. Null
    # while reminders are off.
    next_digest_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the calendar feed token, never the token itself: see reminders/tokens.py.
    feed_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    feed_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderPreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder preference")

    def __str__(self) -> str:
        return gettext("Reminders for %(user)s") % {"user": self.user}

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)

    @property
    def has_feed(self) -> bool:
        return bool(self.feed_token_hash)

    def local_next_digest_at(self) -> datetime.datetime | None:
        return self.next_digest_at.astimezone(self.zone) if self.next_digest_at else None


class ChannelKind(models.TextChoices):
    """How a delivery travels; `sending.deliver()` picks its sender by this."""

    EMAIL = "email", _("Email")
    APPRISE = "apprise", _("Chat or push (Apprise URL)")


# The `channel` key of the address the user signs in with; a user's added channels
# (Channel rows) are keyed "channel-<pk>".
ACCOUNT_EMAIL_CHANNEL = "email"
CHANNEL_KEY_MAX_LENGTH = 40
CHANNEL_NAME_MAX_LENGTH = 60
MAX_CHANNELS_PER_USER = 10


class ChannelQuerySet(models.QuerySet):
    def for_digests(self) -> "ChannelQuerySet":
        """On, and set to receive digests: what the sweep adds a delivery row for."""
        return self.filter(enabled=True, gets_digests=True)


class Channel(models.Model):
    """Somewhere else a user's reminders go: another verified email address, or an
    Apprise URL (Telegram, ntfy, Discord, a JSON webhook, ...).

    The URL carries the service's token, so it is stored only Fernet-encrypted
    (`url_encrypted`, see reminders/channels.py) and shown back only as `url_hint`
    (scheme and host, the rest masked), which is written when the URL is saved so the
    list never decrypts anything."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind)
    name = models.CharField(
        _("name"), max_length=CHANNEL_NAME_MAX_LENGTH, validators=[reject_secrets],
    )
    email = models.EmailField(_("email address"), blank=True)
    url_encrypted = models.TextField(blank=True, editable=False)
    url_hint = models.CharField(max_length=200, blank=True, editable=False)
    enabled = models.BooleanField(_("on"), default=True)
    gets_digests = models.BooleanField(_("reminder digests"), default=True)
    gets_quiet_warnings = models.BooleanField(
        _("warnings before my quiet period ends"), default=True
    )
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification channel")
        indexes = [models.Index(fields=["user", "enabled"], name="channel_user_enabled_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """The ReminderLog `channel` value of this channel's deliveries."""
        return f"channel-{self.pk}"

    @property
    def target_hint(self) -> str:
        return self.email if self.kind == ChannelKind.EMAIL else self.url_hint


class ReminderLogQuerySet(models.QuerySet):
    def open(self) -> "ReminderLogQuerySet":
        """Not final yet: waiting for its first attempt, or for a retry."""
        return self.filter(outcome__in=ReminderLog.OPEN_OUTCOMES)

    def open_and_due(self, now: datetime.datetime) -> "ReminderLogQuerySet":
        """Open, and its next attempt may start (a retry's wait or a lease has run out)."""
        return self.open().filter(next_attempt_at__lte=now)

    def held_by(self, holder: str) -> "ReminderLogQuerySet":
        """Open rows whose current attempt belongs to `holder` (a lease token)."""
        return self.open().filter(lease_token=holder)


class ReminderLog(models.Model):
    """One message we claimed for a user on one channel: a cycle's digest, or a test the
    user asked for."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Digest")
        TEST = "test", _("Test reminder")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        RETRYING = "retrying", _("Retrying")

    OPEN_OUTCOMES = (Outcome.PENDING, Outcome.RETRYING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs"
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.DIGEST)
    cycle = models.CharField(max_length=CYCLE_MAX_LENGTH)
    channel_kind = models.CharField(
        max_length=10, choices=ChannelKind, default=ChannelKind.EMAIL, editable=False
    )
    # Which of the user's channels; with user and cycle it names the message, so its
    # Message-ID is derived from these three and a re-send is the same message.
    channel = models.CharField(
        max_length=CHANNEL_KEY_MAX_LENGTH, default=ACCOUNT_EMAIL_CHANNEL, editable=False
    )
    # The Channel row behind a "channel-<pk>" key; null for the account's own address,
    # and once the channel is deleted (delivery then skips the row).
    target = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs",
        editable=False,
    )
    # [{"id": 3, "name": "Binance – Main", "status": "overdue"}, ...], most urgent first.
    accounts = models.JSONField(default=list, blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.PENDING)
    # Tries that reached the mail server (or failed on their own); a try the server
    # never saw (an outage) or that a crash cut short is not counted.
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # When the next delivery attempt may start; null once the outcome is final. While a
    # delivery run holds the row it is the lease's expiry, pushed on by the run's
    # heartbeat, so a crashed run's messages are tried again soon after it died.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Which delivery run holds the row (the task's id, or a random value per run).
    lease_token = models.CharField(max_length=32, blank=True, editable=False)

    objects = ReminderLogQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cycle", "channel"], name="one_reminder_per_cycle_and_channel"
            ),
        ]
        indexes = [
            # The sweep's retry scan: only open emails are in this index.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(next_attempt_at__isnull=False),
                name="reminderlog_open_idx",
            ),
            models.Index(fields=["user", "-claimed_at"], name="reminderlog_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} ({self.cycle}): {self.outcome}"
