"""Deliver claimed reminder emails: one attempt per email at a time, retries with backoff.

The sweep (reminders/sweep.py) claims digests and leaves one `ReminderLog` row per email
in *pending*; `deliver()` sends a batch of them. Each attempt is claimed first with one
conditional UPDATE (`next_attempt_at <= now` -> now + lease, attempts + 1, a lease token),
so the same email handed to two workers is sent by one; the final UPDATE checks the
lease token too.

When SMTP fails after the claim:

* Temporary (4xx replies, refused or dropped connections, timeouts): *retrying*, with
  `next_attempt_at` pushed back by RETRY_BACKOFF, up to MAX_ATTEMPTS attempts, then
  *failed*. With a backend that can defer (django-tasks-db: `supports_defer`) the retry
  is enqueued with `run_after`. The ImmediateBackend can't defer and we won't sleep in
  a web request, so there the next `send_reminders` sweep picks retries up.
* Permanent (5xx replies, every recipient refused with 5xx, an invalid address):
  *failed* at once with the server's reply, which the settings page shows.
* `sent_at` is set only after the mail server accepted the message. A worker that dies
  mid-attempt leaves the row open; once its lease expires the sweep tries again, so a
  crash between "accepted" and "recorded" can, rarely, send twice. The reverse, an
  email marked sent that the server never accepted, can't happen.

One SMTP connection serves a whole batch (reminders/smtp.py).
"""

import contextlib
import datetime
import logging
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass

from allauth.account.models import EmailAddress
from django.db import connection as db_connection
from django.db.models import F
from django.utils import timezone

from accounts.models import ExchangeAccount

from . import schedule
from .digest import Digest, digest_items, digest_message
from .models import DEFAULT_WARN_DAYS, ReminderLog, ReminderPreference
from .smtp import BatchConnection, classify_error

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Wait before attempt 2 and attempt 3: long enough for greylisting and short outages.
RETRY_BACKOFF = (datetime.timedelta(minutes=10), datetime.timedelta(hours=2))
# How long a delivery run owns its emails before the sweep may hand them to another.
LEASE_BASE = datetime.timedelta(minutes=5)
LEASE_PER_MESSAGE = datetime.timedelta(seconds=30)
ERROR_MAX_LENGTH = 1000

Outcome = ReminderLog.Outcome


@dataclass
class DeliveryCounts:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def merge(self, other: "DeliveryCounts") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- Claiming and recording attempts --------------------------------------------------


def _claim_attempts(log_ids: list[int], now: datetime.datetime) -> tuple[str, list[ReminderLog]]:
    """Take the next attempt of every open, due email in `log_ids`; return those we won."""
    token = secrets.token_hex(16)
    lease_until = now + LEASE_BASE + LEASE_PER_MESSAGE * len(log_ids)
    ReminderLog.objects.filter(
        pk__in=log_ids, outcome__in=ReminderLog.OPEN_OUTCOMES, next_attempt_at__lte=now
    ).update(next_attempt_at=lease_until, attempts=F("attempts") + 1, lease_token=token)
    logs = (
        ReminderLog.objects.filter(pk__in=log_ids, lease_token=token)
        .select_related("user", "user__reminder_preference")
        .order_by("pk")
    )
    return token, list(logs)


def _record(log: ReminderLog, token: str, **fields) -> bool:
    """Write the attempt's result, only if our lease still holds (one UPDATE)."""
    updated = ReminderLog.objects.filter(pk=log.pk, lease_token=token).update(**fields)
    if not updated:
        logger.warning("Lost the lease on reminder %s; another worker took it over.", log.pk)
    return bool(updated)


def _record_failure(
    log: ReminderLog, token: str, exc: BaseException, now: datetime.datetime
) -> str:
    permanent, description = classify_error(exc)
    if not isinstance(exc, OSError | ValueError):
        logger.exception("Reminder %s failed unexpectedly", log.pk, exc_info=exc)
    if permanent or log.attempts >= MAX_ATTEMPTS:
        outcome, next_attempt_at = Outcome.FAILED, None
    else:
        outcome = Outcome.RETRYING
        next_attempt_at = now + RETRY_BACKOFF[min(log.attempts, len(RETRY_BACKOFF)) - 1]
    _record(
        log, token, outcome=outcome, next_attempt_at=next_attempt_at,
        error=description[:ERROR_MAX_LENGTH], lease_token="",
    )
    log.outcome, log.next_attempt_at = outcome, next_attempt_at
    return outcome


# --- Delivering -----------------------------------------------------------------------


