"""Deliver claimed reminders: the one module that sends, whatever the channel.

The sweep (reminders/sweep.py) leaves one open `ReminderLog` row per message: one user,
one cycle, one channel. `deliver()` sends a batch of them:

1. **Lease.** One conditional UPDATE takes every row of the batch that is open, due and
   held by nobody (`next_attempt_at <= now`): `next_attempt_at = now + LEASE` and our
   lease token. A second worker handed the same ids takes none of them. While the run
   sends, a heartbeat pushes the lease on every HEARTBEAT_EVERY, so a long batch keeps
   its rows and a run that dies lets go of them LEASE after its last heartbeat.
2. **One try per message**, by the sender for its `channel_kind` (SENDERS: email, and
   Apprise for chat and push channels, whose failures are also noted on the Channel).
   The Message-ID is derived from (user, cycle, channel), so a message sent again after
   a crash is the same message and receiving servers and clients drop the copy.
3. **Bookkeeping in batches.** Outcomes are written with one UPDATE per
   FLUSH_EVERY_MESSAGES messages (and at once after a failure, so its retry is scheduled
   when it fails), each only where our lease still holds. Attempts are counted there,
   per message tried.

What happens when sending fails:

* Temporary (4xx replies, a dropped connection, a timeout): *retrying* after
  RETRY_BACKOFF, up to MAX_ATTEMPTS attempts, then *failed*. When a task backend can
  run work later, `schedule_retry` enqueues the retry in the same transaction.
* Permanent (5xx replies, an invalid address): *failed* at once, with the server's
  reply, which the settings page shows.
* The server can't be reached at all (Unreachable: connecting, TLS or login failed, or
  several dropped connections in a row): the run stops, and every message it hadn't
  finished goes back untried, **without counting an attempt**. With `schedule_retry` it
  is due again after a pause that grows with the message's age; otherwise at once, and
  the sweep backs off (reminders/sweep.py).

At least once, honestly: `sent_at` is written only after the server accepted the
message, so nothing is marked sent that wasn't. A crash after the server's "OK" and
before the bookkeeping write sends the message again once the lease runs out, with the
same Message-ID.
"""

import contextlib
import datetime
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from email.utils import format_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop

from accounts.models import ExchangeAccount

from . import channels, schedule
from .chat import chat_message
from .digest import Digest, digest_email, digest_items, site_url
from .models import (
    ACCOUNT_EMAIL_CHANNEL,
    DEFAULT_WARN_DAYS,
    ChannelKind,
    ReminderLog,
    ReminderPreference,
)
from .smtp import BatchConnection, MailServerUnreachable, classify_error

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Wait before attempt 2 and attempt 3: long enough for greylisting and short outages.
RETRY_BACKOFF = (datetime.timedelta(minutes=10), datetime.timedelta(hours=2))
# A run holds its rows this long past its last heartbeat. It must outlast the longest
# single send between two heartbeats (a few SMTP timeouts); a dead run's messages are
# due again this long after it died, and the next sweep sends them.
LEASE = datetime.timedelta(minutes=5)
HEARTBEAT_EVERY = datetime.timedelta(minutes=1)
FLUSH_EVERY_MESSAGES = 50
# After an outage, when a task backend schedules the next try: the message's age,
# clamped to these bounds (so a long outage is probed less and less often).
OUTAGE_PAUSE = (datetime.timedelta(seconds=10), datetime.timedelta(minutes=10))
ERROR_MAX_LENGTH = 1000
MESSAGE_ID_SALT = "reminders.message-id"

Outcome = ReminderLog.Outcome
ScheduleRetry = Callable[[list[int], datetime.datetime], None]


class Unreachable(Exception):
    """A channel's server could not be reached at all: nothing was tried."""


@dataclass
class DeliveryCounts:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0
    put_back: int = 0  # handed back untried (the server was unreachable)
    unreachable: int = 0  # runs that found the server unreachable

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def merge(self, other: "DeliveryCounts") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def message_id(log: ReminderLog) -> str:
    """The same for every attempt at one message: derived from (user, cycle, channel),
    keyed with SECRET_KEY so it doesn't show the user's id."""
    digest = salted_hmac(
        MESSAGE_ID_SALT, f"{log.user_id}:{log.cycle}:{log.channel}", algorithm="sha256"
    ).hexdigest()[:32]
    domain = urlsplit(site_url()).hostname or "localhost"
    return f"<{digest}.reminder@{domain}>"


