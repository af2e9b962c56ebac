"""kill -9 in the middle of delivery, with real processes on PostgreSQL.

A sweeper (or a `db_worker`) is killed with SIGKILL while the mail server holds back its
reply to the fifth email: four were accepted and the fifth received, none recorded. Once
the dead run's lease has run out, a sweep sends everything: the five again, with the
same Message-ID as the first time, and every email once more than never.

The processes share this test's committed rows, so this needs a server database: the
suite's SQLite test database lives in this process's memory. CI runs it on PostgreSQL.
"""

import datetime
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reminders.models import ReminderLog
from reminders.sending import LEASE, message_id
from reminders.sweep import run_sweep
from tests.factories import UserFactory
from tests.test_reminders_support import (
    account_for,
    process_env,
    run_db_worker,
    set_preference,
    smtp_server_fixture,  # noqa: F401 - provides the smtp_server fixture
)

USERS = 30
BATCH = 10
KILL_AT = 5  # the email whose reply is held back while the process is killed
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real processes share committed rows only on a server database; run with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
    ),
]


@pytest.fixture
def due_now(db):
    """Due by the real clock: the processes can't see a pinned time."""
    today = datetime.date.today()
    for n in range(USERS):
        user = UserFactory(email=f"user{n:02}@example.com")
        account_for(user, 100, today=today)
        set_preference(user, next_digest_at=timezone.now() - datetime.timedelta(minutes=1))


@pytest.fixture
def kill_switch(smtp_server):
    """Holds back the reply to the KILL_AT-th email until the process is dead."""
    reached, released = threading.Event(), threading.Event()

    def on_data(recipients):
        if len(smtp_server.received) == KILL_AT:
            reached.set()
            released.wait(60)

    smtp_server.on_data = on_data
    yield reached
    released.set()


def start(*args: str, smtp_port: int, tasks: str = "immediate") -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, str(PROJECT_ROOT / "manage.py"), *args],
        env=process_env(smtp_port, tasks), cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def kill_when_reached(process: subprocess.Popen, reached: threading.Event) -> None:
    if not reached.wait(90):
        process.kill()
        pytest.fail(f"the process never reached email {KILL_AT}:\n{process.communicate()[0]}")
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL


def assert_everyone_got_the_same_message_again(smtp_server) -> None:
    ids = smtp_server.message_ids()
    assert sorted(ids) == [f"user{n:02}@example.com" for n in range(USERS)]
    copies = Counter(len(found) for found in ids.values())
    assert copies == {1: USERS - KILL_AT, 2: KILL_AT}  # the five from before the kill
    logs = {log.user.email: log for log in ReminderLog.objects.select_related("user")}
    for address, found in ids.items():
        assert set(found) == {message_id(logs[address])}, address
    # Every email sent, each with one counted attempt: the killed try didn't count.
    assert {(log.outcome, log.attempts) for log in logs.values()} == {("sent", 1)}


def test_a_killed_sweepers_digests_are_sent_after_its_lease_with_the_same_message_id(
    due_now, smtp_server, kill_switch, time_machine
):
    sweeper = start("send_reminders", "--batch-size", str(BATCH), smtp_port=smtp_server.port)
    kill_when_reached(sweeper, kill_switch)
    held = ReminderLog.objects.filter(outcome="pending").exclude(lease_token="")
    assert held.count() == BATCH  # its batch, claimed and leased, nothing recorded
    lease_ends = max(held.values_list("next_attempt_at", flat=True))
    assert lease_ends <= timezone.now() + LEASE

    # A sweep now sends everyone else and leaves the dead sweeper's batch alone...
    report = run_sweep()
    assert (report.retried, report.delivery.sent) == (0, USERS - BATCH)
    # ...until its lease has run out.
    time_machine.move_to(lease_ends + datetime.timedelta(seconds=1))
    report = run_sweep()
    assert (report.retried, report.delivery.sent) == (BATCH, BATCH)
    assert_everyone_got_the_same_message_again(smtp_server)


def test_a_killed_workers_task_is_reclaimed_and_its_emails_sent_with_the_same_message_id(
    due_now, smtp_server, kill_switch, time_machine
):
    with override_settings(TASKS=DATABASE_TASKS):
        assert run_sweep(batch_size=BATCH).queued == USERS
    worker = start("db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay",
                   "--interval", "0.1", smtp_port=smtp_server.port, tasks="database")
    kill_when_reached(worker, kill_switch)
    stranded = DBTaskResult.objects.get(status="RUNNING")
    assert DBTaskResult.objects.filter(status="READY").count() == USERS // BATCH - 1

    time_machine.move_to(timezone.now() + LEASE + datetime.timedelta(seconds=1))
    with override_settings(TASKS=DATABASE_TASKS):
        report = run_sweep(batch_size=BATCH)
        assert report.reclaimed_tasks == 1
        stranded.refresh_from_db()
        assert stranded.status == "READY"
        run_db_worker()
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "READY"]).exists()
    assert_everyone_got_the_same_message_again(smtp_server)
