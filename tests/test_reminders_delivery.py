"""The delivery path: leases and heartbeats, attempts counted per email, one Message-ID
per message across re-sends, outages that burn no attempts, abandoned worker tasks.

In-process and on both databases; the same scenarios with real processes killed by
SIGKILL are in tests/test_reminders_crash.py (PostgreSQL).
"""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reminders import sending
from reminders.models import ReminderLog
from reminders.outbox import SendTestState, send_test_reminder
from reminders.sending import LEASE, RETRY_BACKOFF, DeliveryRun, message_id
from reminders.sweep import OUTAGE_WAITS, run_sweep
from reminders.tasks import MAX_RUNS_PER_TASK, deliver_reminders, reclaim_abandoned_tasks
from tests.test_reminders_support import (
    NOW,
    due_user,
    run_db_worker,
    smtp_server_fixture,  # noqa: F401 - provides the smtp_server fixture
)

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CLOSING = "421 4.3.2 Service shutting down, closing connection"


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def log_of(address: str) -> ReminderLog:
    return ReminderLog.objects.get(user__email=address)


class Crash(BaseException):
    """Stands in for SIGKILL: nothing after it runs (not even `except Exception`)."""


# --- One Message-ID per message -----------------------------------------------------------


def test_the_message_id_is_derived_from_user_cycle_and_channel(db):
    user = due_user("id@example.com")
    log = ReminderLog(user=user, cycle="2026-11-24", channel="email")
    same = ReminderLog(user=user, cycle="2026-11-24", channel="email")
    assert message_id(log) == message_id(same)
    assert message_id(log) != message_id(ReminderLog(user=user, cycle="2026-12-01"))
    assert message_id(log) != message_id(
        ReminderLog(user=user, cycle="2026-11-24", channel="channel-7")
    )
    assert message_id(log).endswith("@guard.example.com>")
    assert f"{user.pk}:" not in message_id(log)  # keyed: it doesn't show the user id


def test_a_digest_resent_after_a_crash_carries_the_same_message_id(
    smtp_server, monkeypatch, time_machine
):
    for n in range(3):
        due_user(f"crash{n}@example.com")

    def die_before_recording(self):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(DeliveryRun, "flush", die_before_recording)
        crashed = run_sweep()
    assert "Crash" in crashed.errors[0]  # the task backend reports the dead task
    # The server accepted all three; none was recorded, and the run's lease holds them.
    assert len(smtp_server.received) == 3
    assert ReminderLog.objects.filter(outcome="pending").count() == 3
    assert run_sweep().delivery.sent == 0  # the lease still holds

    time_machine.move_to(NOW + LEASE, tick=False)
    report = run_sweep()
    assert (report.retried, report.delivery.sent) == (3, 3)
    ids = smtp_server.message_ids()
    assert sorted(ids) == [f"crash{n}@example.com" for n in range(3)]
    for address, copies in ids.items():
        assert len(copies) == 2
        assert copies[0] == copies[1] == message_id(log_of(address))
    # The try the crash cut short is not counted.
    assert {(log.outcome, log.attempts) for log in ReminderLog.objects.all()} == {("sent", 1)}


# --- Leases and heartbeats ---------------------------------------------------------------


def test_a_long_batch_keeps_its_lease_through_the_heartbeat(smtp_server, monkeypatch,
                                                            time_machine):
    for n in range(6):
        due_user(f"slow{n}@example.com")
    real_send = sending.EmailSender.send
    expiries = []

    def slow_send(self, log, digest):
        # Each email takes two minutes: six take longer than one lease.
        time_machine.shift(datetime.timedelta(minutes=2))
        held = ReminderLog.objects.filter(lease_token__gt="", outcome="pending")
        expiries.append(min(held.values_list("next_attempt_at", flat=True)) - timezone.now())
        real_send(self, log, digest)

    monkeypatch.setattr(sending.EmailSender, "send", slow_send)
    report = run_sweep()
    assert report.delivery.sent == 6
    assert all(left > datetime.timedelta(0) for left in expiries), expiries
    assert ReminderLog.objects.filter(outcome="sent", attempts=1).count() == 6


def test_rows_another_run_holds_are_left_alone(smtp_server):
    user = due_user("held@example.com")
    run_sweep_claim_only = ReminderLog.objects.create(
        user=user, cycle="2026-11-23", claimed_at=NOW, lease_token="someone-else",
        next_attempt_at=NOW + LEASE,
    )
    counts = sending.deliver([run_sweep_claim_only.pk])
    assert counts.sent == 0
    assert smtp_server.received == []