# --- Senders, one per channel kind ------------------------------------------------------


class EmailSender:
    """Email over MAILERS["default"], one connection for the whole run."""

    def __enter__(self) -> "EmailSender":
        self._connection = BatchConnection()
        return self

    def __exit__(self, *exc_info) -> None:
        self._connection.__exit__(*exc_info)

    def send(self, log: ReminderLog, digest: Digest) -> None:
        """Send or raise; returning means the server accepted the message."""
        email = digest_email(digest, headers={
            "Date": format_datetime(timezone.now()),
            "Message-ID": message_id(log),
        })
        try:
            self._connection.send(email)
        except MailServerUnreachable as exc:
            raise Unreachable(str(exc)) from exc

    @staticmethod
    def classify(exc: BaseException) -> tuple[bool, str]:
        return classify_error(exc)


class Sender(Protocol):
    """What `deliver()` needs from a channel kind: a context that holds the connection
    for the run, `send()` (return = accepted; raise Unreachable when the server was never
    reached, anything else is a failed try) and `classify()` (permanent?, description)."""

    def __enter__(self) -> "Sender": ...

    def __exit__(self, *exc_info: object) -> None: ...

    def send(self, log: ReminderLog, digest: Digest) -> None: ...

    def classify(self, exc: BaseException) -> tuple[bool, str]: ...


class AppriseSender:
    """Chat and push channels (reminders/channels.py): one HTTP request per message,
    to a different service each time, so there is no shared connection and no
    "unreachable" pause: each channel's failure is its own."""

    def __enter__(self) -> "AppriseSender":
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def send(self, log: ReminderLog, digest: Digest) -> None:
        assert log.target is not None  # _skip_reason skips rows whose channel is gone
        channels.send(log.target, chat_message(digest))

    @staticmethod
    def classify(exc: BaseException) -> tuple[bool, str]:
        if isinstance(exc, channels.ChannelError):
            return exc.permanent, exc.description
        return False, "Unexpected error while sending."


SENDERS: dict[str, Callable[[], Sender]] = {
    ChannelKind.EMAIL: EmailSender,
    ChannelKind.APPRISE: AppriseSender,
}


# --- What a batch needs, loaded once ------------------------------------------------------


@dataclass
class BatchData:
    accounts_by_user: dict[int, list[ExchangeAccount]]
    verified: set[tuple[int, str]]

    @classmethod
    def load(cls, logs: list[ReminderLog]) -> "BatchData":
        user_ids = {log.user_id for log in logs}
        verified = {
            (user_id, email.lower())
            for user_id, email in EmailAddress.objects.filter(
                user_id__in=user_ids, verified=True
            ).values_list("user_id", "email")
        }
        return cls(ExchangeAccount.objects.active_by_owner(user_ids), verified)


def _preference(log: ReminderLog) -> ReminderPreference | None:
    try:
        return log.user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def _skip_reason(
    log: ReminderLog, preference: ReminderPreference | None, data: BatchData
) -> str | None:
    """Why an open message is not sent. Stored in English (operators read the log in
    the admin) and marked with gettext_noop so the settings page can show it in the
    reader's language; a mail server's own reply has no translation and shows as is."""
    user = log.user
    if not user.is_active or not user.email:
        return gettext_noop("The user account is inactive or has no email address.")
    if log.channel == ACCOUNT_EMAIL_CHANNEL and (user.pk, user.email.lower()) not in data.verified:
        return gettext_noop("The email address is not verified.")
    if log.kind == ReminderLog.Kind.DIGEST and (preference is None or not preference.enabled):
        return gettext_noop("Reminders were turned off before the email went out.")
    if log.channel != ACCOUNT_EMAIL_CHANNEL:
        return _channel_skip_reason(log, data)
    return None


def _channel_skip_reason(log: ReminderLog, data: BatchData) -> str | None:
    """A Channel's own conditions, read at send time (it may have changed since)."""
    channel = log.target
    if channel is None:
        return gettext_noop("The channel was deleted.")
    if not channel.enabled:
        return gettext_noop("The channel was turned off.")
    if log.kind == ReminderLog.Kind.DIGEST and not channel.gets_digests:
        return gettext_noop("The channel no longer receives digests.")
    if channel.kind == ChannelKind.EMAIL and (
        (log.user_id, channel.email.lower()) not in data.verified
    ):
        return gettext_noop("The email address is not verified.")
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
        recipient=log.target.email if log.target else log.user.email,
        items=digest_items(data.accounts_by_user.get(log.user_id, []), today, warn_days),
        today=today,
        safety_phrase=preference.safety_phrase if preference else "",
        is_test=log.kind == ReminderLog.Kind.TEST,
        language=log.user.email_language,
    )


