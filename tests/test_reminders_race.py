"""Two sweepers started at the same moment against real PostgreSQL send each digest once.

No mocks: real threads (each with its own database connection) and real processes
(`manage.py send_reminders`) race over committed rows. SQLite serialises writers with
BEGIN IMMEDIATE, so there is no race to observe there; CI runs this on PostgreSQL.
"""

import datetime
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from reminders.models import ReminderLog
from reminders.sweep import run_sweep
from tests.factories import UserFactory
from tests.racing import run_racing
from tests.test_reminders_support import (
    NOW,
    account_for,
    due_user,
    process_env,
    set_preference,
    smtp_server_fixture,  # noqa: F401 - provides the smtp_server fixture
)

USERS = 60
SMALL_BATCH = 4  # many short transactions, so the sweepers interleave
PROJECT_ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (FOR UPDATE SKIP LOCKED); SQLite has one writer "
        "at a time, so two sweepers can't race there. Run with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
    ),
]


@pytest.fixture
def due_users(time_machine):
    time_machine.move_to(NOW, tick=False)
    return [due_user(f"race{n}@example.com") for n in range(USERS)]


def test_two_sweeper_threads_send_each_digest_exactly_once(due_users):
    reports = run_racing(lambda: run_sweep(now=NOW, batch_size=SMALL_BATCH))
    assert len(reports) == 2

    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert len(recipients) == USERS
    assert set(recipients.values()) == {1}
    # Every user was claimed by exactly one sweeper.
    assert sum(report.found for report in reports) == USERS
    assert sum(report.delivery.sent for report in reports) == USERS
    assert ReminderLog.objects.filter(outcome="sent").count() == USERS


@pytest.fixture
def due_now():
    """Due by the real clock: the subprocesses can't see this process's pinned time."""
    today = datetime.date.today()
    users = []
    for n in range(USERS):
        user = UserFactory(email=f"process{n}@example.com")
        account_for(user, 100, today=today)
        set_preference(user, next_digest_at=timezone.now() - datetime.timedelta(minutes=1))
        users.append(user)
    return users


def test_two_sweeper_processes_send_each_digest_exactly_once(due_now, smtp_server):
    command = [sys.executable, str(PROJECT_ROOT / "manage.py"), "send_reminders",
               "--batch-size", str(SMALL_BATCH)]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own manage.py
            command, env=process_env(smtp_server.port), cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert all("Done: found" in output for output in outputs), outputs

    recipients = Counter(smtp_server.recipients())
    assert len(recipients) == USERS, outputs
    assert set(recipients.values()) == {1}
    assert ReminderLog.objects.filter(outcome="sent").count() == USERS
