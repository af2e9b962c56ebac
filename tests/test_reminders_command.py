"""`send_reminders`: cycles, once-only sending, dry runs, DST nights and query counts."""

import datetime
import os
import signal
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import archive_account, record_check_in
from reminders.models import ReminderLog, ReminderPreference
from reminders.schedule import Frequency, next_slot_after, zone
from reminders.sending import deliver
from reminders.sweep import claim_batch, run_sweep
from tests.factories import UserFactory
from tests.test_reminders_support import NOW, TODAY, account_for, due_user, set_preference

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def send_reminders(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def preference(user) -> ReminderPreference:
    return ReminderPreference.objects.get(user=user)


# --- Once per cycle -------------------------------------------------------------------


def test_a_digest_is_sent_once_however_often_the_command_runs(db, time_machine):
    user = due_user("once@example.com")
    for minutes in (0, 0, 1, 5, 30, 59, 120, 600):
        time_machine.move_to(NOW + datetime.timedelta(minutes=minutes), tick=False)
        send_reminders()
    assert [m.to for m in mail.outbox] == [["once@example.com"]]
    log = ReminderLog.objects.get(user=user)
    assert (log.cycle, log.outcome, log.attempts) == ("2026-11-24", "sent", 1)
    assert log.sent_at == NOW
    assert log.accounts == [{"id": user.exchange_accounts.get().pk, "name": "Kraken – Main",
                             "status": "overdue"}]


def test_the_unique_cycle_guard_refuses_a_second_digest_for_the_same_slot(db):
    user = due_user("guard@example.com")
    ReminderLog.objects.create(user=user, cycle="2026-11-24", claimed_at=NOW,
                               outcome=ReminderLog.Outcome.SENT)
    report = run_sweep()
    assert mail.outbox == []
    assert (report.found, report.duplicates) == (1, 1)
    assert preference(user).next_digest_at > NOW  # still moved on


def test_the_summary_reports_found_sent_skipped_failed_and_time(db):
    due_user("a@example.com")
    due_user("b@example.com")
    calm = UserFactory(email="calm@example.com")
    account_for(calm, 2)
    set_preference(calm)
    output = send_reminders()
    assert "batch 1: 3 due, 2 digests, 1 with nothing due" in output
    assert "Done: found 3, digests 2, sent 2, skipped 0, failed 0, retrying 0, nothing due 1" \
        in output
    assert output.rstrip().endswith("s.")


# --- The cycle rule -------------------------------------------------------------------


def test_while_something_stays_overdue_the_next_digest_comes_a_week_later(db, time_machine):
    user = due_user("weekly@example.com")
    send_reminders()
    assert preference(user).next_digest_at == NOW + datetime.timedelta(days=7)
    for day in range(1, 7):
        time_machine.move_to(NOW + datetime.timedelta(days=day), tick=False)
        send_reminders()
    assert len(mail.outbox) == 1
    time_machine.move_to(NOW + datetime.timedelta(days=7), tick=False)
    send_reminders()
    assert len(mail.outbox) == 2
    assert list(ReminderLog.objects.values_list("cycle", flat=True).order_by("cycle")) == [
        "2026-11-24", "2026-12-01"
    ]


def test_monthly_users_hear_from_us_a_calendar_month_later(db):
    user = due_user("monthly@example.com", frequency=Frequency.MONTHLY)
    send_reminders()
    assert preference(user).next_digest_at == datetime.datetime(2026, 12, 24, 9, tzinfo=UTC)


def test_nothing_due_means_no_email_and_another_look_tomorrow_at_the_users_hour(db):
    user = UserFactory(email="calm@example.com")
    account_for(user, 2)
    set_preference(user, time_zone="Europe/Berlin", hour=10,
                   next_digest_at=datetime.datetime(2026, 11, 24, 9, tzinfo=UTC))
    send_reminders()
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert preference(user).next_digest_at == datetime.datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_a_check_in_or_an_archived_account_shows_in_the_next_digest(db, time_machine):
    user = UserFactory(email="tidy@example.com")
    trading = account_for(user, 100, label="Trading")
    savings = account_for(user, 120, label="Savings")
    old = account_for(user, 130, label="Old")
    set_preference(user)
    send_reminders()
    assert {e["name"] for e in ReminderLog.objects.get().accounts} == {
        "Kraken – Trading", "Kraken – Savings", "Kraken – Old"
    }
    record_check_in(trading, TODAY + datetime.timedelta(days=1))
    archive_account(old)
    time_machine.move_to(NOW + datetime.timedelta(days=7), tick=False)
    send_reminders()
    latest = mail.outbox[-1]
    assert "Savings" in latest.body
    assert "Trading" not in latest.body and "Old" not in latest.body
    assert savings.pk in [e["id"] for e in ReminderLog.objects.first().accounts]


def test_the_digest_is_computed_when_it_is_sent_not_when_it_was_claimed(db):
    """With a worker backend there can be minutes between claim and send."""
    user = UserFactory(email="quick@example.com")
    account = account_for(user, 100)
    set_preference(user)
    batch = claim_batch(NOW)
    record_check_in(account, TODAY)  # the user logs in before the worker gets to it
    counts = deliver(batch.log_ids)
    assert (counts.sent, counts.skipped) == (0, 1)
    assert mail.outbox == []
    assert ReminderLog.objects.get().outcome == ReminderLog.Outcome.SKIPPED


def test_turning_reminders_off_after_the_claim_skips_the_email(db):
    user = due_user("changed-mind@example.com")
    batch = claim_batch(NOW)
    ReminderPreference.objects.filter(user=user).update(enabled=False)
    deliver(batch.log_ids)
    assert mail.outbox == []
    assert ReminderLog.objects.get().error.startswith("Reminders were turned off")


def test_users_without_a_verified_address_or_inactive_get_nothing(db):
    unverified = due_user("unverified@example.com")
    unverified.emailaddress_set.update(verified=False)
    inactive = due_user("gone@example.com")
    inactive.is_active = False
    inactive.save()
    run_sweep()
    assert mail.outbox == []
    assert list(ReminderLog.objects.values_list("outcome", flat=True)) == ["skipped"]


def test_disabled_preferences_are_never_looked_at(db):
    due_user("off@example.com", enabled=False)
    assert run_sweep().found == 0


# --- Dry run --------------------------------------------------------------------------


def test_dry_run_lists_who_would_get_what_and_changes_nothing(db):
    user = due_user("dry@example.com")
    before = preference(user).next_digest_at
    output = send_reminders("--dry-run")
    assert "dry@example.com [2026-11-24]: Kraken – Main (overdue)" in output
    assert "1 users due for a look, 1 would get a digest" in output
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert preference(user).next_digest_at == before


def test_dry_run_pages_through_more_users_than_one_batch(db):
    for n in range(5):
        due_user(f"page{n}@example.com")
    output = send_reminders("--dry-run", "--batch-size", "2")
    assert "5 users due for a look, 5 would get a digest" in output


# --- DST nights, with the clock pinned ------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "hour", "night_starts_utc", "expected_send_utc", "expected_next_utc"),
    [
        # New York falls back on 1 Nov 2026: 01:00 happens at 05:00 and 06:00 UTC.
        ("America/New_York", 1, datetime.datetime(2026, 11, 1, 3, tzinfo=UTC),
         datetime.datetime(2026, 11, 1, 5, tzinfo=UTC),
         datetime.datetime(2026, 11, 8, 6, tzinfo=UTC)),
        # New York springs forward on 8 Mar 2026: 02:00 doesn't exist, 03:00 EDT does.
        ("America/New_York", 2, datetime.datetime(2026, 3, 8, 4, tzinfo=UTC),
         datetime.datetime(2026, 3, 8, 7, tzinfo=UTC),
         datetime.datetime(2026, 3, 15, 6, tzinfo=UTC)),
        # London falls back on 25 Oct 2026: 01:00 BST and 01:00 GMT.
        ("Europe/London", 1, datetime.datetime(2026, 10, 24, 22, tzinfo=UTC),
         datetime.datetime(2026, 10, 25, 0, tzinfo=UTC),
         datetime.datetime(2026, 11, 1, 1, tzinfo=UTC)),
        # London springs forward on 29 Mar 2026: 01:00 GMT never happens.
        ("Europe/London", 1, datetime.datetime(2026, 3, 28, 22, tzinfo=UTC),
         datetime.datetime(2026, 3, 29, 1, tzinfo=UTC),
         datetime.datetime(2026, 4, 5, 0, tzinfo=UTC)),
        # Auckland springs forward on 27 Sep 2026: 02:00 NZST becomes 03:00 NZDT.
        ("Pacific/Auckland", 2, datetime.datetime(2026, 9, 26, 11, tzinfo=UTC),
         datetime.datetime(2026, 9, 26, 14, tzinfo=UTC),
         datetime.datetime(2026, 10, 3, 13, tzinfo=UTC)),
    ],
)
def test_a_sweep_every_quarter_hour_through_a_dst_night_sends_exactly_once(
    db, time_machine, zone_name, hour, night_starts_utc, expected_send_utc, expected_next_utc
):
    time_machine.move_to(night_starts_utc - datetime.timedelta(days=1), tick=False)
    user = UserFactory(email="night@example.com")
    account_for(user, 100, today=night_starts_utc.date())
    tz = zone(zone_name)
    set_preference(user, time_zone=zone_name, hour=hour,
                   next_digest_at=next_slot_after(night_starts_utc, hour, tz))
    sends = []
    for quarter in range(6 * 4):
        moment = night_starts_utc + datetime.timedelta(minutes=15 * quarter)
        time_machine.move_to(moment, tick=False)
        before = len(mail.outbox)
        send_reminders()
        if len(mail.outbox) > before:
            sends.append(moment)
    assert sends == [expected_send_utc]
    assert preference(user).next_digest_at == expected_next_utc
    assert ReminderLog.objects.get().cycle == expected_send_utc.astimezone(tz).date().isoformat()