# --- One delivery run ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """An outcome noted for one row, not yet written."""

    pk: int
    outcome: str
    error: str
    next_attempt_at: datetime.datetime | None
    tried: bool
    sent_at: datetime.datetime | None
    accounts: list[dict] | None  # only when it changed since the claim


def _grouped(pending: list[Recorded]) -> list[list[Recorded]]:
    """Rows that one UPDATE can write: same outcome, error, next attempt and counting;
    a row whose account list changed gets an UPDATE of its own."""
    groups: dict[tuple, list[Recorded]] = {}
    for n, r in enumerate(pending):
        alone = n if r.accounts is not None else None
        groups.setdefault((r.outcome, r.error, r.next_attempt_at, r.tried, alone), []).append(r)
    return list(groups.values())


class DeliveryRun:
    """The lease, heartbeat and batched bookkeeping of one `deliver()` call."""

    def __init__(self, holder: str, schedule_retry: ScheduleRetry | None) -> None:
        self.holder = holder
        self.schedule_retry = schedule_retry
        self.counts = DeliveryCounts()
        self._pending: list[Recorded] = []
        self._last_heartbeat = timezone.now()

    def claim(self, log_ids: list[int], now: datetime.datetime) -> list[ReminderLog]:
        ReminderLog.objects.open_and_due(now).filter(pk__in=log_ids).update(
            next_attempt_at=now + LEASE, lease_token=self.holder
        )
        return list(
            ReminderLog.objects.held_by(self.holder)
            .select_related("user", "user__reminder_preference", "target")
            .order_by("pk")
        )

    def heartbeat_if_due(self) -> None:
        now = timezone.now()
        if now - self._last_heartbeat < HEARTBEAT_EVERY:
            return
        ReminderLog.objects.held_by(self.holder).update(next_attempt_at=now + LEASE)
        self._last_heartbeat = now

    def record(self, log: ReminderLog, outcome: str, *, error: str = "",
               next_attempt_at: datetime.datetime | None = None, tried: bool = True,
               accounts: list[dict] | None = None) -> None:
        """Note an outcome; written with the next flush (at once for a failure)."""
        self._pending.append(Recorded(
            log.pk, outcome, error[:ERROR_MAX_LENGTH], next_attempt_at, tried,
            timezone.now() if outcome == Outcome.SENT else None,
            # What the email listed, when that differs from what the claim saw.
            accounts if accounts is not None and accounts != log.accounts else None,
        ))
        log.outcome, log.next_attempt_at = outcome, next_attempt_at
        self.counts.add(outcome)
        if outcome in (Outcome.RETRYING, Outcome.FAILED) or (
            len(self._pending) >= FLUSH_EVERY_MESSAGES
        ):
            self.flush()

    def flush(self) -> None:
        """Write the noted outcomes: one UPDATE per kind of outcome (all the emails sent
        since the last flush share one), only where our lease still holds."""
        if not self._pending:
            return
        retries = {r.pk: r.next_attempt_at for r in self._pending
                   if r.outcome == Outcome.RETRYING and r.next_attempt_at}
        schedule = self.schedule_retry if retries else None
        # With retries to enqueue, the outcomes and the retry task commit together.
        with transaction.atomic() if schedule else contextlib.nullcontext():
            written = sum(self._write(group) for group in _grouped(self._pending))
            if schedule:
                schedule(list(retries), max(retries.values()))
        if written < len(self._pending):
            logger.warning("Lost the lease on %s reminder(s); another run took them over.",
                           len(self._pending) - written)
        self._pending = []

    def _write(self, group: list["Recorded"]) -> int:
        first = group[0]
        fields: dict[str, Any] = {
            "outcome": first.outcome, "error": first.error, "lease_token": "",
            "next_attempt_at": first.next_attempt_at,
            "attempts": F("attempts") + 1 if first.tried else F("attempts"),
        }
        if first.outcome == Outcome.SENT:
            fields["sent_at"] = max(r.sent_at for r in group if r.sent_at)
        if first.accounts is not None:
            fields["accounts"] = first.accounts
        return ReminderLog.objects.held_by(self.holder).filter(
            pk__in=[r.pk for r in group]
        ).update(**fields)

    def put_back(self, kind: str, now: datetime.datetime) -> None:
        """Hand back, untried, every row of `kind` we still hold: its server was
        unreachable."""
        self.flush()
        rows = ReminderLog.objects.held_by(self.holder).filter(channel_kind=kind)
        held = list(rows.only("pk", "claimed_at"))
        if not held:
            return
        if self.schedule_retry is None:
            due = now  # the sweep decides how long to wait
        else:
            oldest = min(log.claimed_at for log in held)
            due = now + min(max(now - oldest, OUTAGE_PAUSE[0]), OUTAGE_PAUSE[1])
        with transaction.atomic():
            rows.update(next_attempt_at=due, lease_token="")
            if self.schedule_retry:
                self.schedule_retry([log.pk for log in held], due)
        self.counts.put_back += len(held)


