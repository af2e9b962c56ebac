"""Background delivery through Django's tasks API.

Web requests and the `send_reminders` sweep only enqueue; with TASKS_BACKEND=database any
number of `manage.py db_worker` processes, on any machines, deliver. The default
ImmediateBackend runs the task inline, so one process on one machine needs no worker.
Arguments are plain ids (JSON), and the task reads everything else from the database
when it runs.
"""

from django.tasks import task, task_backends

from . import sending


def backend_can_defer() -> bool:
    """Can the configured backend run a task later (`run_after`)? ImmediateBackend can't."""
    return task_backends[deliver_reminders.backend].supports_defer


@task
def deliver_reminders(log_ids: list[int]) -> dict[str, int]:
    """Send the given claimed reminder emails; returns counts by outcome."""
    return sending.deliver(log_ids).as_dict()