# --- Attempts, per email, when tried ------------------------------------------------------


def test_attempts_are_counted_per_email_tried_and_stranded_emails_keep_theirs(smtp_server):
    """Three dropped connections in a row count as an outage: the three emails that
    reached the server used an attempt each, the two after them went back untried and
    are sent once the server answers again."""
    for n in range(5):
        due_user(f"user{n}@example.com")
    for n in range(3):
        smtp_server.refuse_once[f"user{n}@example.com"] = CLOSING
    waits = []
    report = run_sweep(sleep=waits.append)
    assert waits == [OUTAGE_WAITS[0]]
    assert report.delivery.put_back == 2
    logs = {log.user.email: log for log in ReminderLog.objects.select_related("user")}
    for n in range(3):
        log = logs[f"user{n}@example.com"]
        assert (log.outcome, log.attempts) == ("retrying", 1)
        assert log.next_attempt_at == NOW + RETRY_BACKOFF[0]
    for n in (3, 4):
        assert (logs[f"user{n}@example.com"].outcome, logs[f"user{n}@example.com"].attempts) \
            == ("sent", 1)


def test_each_failed_emails_retry_is_scheduled_when_it_fails(smtp_server, monkeypatch):
    """With a worker backend the retry task is in the queue before the next email goes."""
    due_user("first@example.com")
    due_user("second@example.com")
    smtp_server.refuse_once["first@example.com"] = "451 4.7.1 Greylisted"
    queued_when_sending = {}
    real_send = sending.EmailSender.send

    def watching_send(self, log, digest):
        queued_when_sending[log.user.email] = DBTaskResult.objects.count()
        real_send(self, log, digest)

    monkeypatch.setattr(sending.EmailSender, "send", watching_send)
    with override_settings(TASKS=DATABASE_TASKS):
        run_sweep()
        run_db_worker()
    # One task from the sweep; the first email's retry was added before the second went.
    assert queued_when_sending == {"first@example.com": 1, "second@example.com": 2}
    # (A task to run at once has the far-future "no run_after" date.)
    retry = DBTaskResult.objects.get(run_after__lt=NOW + datetime.timedelta(days=1))
    assert retry.run_after == NOW + RETRY_BACKOFF[0]
    assert retry.args_kwargs["args"] == [[log_of("first@example.com").pk]]


# --- Outages -----------------------------------------------------------------------------


def test_an_eight_second_outage_turns_into_no_failed_digests(smtp_server):
    for n in range(30):
        due_user(f"user{n}@example.com")
    smtp_server.stop()
    waited = []

    def wait(seconds):
        waited.append(seconds)
        if sum(waited) >= 8:
            smtp_server.start()

    report = run_sweep(batch_size=10, sleep=wait)
    assert sum(waited) >= 8 and not report.gave_up
    assert report.found == 30
    assert (report.delivery.sent, report.delivery.failed, report.delivery.retrying) == (30, 0, 0)
    # Claiming stopped during the outage: only the first batch was held, and put back
    # each time the server was found down.
    assert report.delivery.unreachable == len(waited)
    assert report.delivery.put_back == 10 * len(waited)
    assert set(ReminderLog.objects.values_list("outcome", "attempts")) == {("sent", 1)}
    assert len(smtp_server.received) == 30


def test_with_a_worker_backend_an_outage_puts_emails_back_and_queues_a_later_try(
    smtp_server, time_machine
):
    due_user("later@example.com")
    smtp_server.stop()
    with override_settings(TASKS=DATABASE_TASKS):
        run_sweep()
        run_db_worker()
        log = log_of("later@example.com")
        assert (log.outcome, log.attempts, log.lease_token) == ("pending", 0, "")
        assert log.next_attempt_at == NOW + sending.OUTAGE_PAUSE[0]
        later = DBTaskResult.objects.get(status="READY")
        assert later.run_after == log.next_attempt_at
        assert later.args_kwargs["args"] == [[log.pk]]

        smtp_server.start()
        time_machine.move_to(later.run_after, tick=False)
        run_db_worker()
    assert (log_of("later@example.com").outcome, log_of("later@example.com").attempts) == (
        "sent", 1
    )
    assert smtp_server.recipients() == ["later@example.com"]


