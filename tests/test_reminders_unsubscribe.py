"""Unsubscribing from an email: a confirm page on GET, the RFC 8058 one-click POST
without a login or CSRF token, and refusals for tampered or foreign tokens."""

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from reminders.models import ReminderPreference
from reminders.sweep import run_sweep
from reminders.tokens import unsubscribe_token
from tests.test_reminders_support import NOW, due_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def subscriber(db):
    return due_user("subscriber@example.com")


@pytest.fixture
def csrf_client():
    """Like a browser or a mail provider: CSRF checks on, no session."""
    return Client(enforce_csrf_checks=True)


def confirm_url(token: str) -> str:
    return reverse("reminder_unsubscribe", args=[token])


def one_click_url(token: str) -> str:
    return reverse("reminder_unsubscribe_one_click", args=[token])


def is_subscribed(user) -> bool:
    return ReminderPreference.objects.get(user=user).enabled


def test_the_emails_link_shows_a_confirm_page_and_changes_nothing(subscriber, csrf_client):
    run_sweep()
    link = re.search(r"Stop these emails: (\S+)", mail.outbox[0].body).group(1)
    path = link.removeprefix("https://guard.example.com")
    response = csrf_client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop reminder emails?" in page and "s***@example.com" in page
    assert "subscriber@example.com" not in page
    assert is_subscribed(subscriber)


def test_the_confirm_page_button_unsubscribes_without_signing_in(subscriber, csrf_client):
    url = confirm_url(unsubscribe_token(subscriber.pk))
    page = csrf_client.get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    response = csrf_client.post(url, {"csrfmiddlewaretoken": csrf.group(1)})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    preference = ReminderPreference.objects.get(user=subscriber)
    assert (preference.enabled, preference.next_digest_at) == (False, None)
    assert preference.unsubscribed_at == NOW


def test_the_confirm_form_itself_is_csrf_protected(subscriber, csrf_client):
    response = csrf_client.post(confirm_url(unsubscribe_token(subscriber.pk)))
    assert response.status_code == 403
    assert is_subscribed(subscriber)


def test_one_click_post_from_a_mail_provider_unsubscribes(subscriber, csrf_client):
    run_sweep()
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = header.strip("<>").removeprefix("https://guard.example.com")
    response = csrf_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not is_subscribed(subscriber)


def test_after_unsubscribing_no_more_digests_arrive(subscriber, csrf_client):
    csrf_client.post(one_click_url(unsubscribe_token(subscriber.pk)))
    assert run_sweep().found == 0
    assert mail.outbox == []


def test_one_click_twice_is_harmless(subscriber, csrf_client):
    url = one_click_url(unsubscribe_token(subscriber.pk))
    assert csrf_client.post(url).status_code == 200
    assert csrf_client.post(url).status_code == 200
    assert not is_subscribed(subscriber)


def test_opening_the_one_click_url_in_a_browser_asks_first(subscriber, csrf_client):
    token = unsubscribe_token(subscriber.pk)
    response = csrf_client.get(one_click_url(token))
    assert response.status_code == 302 and response.url == confirm_url(token)
    assert is_subscribed(subscriber)


def tampered(token: str) -> str:
    head, signature = token.rsplit(":", 1)
    return f"{head}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def forged_for(user_id: int) -> str:
    """Signed with the same key but another salt (e.g. copied from another feature)."""
    return signing.dumps({"u": user_id}, salt="some.other.feature", compress=True)


@pytest.mark.parametrize("make_token", [
    lambda user: tampered(unsubscribe_token(user.pk)),
    lambda user: forged_for(user.pk),
    lambda user: signing.dumps({"u": user.pk}, key="another-site-secret-key-" * 3,
                               salt="reminders.unsubscribe"),
    lambda user: unsubscribe_token(user.pk).replace(":", "", 1),
    lambda user: "garbage",
    lambda user: unsubscribe_token(987654),  # a user that doesn't exist
])
@pytest.mark.parametrize("view", ["reminder_unsubscribe", "reminder_unsubscribe_one_click"])
def test_tampered_or_foreign_tokens_are_refused_with_a_clear_page(
    subscriber, csrf_client, make_token, view
):
    url = reverse(view, args=[make_token(subscriber)])
    for response in (csrf_client.get(url), csrf_client.post(url)):
        if view == "reminder_unsubscribe" and response.request["REQUEST_METHOD"] == "POST":
            assert response.status_code in (400, 403)  # CSRF may answer first
            continue
        assert response.status_code == 400
        assert "This unsubscribe link isn't valid" in response.content.decode()
    assert is_subscribed(subscriber)


def test_a_token_for_another_user_unsubscribes_that_user_only(subscriber, csrf_client):
    other = due_user("other@example.com")
    csrf_client.post(one_click_url(unsubscribe_token(other.pk)))
    assert is_subscribed(subscriber) and not is_subscribed(other)


def test_a_signed_in_owner_can_still_use_the_link(owner, owner_client):
    """The link acts for the user it names, whoever is signed in on this browser."""
    owner_client.post(one_click_url(unsubscribe_token(owner.pk)))
    assert not ReminderPreference.objects.get(user=owner).enabled


def test_resubscribing_from_settings_after_the_one_click(subscriber, csrf_client):
    csrf_client.post(one_click_url(unsubscribe_token(subscriber.pk)))
    client = Client()
    client.force_login(subscriber)
    client.post(reverse("reminder_resubscribe"))
    assert is_subscribed(subscriber)
