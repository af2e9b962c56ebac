"""Delivery against a real local SMTP server (aiosmtpd) that refuses some messages."""

import datetime
import smtplib

import pytest
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reminders.models import ReminderLog
from reminders.sending import MAX_ATTEMPTS, RETRY_BACKOFF
from reminders.smtp import classify_error
from reminders.sweep import OUTAGE_WAITS, run_sweep
from tests.test_reminders_support import (
    NOW,
    due_user,
    free_port,
    run_db_worker,
    smtp_mailers,
    smtp_server_fixture,  # noqa: F401 - provides the smtp_server fixture
)

pytestmark = pytest.mark.django_db

PERMANENT = "550 5.1.1 No such mailbox"
TEMPORARY = "451 4.7.1 Greylisted, try again later"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def outcome(email: str) -> ReminderLog:
    return ReminderLog.objects.get(user__email=email)


def test_digests_are_delivered_over_one_smtp_connection(smtp_server):
    for n in range(5):
        due_user(f"user{n}@example.com")
    report = run_sweep()
    assert report.delivery.sent == 5
    assert sorted(smtp_server.recipients()) == [f"user{n}@example.com" for n in range(5)]
    assert smtp_server.connections == 1
    rcpt, content = smtp_server.received[0]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in content
    assert b"Content-Type: text/html" in content and b"Content-Type: text/plain" in content


def test_a_permanent_refusal_fails_that_email_only_and_is_shown_in_settings(
    smtp_server, client
):
    due_user("first@example.com")
    bounced = due_user("bounce@example.com")
    due_user("last@example.com")
    smtp_server.refuse["bounce@example.com"] = PERMANENT
    report = run_sweep()
    assert (report.delivery.sent, report.delivery.failed) == (2, 1)
    assert sorted(smtp_server.recipients()) == ["first@example.com", "last@example.com"]
    failed = outcome("bounce@example.com")
    assert (failed.outcome, failed.attempts, failed.sent_at) == ("failed", 1, None)
    assert "550 5.1.1 No such mailbox" in failed.error
    assert failed.next_attempt_at is None
    assert outcome("last@example.com").sent_at == NOW

    client.force_login(bounced)
    page = client.get(reverse("reminder_settings")).content.decode()
    assert "Failed" in page and "550 5.1.1 No such mailbox" in page


def test_a_temporary_refusal_is_retried_after_the_backoff_and_then_sent(
    smtp_server, time_machine
):
    due_user("grey@example.com")
    smtp_server.refuse_once["grey@example.com"] = TEMPORARY
    report = run_sweep()
    assert report.delivery.retrying == 1
    log = outcome("grey@example.com")
    assert (log.outcome, log.attempts, log.sent_at) == ("retrying", 1, None)
    assert "451 4.7.1 Greylisted" in log.error
    assert log.next_attempt_at == NOW + RETRY_BACKOFF[0]

    # A sweep before the backoff leaves it alone.
    time_machine.move_to(NOW + RETRY_BACKOFF[0] - datetime.timedelta(minutes=1), tick=False)
    assert run_sweep().retried == 0
    time_machine.move_to(NOW + RETRY_BACKOFF[0], tick=False)
    report = run_sweep()
    assert (report.retried, report.delivery.sent) == (1, 1)
    log.refresh_from_db()
    assert (log.outcome, log.attempts, log.error) == ("sent", 2, "")
    assert log.sent_at == NOW + RETRY_BACKOFF[0]
    assert smtp_server.recipients() == ["grey@example.com"]


def test_temporary_failures_give_up_after_the_attempt_limit(smtp_server, time_machine):
    due_user("full@example.com")
    smtp_server.refuse["full@example.com"] = "452 4.2.2 Mailbox full"
    moment = NOW
    run_sweep()
    for wait in RETRY_BACKOFF:
        moment += wait
        time_machine.move_to(moment, tick=False)
        run_sweep()
    log = outcome("full@example.com")
    assert (log.outcome, log.attempts) == ("failed", MAX_ATTEMPTS)
    assert "452 4.2.2 Mailbox full" in log.error
    time_machine.move_to(moment + datetime.timedelta(days=1), tick=False)
    assert run_sweep().retried == 0
    assert smtp_server.received == []


def test_an_unreachable_server_stops_claiming_and_burns_no_attempts(db):
    for n in range(5):
        due_user(f"down{n}@example.com")
    waits = []
    with override_settings(MAILERS=smtp_mailers(free_port())):  # nobody listens there
        report = run_sweep(batch_size=2, sleep=waits.append)
    assert waits == list(OUTAGE_WAITS)  # backed off, then left the rest to the next sweep
    assert report.gave_up
    assert report.found == 2  # the first batch only: claiming stopped
    assert (report.delivery.sent, report.delivery.failed, report.delivery.retrying) == (0, 0, 0)
    logs = ReminderLog.objects.all()
    assert [(log.outcome, log.attempts, log.sent_at) for log in logs] == [("pending", 0, None)] * 2
    assert all(log.next_attempt_at == NOW and log.lease_token == "" for log in logs)


def test_a_dropped_connection_between_messages_is_reopened_once(smtp_server):
    for n in range(3):
        due_user(f"user{n}@example.com")
    smtp_server.hang_up_after.add("user0@example.com")
    report = run_sweep()
    assert report.delivery.sent == 3
    assert sorted(smtp_server.recipients()) == ["user0@example.com", "user1@example.com",
                                                "user2@example.com"]
    assert smtp_server.connections == 2


def test_a_421_reply_fails_that_email_for_now_and_the_next_one_reconnects(smtp_server):
    due_user("a@example.com")
    due_user("b@example.com")
    smtp_server.refuse_once["a@example.com"] = "421 4.3.2 Closing connection"
    report = run_sweep()
    assert (report.delivery.sent, report.delivery.retrying) == (1, 1)
    assert smtp_server.recipients() == ["b@example.com"]
    assert smtp_server.connections == 2


def test_with_a_worker_backend_a_retry_is_enqueued_to_run_after_the_backoff(smtp_server):
    """django-tasks-db supports run_after, so the worker itself runs the retry."""
    user = due_user("worker@example.com")
    smtp_server.refuse_once["worker@example.com"] = TEMPORARY
    with override_settings(TASKS=DATABASE_TASKS):
        report = run_sweep()
        assert report.queued == 1  # the sweep only enqueued
        first = DBTaskResult.objects.get()
        log_id = ReminderLog.objects.get(user=user).pk
        assert first.args_kwargs == {"args": [[log_id]], "kwargs": {}}
        run_db_worker()
        retry = DBTaskResult.objects.exclude(pk=first.pk).get()
        assert retry.run_after == NOW + RETRY_BACKOFF[0]
        assert retry.args_kwargs == {"args": [[log_id]], "kwargs": {}}
        # The sweep leaves a deferred retry to the worker (no duplicate task)...
        assert run_sweep().retried == 0
    log = outcome("worker@example.com")
    assert (log.outcome, log.attempts, log.next_attempt_at) == (
        "retrying", 1, NOW + RETRY_BACKOFF[0]
    )


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no"), "b@x": (451, b"later")}), False),
        (smtplib.SMTPDataError(554, b"spam"), True),
        (smtplib.SMTPDataError(451, b"try later"), False),
        (smtplib.SMTPSenderRefused(421, b"busy", "from@x"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (TimeoutError("timed out"), False),
        (ValueError("Invalid address"), True),
    ],
)
def test_smtp_errors_are_classified_as_temporary_or_permanent(error, permanent):
    assert classify_error(error)[0] is permanent
