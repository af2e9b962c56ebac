"""Handing claimed reminders to delivery: the open rows a sweep finds, and the test
reminder a user asks for.

Everything goes through the `deliver_reminders` task (reminders/tasks.py): with the
ImmediateBackend enqueueing *is* delivering and the counts come straight back; with a
worker backend the rows wait for a `db_worker`.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q

from . import preferences
from .models import Channel, ReminderLog
from .sending import DeliveryCounts
from .tasks import backend_can_defer, enqueue_delivery

# With a worker backend, an open row nobody holds that is this overdue lost its task (a
# task that failed before it took its rows, a purged queue): it is enqueued again. Rows
# whose lease ran out (their run died) are enqueued at once.
LOST_TASK_GRACE = datetime.timedelta(minutes=10)
MAX_OPEN_PER_SWEEP = 10_000
TEST_REMINDERS_PER_HOUR = 5


@dataclass
class Dispatched:
    queued: int = 0  # handed to a worker backend, not delivered here
    delivery: DeliveryCounts = field(default_factory=DeliveryCounts)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "Dispatched") -> None:
        self.queued += other.queued
        self.delivery.merge(other.delivery)
        self.errors += other.errors


def dispatch(log_ids: list[int]) -> Dispatched:
    """Enqueue delivery; with the ImmediateBackend that *is* the delivery."""
    outcome = Dispatched()
    if not log_ids:
        return outcome
    result = enqueue_delivery(log_ids)
    if not result.is_finished:
        outcome.queued = len(log_ids)
    elif result.errors:
        outcome.errors.append(result.errors[-1].traceback)
    else:
        outcome.delivery = DeliveryCounts(**result.return_value)
    return outcome


def open_rows_to_dispatch(now: datetime.datetime) -> list[int]:
    """Open rows due now: retries, messages put back in an outage, runs that died.

    A backend that defers runs its own retries and put-back rows, so there only rows
    whose lease ran out, or that are LOST_TASK_GRACE overdue, are handed out again;
    delivery's own lease makes a duplicate task harmless.
    """
    due = ReminderLog.objects.open_and_due(now)
    if backend_can_defer():
        due = due.filter(~Q(lease_token="") | Q(next_attempt_at__lte=now - LOST_TASK_GRACE))
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:MAX_OPEN_PER_SWEEP])


# --- The test reminder ------------------------------------------------------------------


class SendTestState(StrEnum):
    LIMITED = "limited"  # asked too often this hour; nothing claimed
    QUEUED = "queued"  # a worker will send it
    SENT = "sent"
    RETRYING = "retrying"  # the server didn't take it yet; tried again later
    FAILED = "failed"


@dataclass(frozen=True)
class SendTestResult:
    state: SendTestState
    error: str = ""


def claim_test_reminder(
    user, now: datetime.datetime, channel: Channel | None = None
) -> ReminderLog | None:
    """A test message for `user` now, to their own address or to `channel`; None once
    they asked too often this hour (one budget for all their channels)."""
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
        **({"channel_kind": channel.kind, "channel": channel.key, "target": channel}
           if channel else {}),
    )


def send_test_reminder(
    user, now: datetime.datetime, channel: Channel | None = None
) -> SendTestResult:
    """Claim and send (or queue) a test reminder to the user's own address, or to one of
    their channels."""
    preferences.preference_for(user, now)
    log = claim_test_reminder(user, now, channel)
    if log is None:
        return SendTestResult(SendTestState.LIMITED)
    if dispatch([log.pk]).queued:
        return SendTestResult(SendTestState.QUEUED)
    log.refresh_from_db(fields=["outcome", "error"])
    states: dict[str, SendTestState] = {
        ReminderLog.Outcome.SENT: SendTestState.SENT,
        ReminderLog.Outcome.RETRYING: SendTestState.RETRYING,
        # Put back untried (the mail server is down): the next sweep sends it.
        ReminderLog.Outcome.PENDING: SendTestState.RETRYING,
    }
    return SendTestResult(states.get(log.outcome, SendTestState.FAILED), log.error)
