"""Helpers shared by the reminder tests: users with due accounts, a local SMTP server
that can refuse chosen recipients, and an assertion that checks both email bodies.

(No tests here; the module name only keeps it beside the tests that import it.)
"""

import asyncio
import datetime
import email
import email.policy
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from reminders.models import ReminderPreference
from tests.factories import ExchangeAccountFactory, ExchangeFactory, UserFactory

NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def set_preference(user, **fields) -> ReminderPreference:
    """The user's preferences with `fields` applied (created if missing)."""
    preference, _ = ReminderPreference.objects.get_or_create(user=user)
    for name, value in {"next_digest_at": NOW, **fields}.items():
        setattr(preference, name, value)
    preference.save()
    return preference


def account_for(user, days_since_login: int, *, exchange=None, label="Main", today=TODAY,
                **fields):
    """An account last logged in `days_since_login` days before `today`; by default at
    Kraken (seeded without a known dormancy rule, so dormant after 180 days)."""
    exchange = exchange or ExchangeFactory(slug="kraken", name="Kraken")
    return ExchangeAccountFactory(
        owner=user, exchange=exchange, label=label,
        last_login_on=today - datetime.timedelta(days=days_since_login), **fields,
    )


def due_user(email: str, days_since_login: int = 100, **preference_fields):
    """A user with one overdue account whose next look is due at NOW."""
    user = UserFactory(email=email)
    account_for(user, days_since_login)
    set_preference(user, **preference_fields)
    return user


def assert_bodies_contain(message: EmailMultiAlternatives, *texts: str) -> None:
    """Both the plain-text and the HTML body contain every text."""
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    assert isinstance(html, str)
    for text in texts:
        assert text in message.body, f"{text!r} missing from the text body"
        assert text in html, f"{text!r} missing from the HTML body"


# --- A local SMTP server ------------------------------------------------------------------


@dataclass
class RecordingHandler:
    """Accepts mail, except: `refuse` maps a recipient to a reply sent at RCPT every
    time; `refuse_once` does the same for the first try only (a 4xx greylist)."""

    refuse: dict[str, str] = field(default_factory=dict)
    refuse_once: dict[str, str] = field(default_factory=dict)
    # Recipients after whose message the server hangs up (as after an idle timeout).
    hang_up_after: set[str] = field(default_factory=set)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    connections: int = 0
    # Called with the recipients of each message before the reply, from the server's
    # thread: a test can hold the reply back there (a kill -9 between send and record).
    on_data: Callable[[list[str]], None] | None = None
    port: int = 0
    controller: Controller | None = None

    def stop(self) -> None:
        """Take the server down (connections are refused) until `start()`."""
        if self.controller:
            self.controller.stop()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        if self.on_data:
            await asyncio.get_running_loop().run_in_executor(
                None, self.on_data, list(envelope.rcpt_tos)
            )
        if self.hang_up_after & set(envelope.rcpt_tos):
            # Runs once the reply below is flushed: the client sees a dropped connection.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return [address for rcpt_tos, _ in self.received for address in rcpt_tos]

    def message_ids(self) -> dict[str, list[str]]:
        """Each recipient's Message-IDs, one per copy received."""
        ids: dict[str, list[str]] = {}
        for rcpt_tos, content in self.received:
            message = email.message_from_bytes(content, policy=email.policy.default)
            for address in rcpt_tos:
                ids.setdefault(address, []).append(message["Message-ID"])
        return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_mailers(port: int) -> dict:
    return {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
    }}


@pytest.fixture(name="smtp_server")
def smtp_server_fixture():
    """A real SMTP server on 127.0.0.1 and MAILERS pointing at it, for one test."""
    handler = RecordingHandler(port=free_port())
    handler.start()
    # The test runner installed locmem mail at setup; this test wants the wire.
    with override_settings(MAILERS=smtp_mailers(handler.port)):
        yield handler
    if handler.controller:
        handler.controller.stop()


def run_db_worker() -> None:
    """What `manage.py db_worker --batch` does: run every ready task, then return. (The
    command itself would install signal handlers in the test process, and its
    close_old_connections() would close the test's transaction on PostgreSQL.)"""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    worker = db_worker.Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()


# --- Real processes against the test database (PostgreSQL) -------------------------------


def process_env(smtp_port: int, tasks: str = "immediate") -> dict[str, str]:
    """Environment for `manage.py` subprocesses that share this test's database (which
    must be PostgreSQL: SQLite's test database lives in this process's memory) and send
    to the test's SMTP server."""
    import os

    from django.db import connection

    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TASKS_BACKEND": tasks,
        "LOG_LEVEL": "WARNING",
    }
