"""Two sweepers racing send each warning and each handoff exactly once.

On every database: two sweepers that read the same plan before either claimed it (the
race, replayed step by step) insert one claim row between them. On PostgreSQL: real
threads, each with its own connection, started together over committed rows."""

from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from handoff import sweep
from handoff.models import QuietClaim, QuietPlan
from handoff.sweep import QuietSweepReport, run_quiet_sweep
from tests.factories import UserFactory
from tests.handoff_support import CONTACTS, DAY, T0, armed_plan
from tests.racing import run_racing


@pytest.mark.django_db
def test_a_claim_is_inserted_once_per_plan_what_and_epoch(owner):
    plan = armed_plan(owner)
    assert sweep._claim(plan, "warn-30", T0) is not None
    assert sweep._claim(plan, "warn-30", T0) is None
    assert sweep._claim(plan, "warn-7", T0) is not None
    plan.epoch += 1  # the owner came back: a new period may warn again
    assert sweep._claim(plan, "warn-30", T0) is not None
    assert QuietClaim.objects.count() == 3


@pytest.mark.django_db
def test_two_sweepers_holding_the_same_stale_plan_warn_once(owner, time_machine):
    plan = armed_plan(owner)
    at = T0 + 60 * DAY
    time_machine.move_to(at, tick=False)
    first, second = QuietPlan.objects.get(), QuietPlan.objects.get()  # both read first
    report = QuietSweepReport()
    sweep._warn(first, 30, at, report)
    sweep._warn(second, 30, at, report)
    assert report.warnings == 1 and len(mail.outbox) == 1
    assert plan.pk == first.pk


@pytest.mark.django_db
def test_two_sweepers_holding_the_same_stale_plan_hand_off_once(owner, time_machine):
    armed_plan(owner)
    end = T0 + 90 * DAY
    time_machine.move_to(end, tick=False)
    first, second = QuietPlan.objects.get(), QuietPlan.objects.get()
    report = QuietSweepReport()
    sweep._hand_off(first, end, report)
    sweep._hand_off(second, end, report)
    assert report.handoffs == 1
    assert Counter(m.to[0] for m in mail.outbox) == dict.fromkeys(CONTACTS, 1)


@pytest.mark.django_db
def test_an_owner_back_after_the_sweep_read_the_plan_is_not_handed_off(owner, time_machine):
    from handoff import services

    armed_plan(owner)
    end = T0 + 90 * DAY
    time_machine.move_to(end, tick=False)
    stale = QuietPlan.objects.get()
    services.note_activity(owner, end)  # signs in a moment before the sweeper acts
    sweep._hand_off(stale, end, QuietSweepReport())
    assert mail.outbox == []
    assert QuietPlan.objects.get().state == QuietPlan.State.ARMED
    assert not QuietClaim.objects.filter(what="handoff").exists()


PLANS = 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time, so threads can't race there. Run with "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
)
@pytest.mark.parametrize("days_in", [60, 90], ids=["warning", "handoff"])
def test_two_sweeper_threads_send_each_email_exactly_once(time_machine, days_in):
    time_machine.move_to(T0, tick=False)
    owners = [UserFactory(email=f"race{n}@example.com") for n in range(PLANS)]
    for n, user in enumerate(owners):
        armed_plan(user, contacts=[f"c{n}a@example.net", f"c{n}b@example.net"])
    at = T0 + days_in * DAY
    time_machine.move_to(at, tick=False)
    reports = run_racing(lambda: run_quiet_sweep(now=at))
    recipients = Counter(m.to[0] for m in mail.outbox)
    if days_in == 60:
        assert recipients == {user.email: 1 for user in owners}
        assert sum(r.warnings for r in reports) == PLANS
    else:
        assert len(recipients) == 2 * PLANS and set(recipients.values()) == {1}
        assert sum(r.handoffs for r in reports) == PLANS
    assert all(r.warnings + r.handoffs < 2 * PLANS for r in reports)
