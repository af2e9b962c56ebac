"""State changes on a user's reminder preferences, kept out of views so the sweep, the
signal that enrols new account owners and the unsubscribe link share them."""

import datetime

from django.conf import settings

from . import schedule, tokens
from .models import DEFAULT_HOUR, ReminderPreference


def default_zone_name() -> str:
    name = settings.TIME_ZONE
    return name if name in schedule.known_zone_names() else schedule.FALLBACK_ZONE


def new_preference(user_id: int, now: datetime.datetime) -> ReminderPreference:
    """Unsaved defaults: reminders on, first look at the default hour after `now`."""
    zone_name = default_zone_name()
    return ReminderPreference(
        user_id=user_id,
        time_zone=zone_name,
        hour=DEFAULT_HOUR,
        next_digest_at=schedule.next_slot_after(now, DEFAULT_HOUR, schedule.zone(zone_name)),
    )


def preference_for(user, now: datetime.datetime) -> ReminderPreference:
    """The user's preferences, created with defaults on first use."""
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        pass
    enrol(user.pk, now)
    return ReminderPreference.objects.get(user=user)


def enrol(user_id: int, now: datetime.datetime) -> None:
    """Make sure the user has preferences (one INSERT that ignores an existing row)."""
    ReminderPreference.objects.bulk_create([new_preference(user_id, now)], ignore_conflicts=True)


def save_settings(
    preference: ReminderPreference, previous: ReminderPreference, now: datetime.datetime
) -> None:
    """Save edited preferences; a new hour, zone or re-enabling moves the next look."""
    if not preference.enabled:
        preference.next_digest_at = None
    elif (
        not previous.enabled
        or preference.next_digest_at is None
        or (preference.hour, preference.time_zone) != (previous.hour, previous.time_zone)
    ):
        current = preference.next_digest_at if previous.enabled else None
        preference.next_digest_at = schedule.rescheduled(
            current, now, preference.hour, preference.zone
        )
    if preference.enabled:
        preference.unsubscribed_at = None
    preference.save()


def unsubscribe(preference: ReminderPreference, now: datetime.datetime) -> None:
    """Stop digests (idempotent: a second click keeps the first date)."""
    preference.enabled = False
    preference.next_digest_at = None
    preference.unsubscribed_at = preference.unsubscribed_at or now
    preference.save(update_fields=["enabled", "next_digest_at", "unsubscribed_at", "updated_at"])


def resubscribe(preference: ReminderPreference, now: datetime.datetime) -> None:
    preference.enabled = True
    preference.unsubscribed_at = None
    preference.next_digest_at = schedule.next_slot_after(now, preference.hour, preference.zone)
    preference.save(update_fields=["enabled", "next_digest_at", "unsubscribed_at", "updated_at"])


def create_feed_token(preference: ReminderPreference, now: datetime.datetime) -> str:
    """A fresh calendar token; any earlier feed URL stops working at once."""
    token = tokens.new_feed_token()
    preference.feed_token_hash = tokens.feed_token_hash(token)
    preference.feed_created_at = now
    preference.save(update_fields=["feed_token_hash", "feed_created_at", "updated_at"])
    return token


def disable_feed(preference: ReminderPreference) -> None:
    preference.feed_token_hash = None
    preference.feed_created_at = None
    preference.save(update_fields=["feed_token_hash", "feed_created_at", "updated_at"])
