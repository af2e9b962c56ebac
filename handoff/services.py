"""Every change to a quiet plan, each recorded as a security event of the owner's.

Views, signals and the sweep call these; nothing else writes the handoff's rows.
"""

import datetime

from django.db import transaction
from django.db.models import F

from accounts.secret_detection import mask_login_hint
from security.events import record
from security.models import SecurityEvent

from . import notify, tokens
from .models import HandoffOpen, QuietPlan, TrustedContact

Kind = SecurityEvent.Kind
# Activity this close to the last one changes nothing worth a write (an import records
# hundreds of check-ins in one go); "I'm here" always counts.
ACTIVITY_RESOLUTION = datetime.timedelta(hours=1)


def plan_of(user) -> QuietPlan | None:
    return QuietPlan.objects.filter(owner=user).first()


def _restart(plan: QuietPlan, now: datetime.datetime) -> None:
    """A new quiet period from `now`, in a new epoch (so its warnings can go out again)."""
    plan.last_active_at = now
    plan.epoch = F("epoch") + 1
    plan.state = QuietPlan.State.ARMED
    plan.next_action_at = None
    plan.save()
    plan.refresh_from_db()
    plan.next_action_at = plan.next_action_after(now)
    plan.save(update_fields=["next_action_at"])


def save_plan(request, plan: QuietPlan, now: datetime.datetime) -> QuietPlan:
    """Save the owner's settings; saving is also activity, so the period starts now."""
    created = plan.pk is None
    if created:
        plan.save()
    _end_access(plan, now)
    _restart(plan, now)
    record(request, plan.owner, Kind.QUIET_PLAN_SAVED, days=plan.quiet_days, new=created)
    return plan


def cancel_plan(request, plan: QuietPlan, now: datetime.datetime) -> None:
    _end_access(plan, now)
    QuietPlan.objects.filter(pk=plan.pk).update(
        state=QuietPlan.State.CANCELLED, next_action_at=None, epoch=F("epoch") + 1,
    )
    record(request, plan.owner, Kind.QUIET_PLAN_CANCELLED)


def add_contact(request, plan: QuietPlan, email: str, now: datetime.datetime) -> TrustedContact:
    contact = TrustedContact.objects.create(plan=plan, email=email, created_at=now)
    record(request, plan.owner, Kind.QUIET_CONTACT_ADDED, contact=mask_login_hint(email))
    notify.ask_contact_to_confirm(contact)
    return contact


def remove_contact(request, contact: TrustedContact) -> None:
    contact.delete()
    record(request, contact.plan.owner, Kind.QUIET_CONTACT_REMOVED,
           contact=mask_login_hint(contact.email))


def confirm_contact(request, contact: TrustedContact, now: datetime.datetime) -> bool:
    """Mark the contact confirmed; False when they already were (nothing recorded)."""
    updated = TrustedContact.objects.filter(pk=contact.pk, confirmed_at__isnull=True).update(
        confirmed_at=now
    )
    if updated:
        record(request, contact.plan.owner, Kind.QUIET_CONTACT_CONFIRMED,
               contact=mask_login_hint(contact.email))
    return bool(updated)


def note_activity(user, now: datetime.datetime, request=None, still_here: bool = False) -> None:
    """The owner did something (signed in, recorded a check-in, said "I'm here"): the
    quiet period starts again. After a handoff, the contacts' access ends."""
    with transaction.atomic():
        plan = QuietPlan.objects.select_for_update().filter(owner=user).first()
        if plan is None or plan.state == QuietPlan.State.CANCELLED:
            return
        recent = now - plan.last_active_at < ACTIVITY_RESOLUTION
        if plan.state == QuietPlan.State.ARMED and recent and not still_here:
            return
        returned = plan.state == QuietPlan.State.HANDED_OFF
        if returned:
            _end_access(plan, now)
        _restart(plan, now)
    if returned:
        record(request, user, Kind.QUIET_OWNER_RETURNED)
    elif still_here:
        record(request, user, Kind.QUIET_STILL_HERE)


def _end_access(plan: QuietPlan, now: datetime.datetime) -> None:
    plan.contacts.filter(access_token_hash__isnull=False).update(
        access_token_hash=None, access_ended_at=now
    )


def contact_for_access_token(token: str, now: datetime.datetime) -> TrustedContact | None:
    """The contact this handoff link belongs to, while it still opens the page."""
    return (
        TrustedContact.objects.select_related("plan__owner")
        .filter(
            access_token_hash=tokens.access_token_hash(token),
            access_expires_at__gt=now,
            plan__state=QuietPlan.State.HANDED_OFF,
        )
        .first()
    )


def record_open(request, contact: TrustedContact, now: datetime.datetime) -> None:
    HandoffOpen.objects.create(contact=contact, opened_at=now)
    record(request, contact.plan.owner, Kind.QUIET_HANDOFF_OPENED,
           contact=mask_login_hint(contact.email))