def _deliver_one(run: DeliveryRun, sender: Sender, log: ReminderLog, data: BatchData,
                 now: datetime.datetime) -> None:
    preference = _preference(log)
    reason = _skip_reason(log, preference, data)
    if reason is None:
        digest = _build_digest(log, preference, data, now)
        if log.kind == ReminderLog.Kind.DIGEST and not digest.items:
            reason = "Nothing was due any more when the email was about to go out."
    if reason is not None:
        run.record(log, Outcome.SKIPPED, error=reason, tried=False)
        return
    try:
        sender.send(log, digest)
    except Unreachable:
        raise
    except Exception as exc:  # one bad message must not stop the batch
        description = _record_failure(run, sender, log, exc, now)
        if log.target_id:
            channels.note_outcome(log.target_id, sent=False, error=description)
        return
    run.record(log, Outcome.SENT, accounts=[item.as_log_entry() for item in digest.items])
    if log.target_id:
        channels.note_outcome(log.target_id, sent=True)


def _record_failure(run: DeliveryRun, sender: Sender, log: ReminderLog, exc: Exception,
                    now: datetime.datetime) -> str:
    """Record a failed try (retry or final); returns the stored description."""
    permanent, description = sender.classify(exc)
    if not isinstance(exc, OSError | ValueError | channels.ChannelError):
        logger.exception("Reminder %s failed unexpectedly", log.pk, exc_info=exc)
    if permanent or log.attempts + 1 >= MAX_ATTEMPTS:
        run.record(log, Outcome.FAILED, error=description)
    else:
        wait = RETRY_BACKOFF[min(log.attempts, len(RETRY_BACKOFF) - 1)]
        run.record(log, Outcome.RETRYING, error=description, next_attempt_at=now + wait)
    return description


@contextlib.contextmanager
def _without_waiting_for_disk_flushes() -> Iterator[None]:
    """On PostgreSQL, don't wait for the WAL flush after each bookkeeping write.

    Asynchronous commit can lose the last fraction of a second of commits if the
    *database server* crashes (never if a worker does); a lost "sent" only means the
    message is sent again after its lease, with the same Message-ID, like after a
    worker crash. It can never mark unsent mail as sent.
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


def deliver(
    log_ids: list[int], *, holder: str | None = None,
    schedule_retry: ScheduleRetry | None = None,
) -> DeliveryCounts:
    """Send every open, due message in `log_ids` that no other run holds.

    `holder` names this run in the lease (the task id; random by default);
    `schedule_retry(ids, when)` is given by callers that can run work later.
    """
    run = DeliveryRun(holder or secrets.token_hex(16), schedule_retry)
    now = timezone.now()
    with _without_waiting_for_disk_flushes():
        logs = run.claim(log_ids, now)
        if not logs:
            return run.counts
        data = BatchData.load(logs)
        for kind in dict.fromkeys(log.channel_kind for log in logs):
            _deliver_kind(run, kind, [log for log in logs if log.channel_kind == kind], data,
                          now)
        run.flush()
    return run.counts


def _deliver_kind(run: DeliveryRun, kind: str, logs: list[ReminderLog], data: BatchData,
                  now: datetime.datetime) -> None:
    """One channel kind's messages over one sender; stops if its server is unreachable."""
    try:
        with SENDERS[kind]() as sender:
            for log in logs:
                run.heartbeat_if_due()
                _deliver_one(run, sender, log, data, now)
    except Unreachable as exc:
        logger.warning("Reminder delivery paused (%s): %s", kind, exc)
        run.counts.unreachable += 1
        run.put_back(kind, timezone.now())