def test_a_test_reminder_during_an_outage_says_it_will_be_tried_again(smtp_server):
    user = due_user("patient@example.com")
    smtp_server.stop()
    result = send_test_reminder(user, NOW)
    assert result.state == SendTestState.RETRYING
    log = ReminderLog.objects.get(kind="test")
    assert (log.outcome, log.attempts) == ("pending", 0)


def test_with_a_worker_backend_the_test_reminder_is_queued(db):
    user = due_user("queued@example.com")
    with override_settings(TASKS=DATABASE_TASKS):
        assert send_test_reminder(user, NOW).state == SendTestState.QUEUED
    assert mail.outbox == []
    assert DBTaskResult.objects.get().args_kwargs["args"] == [
        [ReminderLog.objects.get(kind="test").pk]
    ]


# --- Tasks a dead worker left RUNNING ----------------------------------------------------


def stranded_log(address: str) -> ReminderLog:
    """A test reminder for a user who is otherwise not due (so no sweep claims more)."""
    user = due_user(address, next_digest_at=None)
    return ReminderLog.objects.create(
        user=user, kind=ReminderLog.Kind.TEST, cycle="test-1", claimed_at=NOW
    )


def running_task(log: ReminderLog, started: datetime.datetime, runs: int = 1) -> DBTaskResult:
    """A task row as a worker killed mid-run leaves it, holding `log`'s lease."""
    with override_settings(TASKS=DATABASE_TASKS):
        result = deliver_reminders.enqueue([log.pk])
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.started_at = "RUNNING", started
    row.worker_ids = [f"worker-{n}" for n in range(runs)]
    row.save()
    log.lease_token = row.id.hex
    log.next_attempt_at = started + LEASE
    log.save()
    return row


def test_a_task_left_running_by_a_dead_worker_is_requeued_and_delivers(smtp_server,
                                                                       time_machine):
    log = stranded_log("stranded@example.com")
    task_row = running_task(log, started=NOW)
    time_machine.move_to(NOW + LEASE + datetime.timedelta(seconds=1), tick=False)
    with override_settings(TASKS=DATABASE_TASKS):
        report = run_sweep()
        assert report.reclaimed_tasks == 1
        task_row.refresh_from_db()
        assert (task_row.status, task_row.started_at) == ("READY", None)
        run_db_worker()
    assert smtp_server.recipients() == ["stranded@example.com"]
    assert (log_of("stranded@example.com").outcome, log_of("stranded@example.com").attempts) \
        == ("sent", 1)


def test_a_running_task_whose_lease_is_alive_is_left_alone(db, time_machine):
    log = stranded_log("alive@example.com")
    task_row = running_task(log, started=NOW)
    time_machine.move_to(NOW + LEASE + datetime.timedelta(seconds=1), tick=False)
    # Its heartbeat pushed the lease on: the worker is alive.
    ReminderLog.objects.filter(pk=log.pk).update(next_attempt_at=NOW + 2 * LEASE)
    with override_settings(TASKS=DATABASE_TASKS):
        assert reclaim_abandoned_tasks() == 0
    task_row.refresh_from_db()
    assert task_row.status == "RUNNING"


def test_a_task_whose_workers_keep_dying_is_failed_not_run_again(db, time_machine):
    log = stranded_log("poison@example.com")
    task_row = running_task(log, started=NOW, runs=MAX_RUNS_PER_TASK)
    time_machine.move_to(NOW + LEASE + datetime.timedelta(seconds=1), tick=False)
    with override_settings(TASKS=DATABASE_TASKS):
        assert reclaim_abandoned_tasks() == 0
    task_row.refresh_from_db()
    assert task_row.status == "FAILED"
    assert task_row.exception_class_path == "reminders.tasks.AbandonedByWorker"


def test_without_a_worker_backend_there_are_no_task_rows_to_reclaim(db):
    assert reclaim_abandoned_tasks() == 0


# --- Shape ---------------------------------------------------------------------------------


def imported_modules(path: str) -> set[str]:
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[1] / path).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {f"{node.module or ''}.{alias.name}".lstrip(".") for alias in node.names}
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_sending_never_imports_tasks_so_there_is_no_cycle():
    """tasks.py enqueues and calls sending.deliver(); sending gets retries scheduled
    through a callback instead of importing the task."""
    assert not {name for name in imported_modules("reminders/sending.py") if "tasks" in name}
    assert "sending" in imported_modules("reminders/tasks.py")
