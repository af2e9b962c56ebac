"""The reminder sweep: find users whose next look is due, claim their digests, dispatch.

See reminders/schedule.py for the cycle rule. One batch is one short transaction:

1. `SELECT ... FOR UPDATE SKIP LOCKED` the first BATCH_SIZE preferences whose
   `next_digest_at` has passed (one index range scan). A second sweeper running at the
   same moment skips these rows and takes the next ones, so no two sweepers ever hold
   the same user. (SQLite ignores FOR UPDATE, but there every write transaction starts
   with BEGIN IMMEDIATE, which serialises sweepers just the same.)
2. Load the batch's accounts with one query and decide, per user, digest or not.
3. Move every `next_digest_at` forward with one bulk UPDATE and insert one pending
   `ReminderLog` per digest with one bulk INSERT. The unique (user, cycle) constraint
   is the second guard: a row that already exists for the cycle is skipped, never sent
   twice, whatever happened to the first guard.

After the commit the batch's log ids go to the `deliver_reminders` task, which renders
from current data and sends (reminders/sending.py).
"""

import datetime
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ExchangeAccount

from . import schedule
from .digest import DigestItem, digest_items
from .models import ReminderLog, ReminderPreference
from .sending import DeliveryCounts
from .tasks import backend_can_defer, deliver_reminders

BATCH_SIZE = 200
# With a worker backend, an email still open this long after its due time lost its
# task (a crash between claim and enqueue, a purged queue): the sweep enqueues it again.
LOST_TASK_GRACE = datetime.timedelta(minutes=30)
MAX_RETRIES_PER_SWEEP = 10_000
TEST_REMINDERS_PER_HOUR = 5

Progress = Callable[[str], None]


@dataclass
class SweepReport:
    found: int = 0  # users whose next look was due
    digests: int = 0  # digests claimed
    nothing_due: int = 0  # users looked at with nothing to report (no email)
    duplicates: int = 0  # digests refused by the (user, cycle) guard
    retried: int = 0  # open emails handed to delivery again
    queued: int = 0  # emails handed to a worker backend (not delivered here)
    delivery: DeliveryCounts = field(default_factory=DeliveryCounts)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def summary(self) -> str:
        d = self.delivery
        parts = [
            f"found {self.found}", f"digests {self.digests}", f"sent {d.sent}",
            f"skipped {d.skipped + self.duplicates}", f"failed {d.failed}",
            f"retrying {d.retrying}", f"nothing due {self.nothing_due}",
        ]
        if self.queued:
            parts.append(f"queued for workers {self.queued}")
        if self.retried:
            parts.append(f"retries dispatched {self.retried}")
        return ", ".join(parts) + f"; {self.elapsed:.2f}s"


@dataclass
class ClaimedBatch:
    found: int = 0
    nothing_due: int = 0
    duplicates: int = 0
    log_ids: list[int] = field(default_factory=list)


# --- Reading ----------------------------------------------------------------------------


def _due_preferences(now: datetime.datetime) -> QuerySet[ReminderPreference]:
    return (
        ReminderPreference.objects.filter(next_digest_at__lte=now, enabled=True)
        .select_related("user")
        .order_by("next_digest_at", "pk")
    )


def _accounts_by_user(user_ids) -> dict[int, list[ExchangeAccount]]:
    grouped: dict[int, list[ExchangeAccount]] = defaultdict(list)
    accounts = ExchangeAccount.objects.filter(
        owner_id__in=user_ids, archived_at__isnull=True
    ).select_related("exchange")
    for account in accounts:
        grouped[account.owner_id].append(account)
    return grouped


def _items_for(
    preference: ReminderPreference, accounts: list[ExchangeAccount], now: datetime.datetime
) -> list[DigestItem]:
    if not preference.user.is_active:
        return []
    today = schedule.local_date(now, preference.zone)
    return digest_items(accounts, today, preference.warn_days)


# --- Claiming ---------------------------------------------------------------------------


def _insert_logs(logs: list[ReminderLog]) -> tuple[list[int], int]:
    """Insert pending logs; returns (ids, how many the (user, cycle) guard refused)."""
    if not logs:
        return [], 0
    try:
        with transaction.atomic():
            ReminderLog.objects.bulk_create(logs)
    except IntegrityError:
        # Some cycle already has its email (a zone change revisiting a date, a sweeper
        # on a database without row locks): insert one by one and drop those.
        created = []
        for log in logs:
            try:
                with transaction.atomic():
                    log.save(force_insert=True)
                created.append(log)
            except IntegrityError:
                continue
        return [log.pk for log in created], len(logs) - len(created)
    if any(log.pk is None for log in logs):  # backends that can't return bulk ids
        pairs = {(log.user_id, log.cycle) for log in logs}
        rows = ReminderLog.objects.filter(
            user_id__in={user for user, _ in pairs}, cycle__in={cycle for _, cycle in pairs}
        ).values_list("pk", "user_id", "cycle")
        return [pk for pk, user, cycle in rows if (user, cycle) in pairs], 0
    return [log.pk for log in logs], 0