# --- Efficiency ------------------------------------------------------------------------


def sweep_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        report = run_sweep()
    assert report.delivery.sent >= 1
    return len(queries)


def test_queries_per_digest_do_not_grow_with_the_number_of_accounts(db, time_machine):
    small = due_user("small@example.com")
    small_queries = sweep_queries()
    ReminderPreference.objects.filter(user=small).update(next_digest_at=None)

    big = UserFactory(email="big@example.com")
    for n in range(25):
        account_for(big, 100 + n, label=f"Account {n}")
    set_preference(big)
    assert sweep_queries() == small_queries


def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_number_of_digests(db):
    for n in range(3):
        due_user(f"three{n}@example.com")
    three = sweep_queries()
    for n in range(13):
        due_user(f"thirteen{n}@example.com", next_digest_at=NOW)
    thirteen = sweep_queries()
    # Outcomes are written in one UPDATE per FLUSH_EVERY_MESSAGES emails, not per email.
    assert thirteen == three
    # Fixed: the open-row scan, one claim transaction (select, accounts, bulk update,
    # bulk insert, savepoints) and one delivery batch (lease, logs, accounts, addresses,
    # one outcome UPDATE; on PostgreSQL also SET/RESET synchronous_commit).
    assert three <= 18


def test_outcomes_are_written_once_per_flush_of_fifty_emails(db):
    from reminders.sending import FLUSH_EVERY_MESSAGES

    for n in range(FLUSH_EVERY_MESSAGES):
        due_user(f"fifty{n}@example.com")
    fifty = sweep_queries()
    for n in range(FLUSH_EVERY_MESSAGES + 1):
        due_user(f"fifty-one{n}@example.com", next_digest_at=NOW)
    assert sweep_queries() == fifty + 1


