"""Background delivery through Django's tasks API: this module only enqueues.

Web requests and the `send_reminders` sweep enqueue `deliver_reminders`; with
TASKS_BACKEND=database any number of `manage.py db_worker` processes, on any machines,
run it. The default ImmediateBackend runs the task inline, so one process on one
machine needs no worker. Arguments are plain ids (JSON), and the task reads everything
else from the database when it runs. Sending itself is reminders/sending.py's.

A worker killed in the middle of a task leaves django-tasks-db's row RUNNING for ever;
`reclaim_abandoned_tasks` (called by every sweep) puts such rows back in the queue once
the emails they held have no live lease.
"""

import datetime
import logging
import uuid

from django.tasks import TaskContext, TaskResultStatus, task, task_backends
from django.utils import timezone

from . import sending
from .models import ReminderLog

logger = logging.getLogger(__name__)

# A task row whose worker died is run again at most this many times in all.
MAX_RUNS_PER_TASK = 3


class AbandonedByWorker(Exception):
    """What a task row says when its workers kept dying (see reclaim_abandoned_tasks)."""


def backend_can_defer() -> bool:
    """Can the configured backend run a task later (`run_after`)? ImmediateBackend can't."""
    return task_backends[deliver_reminders.backend].supports_defer


def enqueue_delivery(log_ids: list[int], run_after: datetime.datetime | None = None):
    """Queue delivery of these rows (with ImmediateBackend: deliver them now)."""
    task_ = deliver_reminders.using(run_after=run_after) if run_after else deliver_reminders
    return task_.enqueue(log_ids)


def _holder(context: TaskContext) -> str:
    """The task's id as the lease token, so a lease tells which task holds it."""
    try:
        return uuid.UUID(str(context.task_result.id)).hex
    except ValueError:
        return uuid.uuid4().hex


@task(takes_context=True)
def deliver_reminders(context: TaskContext, log_ids: list[int]) -> dict[str, int]:
    """Send the given claimed reminders; returns counts by outcome."""
    schedule_retry = _schedule_retry if backend_can_defer() else None
    counts = sending.deliver(log_ids, holder=_holder(context), schedule_retry=schedule_retry)
    return counts.as_dict()


def _schedule_retry(log_ids: list[int], when: datetime.datetime) -> None:
    enqueue_delivery(log_ids, run_after=when)


def reclaim_abandoned_tasks(now: datetime.datetime | None = None) -> int:
    """Requeue delivery tasks left RUNNING by a worker that died; returns how many.

    A task counts as abandoned once it started more than a lease ago and none of the
    emails it holds has a live lease (a living task's heartbeat keeps its leases on).
    Its emails are due again anyway; running the task again sends them, and the email
    leases make a second run of a task that was in fact alive harmless.
    """
    if not backend_can_defer():
        return 0
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    candidates = list(
        DBTaskResult.objects.running()
        .filter(task_path=deliver_reminders.module_path, started_at__lt=now - sending.LEASE)
        .only("id", "worker_ids")
    )
    if not candidates:
        return 0
    alive = set(
        ReminderLog.objects.filter(
            lease_token__in=[row.id.hex for row in candidates], next_attempt_at__gt=now
        ).values_list("lease_token", flat=True)
    )
    reclaimed = 0
    for row in candidates:
        if row.id.hex in alive:
            continue
        running = DBTaskResult.objects.running().filter(pk=row.pk)
        if len(row.worker_ids) >= MAX_RUNS_PER_TASK:
            running.update(
                status=TaskResultStatus.FAILED, finished_at=now,
                exception_class_path=f"{__name__}.{AbandonedByWorker.__name__}",
                traceback=f"Its worker died {len(row.worker_ids)} times; not run again.",
            )
        else:
            reclaimed += running.update(
                status=TaskResultStatus.READY, run_after=now, started_at=None
            )
    if reclaimed:
        logger.warning("Requeued %s reminder task(s) abandoned by a dead worker.", reclaimed)
    return reclaimed