@dataclass
class BatchData:
    """Everything a batch needs, loaded with one query per kind of row."""

    accounts_by_user: dict[int, list[ExchangeAccount]]
    verified: set[tuple[int, str]]

    @classmethod
    def load(cls, logs: list[ReminderLog]) -> "BatchData":
        user_ids = {log.user_id for log in logs}
        accounts_by_user: dict[int, list[ExchangeAccount]] = defaultdict(list)
        accounts = ExchangeAccount.objects.filter(
            owner_id__in=user_ids, archived_at__isnull=True
        ).select_related("exchange")
        for account in accounts:
            accounts_by_user[account.owner_id].append(account)
        verified = {
            (user_id, email.lower())
            for user_id, email in EmailAddress.objects.filter(
                user_id__in=user_ids, verified=True
            ).values_list("user_id", "email")
        }
        return cls(accounts_by_user, verified)


def _preference(log: ReminderLog) -> ReminderPreference | None:
    try:
        return log.user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def _skip_reason(
    log: ReminderLog, preference: ReminderPreference | None, data: BatchData
) -> str | None:
    user = log.user
    if not user.is_active or not user.email:
        return "The user account is inactive or has no email address."
    if (user.pk, user.email.lower()) not in data.verified:
        return "The email address is not verified."
    if log.kind == ReminderLog.Kind.DIGEST and (preference is None or not preference.enabled):
        return "Reminders were turned off before the email went out."
    return None


def _build_digest(
    log: ReminderLog, preference: ReminderPreference | None, data: BatchData,
    now: datetime.datetime,
) -> Digest:
    """Computed from current data at send time, so a check-in or an archived account
    since the claim already shows."""
    tz = preference.zone if preference else schedule.zone(schedule.FALLBACK_ZONE)
    warn_days = preference.warn_days if preference else DEFAULT_WARN_DAYS
    today = schedule.local_date(now, tz)
    return Digest(
        user_id=log.user_id,
        recipient=log.user.email,
        items=digest_items(data.accounts_by_user.get(log.user_id, []), today, warn_days),
        today=today,
        safety_phrase=preference.safety_phrase if preference else "",
        is_test=log.kind == ReminderLog.Kind.TEST,
        language=log.user.email_language,
    )


def _deliver_one(
    log: ReminderLog, token: str, data: BatchData, connection: BatchConnection,
    now: datetime.datetime,
) -> str:
    preference = _preference(log)
    reason = _skip_reason(log, preference, data)
    digest = None if reason else _build_digest(log, preference, data, now)
    if digest is not None and log.kind == ReminderLog.Kind.DIGEST and not digest.items:
        reason = "Nothing was due any more when the email was about to go out."
    if digest is None or reason is not None:
        _record(log, token, outcome=Outcome.SKIPPED, next_attempt_at=None, error=reason,
                lease_token="")
        return Outcome.SKIPPED
    covered = [item.as_log_entry() for item in digest.items]
    try:
        connection.send(digest_message(digest))
    except Exception as exc:  # one bad email must not stop the batch
        return _record_failure(log, token, exc, now)
    _record(
        log, token, outcome=Outcome.SENT, sent_at=timezone.now(), next_attempt_at=None,
        error="", accounts=covered, lease_token="",
    )
    return Outcome.SENT


def _enqueue_deferred_retries(logs: list[ReminderLog]) -> None:
    """Hand retries to a backend that can run them later; otherwise the sweep will."""
    from .tasks import backend_can_defer, deliver_reminders

    if not logs or not backend_can_defer():
        return
    by_time: dict[datetime.datetime, list[int]] = defaultdict(list)
    for log in logs:
        if log.next_attempt_at is not None:  # a retry without a time stays with the sweep
            by_time[log.next_attempt_at].append(log.pk)
    for run_after, ids in by_time.items():
        deliver_reminders.using(run_after=run_after).enqueue(ids)


@contextlib.contextmanager
def _without_waiting_for_disk_flushes():
    """On PostgreSQL, don't wait for the WAL flush after each outcome UPDATE.

    Each email's outcome is committed on its own, right after the server accepted it,
    and waiting for the disk made that the slowest step of a delivery. Asynchronous
    commit can lose the last fraction of a second of commits if the *database server*
    crashes (never if a worker does); a lost "sent" only means the email is sent again
    after its lease, like after a worker crash. It can never mark unsent mail as sent.
    """
    if db_connection.vendor != "postgresql":
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliver(log_ids: list[int]) -> DeliveryCounts:
    """Send every open, due email in `log_ids` that no other worker holds."""
    counts = DeliveryCounts()
    now = timezone.now()
    with _without_waiting_for_disk_flushes():
        token, logs = _claim_attempts(log_ids, now)
        if not logs:
            return counts
        data = BatchData.load(logs)
        retrying = []
        with BatchConnection() as connection:
            for log in logs:
                outcome = _deliver_one(log, token, data, connection, now)
                counts.add(outcome)
                if outcome == Outcome.RETRYING:
                    retrying.append(log)
    _enqueue_deferred_retries(retrying)
    return counts