# --- The loop -------------------------------------------------------------------------


def test_loop_stops_cleanly_after_the_current_sweep_on_sigterm(db, monkeypatch):
    """In-process: the handler is installed, a signal mid-loop ends it with exit 0."""
    due_user("loop@example.com")
    sweeps = []
    import reminders.management.commands.send_reminders as command

    real_run = command.sweep.run_sweep

    def run_and_signal(**kwargs):
        report = real_run(**kwargs)
        sweeps.append(report)
        if len(sweeps) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return report

    monkeypatch.setattr(command.sweep, "run_sweep", run_and_signal)
    previous = signal.getsignal(signal.SIGTERM)
    output = send_reminders("--loop", "--interval", "1")
    assert len(sweeps) == 2
    assert "Got SIGTERM: stopping after this sweep." in output
    assert output.rstrip().endswith("Stopped cleanly.")
    assert signal.getsignal(signal.SIGTERM) == previous
    assert len(mail.outbox) == 1


def test_loop_as_a_real_process_exits_0_on_sigint(tmp_path):
    """A real `send_reminders --loop` on a throwaway SQLite file, whatever the test DB."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'loop.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    manage = [sys.executable, str(PROJECT_ROOT / "manage.py")]
    subprocess.run(  # noqa: S603 - our own manage.py
        [*manage, "migrate", "-v", "0"], env=env, check=True, timeout=120
    )
    process = subprocess.Popen(  # noqa: S603
        [*manage, "send_reminders", "--loop", "--interval", "60"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    started = threading.Event()

    def wait_for_first_sweep(lines: list[str]):
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Done:"):
                started.set()

    lines: list[str] = []
    reader = threading.Thread(target=wait_for_first_sweep, args=(lines,), daemon=True)
    reader.start()
    assert started.wait(60), "".join(lines)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    reader.join(5)
    assert "Stopped cleanly." in "".join(lines)
