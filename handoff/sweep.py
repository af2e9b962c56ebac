"""The quiet-period sweep: warnings at 30, 7 and 1 days, then the handoff.

Scans the `next_action_at` index only. Every email is claimed first: a `QuietClaim` row,
unique per (plan, what, epoch), inserted in its own transaction; a sweeper whose insert
fails lost the race and sends nothing. The handoff's claim also moves the plan to
"handed off" with a conditional UPDATE on the epoch it read, so an owner who came back a
moment earlier (a new epoch) is never handed off.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from security.events import record
from security.models import SecurityEvent

from . import notify, tokens
from .models import WARNING_DAYS, QuietClaim, QuietPlan

logger = logging.getLogger(__name__)
BATCH_SIZE = 200


@dataclass
class QuietSweepReport:
    warnings: int = 0
    handoffs: int = 0
    contacts_sent: int = 0
    failed: int = 0

    def summary(self) -> str:
        return (f"{self.warnings} warnings, {self.handoffs} handoffs to "
                f"{self.contacts_sent} contacts, {self.failed} failed sends")


def _claim(plan: QuietPlan, what: str, now: datetime.datetime) -> QuietClaim | None:
    try:
        with transaction.atomic():
            return QuietClaim.objects.create(plan=plan, what=what, epoch=plan.epoch, claimed_at=now)
    except IntegrityError:
        return None


def _mark(claim: QuietClaim, now: datetime.datetime, error: str = "") -> None:
    QuietClaim.objects.filter(pk=claim.pk).update(sent_at=None if error else now, error=error[:200])


def _due_warning(plan: QuietPlan, now: datetime.datetime) -> int | None:
    """The most urgent warning whose time has come (a sweep that missed the 30-day one
    for a week sends the 7-day one only)."""
    left = plan.ends_at - now
    reached = [days for days in WARNING_DAYS if left <= datetime.timedelta(days=days)]
    return min(reached) if reached else None


def _warn(plan: QuietPlan, days: int, now: datetime.datetime, report: QuietSweepReport) -> None:
    claim = _claim(plan, f"warn-{days}", now)
    if claim is None:
        return
    try:
        notify.warn_owner(plan, plan.days_left(now))
    except Exception as error:  # noqa: BLE001 - logged on the claim, the sweep goes on
        logger.exception("Quiet warning to plan %s failed", plan.pk)
        _mark(claim, now, repr(error))
        report.failed += 1
        return
    _mark(claim, now)
    report.warnings += 1
    record(None, plan.owner, SecurityEvent.Kind.QUIET_WARNING_SENT, days=days)


def _hand_off(plan: QuietPlan, now: datetime.datetime, report: QuietSweepReport) -> None:
    with transaction.atomic():
        claim = _claim(plan, "handoff", now)
        if claim is None:
            return
        moved = QuietPlan.objects.filter(
            pk=plan.pk, epoch=plan.epoch, state=QuietPlan.State.ARMED
        ).update(state=QuietPlan.State.HANDED_OFF, handed_off_at=now, next_action_at=None)
        if not moved:  # the owner came back (or cancelled) after we read the plan
            transaction.set_rollback(True)
            return
        sends = []
        for contact in plan.contacts.filter(confirmed_at__isnull=False):
            token = tokens.new_access_token()
            contact.access_token_hash = tokens.access_token_hash(token)
            contact.access_expires_at = now + tokens.ACCESS_LIFETIME
            contact.access_ended_at = None
            contact.save(
                update_fields=["access_token_hash", "access_expires_at", "access_ended_at"]
            )
            sends.append((contact, token))
    errors = []
    for contact, token in sends:
        try:
            notify.send_handoff(contact, token)
            report.contacts_sent += 1
        except Exception as error:  # noqa: BLE001
            logger.exception("Handoff email for plan %s failed", plan.pk)
            errors.append(repr(error))
            report.failed += 1
    _mark(claim, now, "; ".join(errors))
    report.handoffs += 1
    record(None, plan.owner, SecurityEvent.Kind.QUIET_HANDOFF_SENT, contacts=len(sends))


def run_quiet_sweep(
    now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> QuietSweepReport:
    now = now or timezone.now()
    report = QuietSweepReport()
    due = (
        QuietPlan.objects.filter(state=QuietPlan.State.ARMED, next_action_at__lte=now)
        .select_related("owner").order_by("next_action_at")[:batch_size]
    )
    for plan in due:
        if now >= plan.ends_at:
            _hand_off(plan, now, report)
        elif (days := _due_warning(plan, now)) is not None:
            _warn(plan, days, now, report)
        # Look again at the next warning or the end (only if nobody restarted it since).
        QuietPlan.objects.filter(pk=plan.pk, epoch=plan.epoch, state=QuietPlan.State.ARMED).update(
            next_action_at=plan.next_action_after(now)
        )
    return report