def _plan(
    preference: ReminderPreference, items: list[DigestItem], now: datetime.datetime
) -> ReminderLog | None:
    """Move the preference's next look forward; return the digest's log row, if any."""
    tz = preference.zone
    if not items:
        preference.next_digest_at = schedule.next_look_when_nothing_due(
            now, preference.hour, tz
        )
        return None
    log = ReminderLog(
        user_id=preference.user_id,
        kind=ReminderLog.Kind.DIGEST,
        # Due preferences always have a next look; `now` only narrows the type.
        cycle=schedule.cycle_key(preference.next_digest_at or now, tz),
        accounts=[item.as_log_entry() for item in items],
        claimed_at=now,
        next_attempt_at=now,
    )
    preference.next_digest_at = schedule.next_look_after_digest(
        now, preference.hour, tz, preference.frequency
    )
    return log


@transaction.atomic
def claim_batch(now: datetime.datetime, batch_size: int = BATCH_SIZE) -> ClaimedBatch:
    """Claim up to `batch_size` due users in one transaction (see the module docstring)."""
    preferences = list(
        _due_preferences(now).select_for_update(skip_locked=True, of=("self",))[:batch_size]
    )
    batch = ClaimedBatch(found=len(preferences))
    if not preferences:
        return batch
    accounts = _accounts_by_user([p.user_id for p in preferences])
    logs = []
    for preference in preferences:
        items = _items_for(preference, accounts.get(preference.user_id, []), now)
        if (log := _plan(preference, items, now)) is not None:
            logs.append(log)
    batch.nothing_due = len(preferences) - len(logs)
    ReminderPreference.objects.bulk_update(preferences, ["next_digest_at"])
    batch.log_ids, batch.duplicates = _insert_logs(logs)
    return batch


def claim_test_reminder(user, now: datetime.datetime) -> ReminderLog | None:
    """A test email for `user` now; None once they asked too often this hour."""
    recent = ReminderLog.objects.filter(
        user=user, kind=ReminderLog.Kind.TEST, claimed_at__gte=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= TEST_REMINDERS_PER_HOUR:
        return None
    return ReminderLog.objects.create(
        user=user,
        kind=ReminderLog.Kind.TEST,
        # Tests aren't tied to a cycle; a random suffix keeps the (user, cycle) key unique.
        cycle=f"test-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}",
        claimed_at=now,
        next_attempt_at=now,
    )


# --- Dispatching ------------------------------------------------------------------------


def dispatch(log_ids: list[int], report: SweepReport) -> None:
    """Enqueue delivery; with the ImmediateBackend that *is* the delivery."""
    if not log_ids:
        return
    result = deliver_reminders.enqueue(log_ids)
    if not result.is_finished:
        report.queued += len(log_ids)
    elif result.errors:
        report.errors.append(result.errors[-1].traceback)
    else:
        report.delivery.merge(DeliveryCounts(**result.return_value))


def dispatch_open_emails(now: datetime.datetime, report: SweepReport, batch_size: int) -> None:
    """Hand open emails whose next attempt is due (retries, expired leases) to delivery.

    A backend that defers runs retries itself, so only emails overdue by LOST_TASK_GRACE
    are re-sent from here; delivery's own claim makes a duplicate task harmless.
    """
    grace = LOST_TASK_GRACE if backend_can_defer() else datetime.timedelta(0)
    ids = list(
        ReminderLog.objects.filter(
            next_attempt_at__lte=now - grace, outcome__in=ReminderLog.OPEN_OUTCOMES
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:MAX_RETRIES_PER_SWEEP]
    )
    for start in range(0, len(ids), batch_size):
        dispatch(ids[start:start + batch_size], report)
    report.retried += len(ids)


# --- Sweeping ---------------------------------------------------------------------------


def run_sweep(
    now: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> SweepReport:
    """One full sweep: open retries first, then every due user, batch by batch."""
    started = time.monotonic()
    now = now or timezone.now()
    report = SweepReport()
    dispatch_open_emails(now, report, batch_size)
    number = 0
    while True:
        batch = claim_batch(now, batch_size)
        if not batch.found:
            break
        number += 1
        report.found += batch.found
        report.nothing_due += batch.nothing_due
        report.duplicates += batch.duplicates
        report.digests += len(batch.log_ids)
        dispatch(batch.log_ids, report)
        if progress:
            progress(
                f"batch {number}: {batch.found} due, {len(batch.log_ids)} digests, "
                f"{batch.nothing_due} with nothing due ({time.monotonic() - started:.1f}s)"
            )
        if batch.found < batch_size:  # a short batch was the last one
            break
    report.elapsed = time.monotonic() - started
    return report


@dataclass(frozen=True)
class Preview:
    email: str
    items: list[DigestItem]
    cycle: str


def preview(now: datetime.datetime, batch_size: int = BATCH_SIZE) -> Iterator[Preview]:
    """What a sweep at `now` would send, without claiming or sending anything."""
    last = None
    while True:
        due = _due_preferences(now)
        if last is not None:
            due = due.filter(next_digest_at__gte=last[0]).exclude(
                next_digest_at=last[0], pk__lte=last[1]
            )
        preferences = list(due[:batch_size])
        if not preferences:
            return
        accounts = _accounts_by_user([p.user_id for p in preferences])
        for preference in preferences:
            items = _items_for(preference, accounts.get(preference.user_id, []), now)
            cycle = schedule.cycle_key(preference.next_digest_at or now, preference.zone)
            yield Preview(preference.user.email, items, cycle)
        last = (preferences[-1].next_digest_at, preferences[-1].pk)
