"""Admin: reminder logs are read-only (only a superuser deletes); preferences are visible
to support without revealing the user's email safety phrase."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from reminders.models import ReminderLog
from tests.conftest import sign_in_staff
from tests.factories import UserFactory
from tests.test_reminders_support import NOW, due_user, set_preference

pytestmark = pytest.mark.django_db


def client_for(**flags) -> Client:
    """A staff member with two-factor authentication set up (the admin requires it)."""
    client = Client()
    staff = UserFactory.create(email=f"staff-{len(flags)}@example.com", is_staff=True, **flags)
    TOTP.activate(staff, generate_totp_secret())
    if not flags.get("is_superuser"):
        staff.user_permissions.set(
            Permission.objects.filter(content_type__app_label="reminders")
        )
    return sign_in_staff(client, staff)


@pytest.fixture
def superuser_client():
    return client_for(is_superuser=True)


@pytest.fixture
def staff_client():
    """Staff with every reminders permission, but not a superuser."""
    return client_for()


@pytest.fixture
def logs():
    sent = ReminderLog.objects.create(
        user=due_user("sent@example.com"), cycle="2026-11-24", claimed_at=NOW,
        outcome=ReminderLog.Outcome.SENT, sent_at=NOW,
    )
    failed = ReminderLog.objects.create(
        user=due_user("bounced@example.com"), cycle="2026-11-24", claimed_at=NOW,
        outcome=ReminderLog.Outcome.FAILED, error="550 no such user",
    )
    return sent, failed


def test_the_log_list_filters_by_outcome_and_searches_by_email(superuser_client, logs):
    url = reverse("admin:reminders_reminderlog_changelist")
    page = superuser_client.get(url, {"outcome__exact": "failed"}).content.decode()
    assert "bounced@example.com" in page and "sent@example.com" not in page
    page = superuser_client.get(url, {"q": "sent@"}).content.decode()
    assert "sent@example.com" in page and "bounced@example.com" not in page


def test_logs_cannot_be_added_or_changed_even_by_a_superuser(superuser_client, logs):
    sent, _ = logs
    assert superuser_client.get(reverse("admin:reminders_reminderlog_add")).status_code == 403
    change = reverse("admin:reminders_reminderlog_change", args=[sent.pk])
    page = superuser_client.get(change)
    assert page.status_code == 200  # a read-only view
    assert 'name="outcome"' not in page.content.decode()
    superuser_client.post(change, {"outcome": "failed"})
    sent.refresh_from_db()
    assert sent.outcome == "sent"


def test_only_a_superuser_may_delete_a_log(superuser_client, staff_client, logs):
    sent, failed = logs
    assert staff_client.post(
        reverse("admin:reminders_reminderlog_delete", args=[sent.pk]), {"post": "yes"}
    ).status_code == 403
    assert ReminderLog.objects.filter(pk=sent.pk).exists()
    superuser_client.post(
        reverse("admin:reminders_reminderlog_delete", args=[sent.pk]), {"post": "yes"}
    )
    assert not ReminderLog.objects.filter(pk=sent.pk).exists()


def test_the_preference_admin_never_shows_the_safety_phrase(superuser_client):
    user = due_user("phrase@example.com")
    preference = set_preference(user, safety_phrase="violet walrus")
    changelist = superuser_client.get(reverse("admin:reminders_reminderpreference_changelist"))
    assert "phrase@example.com" in changelist.content.decode()
    change = superuser_client.get(
        reverse("admin:reminders_reminderpreference_change", args=[preference.pk])
    )
    assert change.status_code == 200
    assert "violet walrus" not in change.content.decode()
    assert "violet walrus" not in changelist.content.decode()


def test_channels_are_read_only_in_the_admin_and_never_show_the_url(staff_client):
    from reminders import channels
    from reminders.models import Channel, ChannelKind

    url = "tgram://123456789:AAtokenSecretPart/987"
    channel = Channel.objects.create(
        user=due_user("chan@example.com"), kind=ChannelKind.APPRISE, name="Phone",
        url_encrypted=channels.encrypt_url(url), url_hint=channels.mask_url(url),
        last_error="The service answered HTTP 404.",
    )
    listing = staff_client.get(reverse("admin:reminders_channel_changelist"))
    detail = staff_client.get(reverse("admin:reminders_channel_change", args=[channel.pk]))
    for response in (listing, detail):
        assert response.status_code == 200
        content = response.content.decode()
        assert "tgram://…" in content
        assert "AAtokenSecretPart" not in content and channel.url_encrypted not in content
    assert "The service answered HTTP 404." in detail.content.decode()
    assert staff_client.post(
        reverse("admin:reminders_channel_change", args=[channel.pk]), {"name": "Changed"}
    ).status_code == 403
    channel.refresh_from_db()
    assert channel.name == "Phone"
