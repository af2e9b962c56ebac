"""Privacy: the public notice, the data export and account deletion.

Export and deletion require a recent reauthentication (allauth's
`reauthentication_required`); tests mark a session as reauthenticated with allauth's own
helper rather than writing its session keys by hand.
"""

import datetime
import hashlib
import json

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExchangeAccount
from checklists.models import StepProgress, Walkthrough
from reminders.models import ReminderLog, ReminderPreference
from security.events import record
from security.models import SecurityEvent
from tests.conftest import reauthenticate
from tests.factories import DEFAULT_PASSWORD, CheckInFactory, ExchangeAccountFactory
from tests.test_url_access import build_world, html_pages

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
PROTECTED = ["data_export", "delete_me"]


def populate(user, tag: str) -> dict:
    """One of everything the app can hold about a user, each marked with `tag`."""
    account = ExchangeAccountFactory.create(
        owner=user, label=f"{tag}-label", notes=f"{tag}-notes"
    )
    CheckInFactory(account=account)
    walkthrough = Walkthrough.objects.create(account=account, knows_password=True)
    StepProgress.objects.create(
        walkthrough=walkthrough, step=None, step_title=f"{tag}-step", state="done"
    )
    feed_hash = hashlib.sha256(f"{tag}-feed".encode()).hexdigest()
    # The reminders app may already have enrolled the owner of a new account.
    ReminderPreference.objects.update_or_create(
        user=user, defaults={"safety_phrase": f"{tag}-phrase", "feed_token_hash": feed_hash}
    )
    ReminderLog.objects.create(
        user=user, cycle=f"{tag}-cycle", claimed_at=timezone.now(), lease_token=f"{tag}lease"
    )
    EmailAddress.objects.create(user=user, email=f"{tag}-second@example.com")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user)
    UserSession.objects.create(
        user=user, ip="198.51.100.1", session_key=f"{tag}-session-key", user_agent=f"{tag}-ua"
    )
    record(RequestFactory().get("/", REMOTE_ADDR="192.0.2.44"), user, Kind.LOGIN)
    return {
        "totp_secret": secret,
        "recovery_codes": codes.get_unused_codes(),
        "feed_hash": feed_hash,
        "authenticator_data": [
            json.dumps(a.data) for a in Authenticator.objects.filter(user=user)
        ],
    }


def related_counts(user_ids: list[int]) -> dict[str, int]:
    """Rows in every model that points at these users, their exchange accounts or
    walkthroughs (found by introspection), plus their rows in the session store."""
    User = get_user_model()
    account_ids = list(
        ExchangeAccount.objects.filter(owner_id__in=user_ids).values_list("id", flat=True)
    )
    walkthrough_ids = list(
        Walkthrough.objects.filter(account_id__in=account_ids).values_list("id", flat=True)
    )
    targets = {User: user_ids, ExchangeAccount: account_ids, Walkthrough: walkthrough_ids}
    counts = {"users.User": User.objects.filter(pk__in=user_ids).count()}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in targets:
                key = f"{model._meta.label}.{field.name}"
                counts[key] = model._default_manager.filter(
                    **{f"{field.name}__in": targets[field.related_model]}
                ).count()
    counts["sessions.Session"] = sum(
        1 for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") in {str(i) for i in user_ids}
    )
    return counts


def export(client) -> dict:
    response = client.post(reverse("data_export"))
    assert response.status_code == 200
    return json.loads(response.content)


# --- Privacy notice -------------------------------------------------------------------


def test_privacy_page_is_public_and_plain(anon_client):
    response = anon_client.get(reverse("privacy"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "never any secret" in html
    for stored in ("hash", "encrypted", "Check-ins", "Walkthrough progress",
                   "Reminder preferences", "IP address", "user agent"):
        assert stored in html


def test_privacy_page_is_linked_from_every_page_footer(owner, other_user):
    pages = html_pages(build_world(owner, other_user))
    assert {"/", reverse("dashboard"), reverse("account_login")} <= set(pages)
    link = f'href="{reverse("privacy")}"'
    without = [url for url, html in pages.items() if link not in footer(html)]
    assert without == []


def footer(html: str) -> str:
    start = html.find('<footer class="site-footer">')
    return html[start:html.find("</footer>", start)] if start >= 0 else ""


def test_user_menu_links_to_the_security_pages(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    for name in ("security_events", "data_export", "delete_me"):
        assert f'href="{reverse(name)}"' in html


# --- Access: sign-in and reauthentication ---------------------------------------------


@pytest.mark.parametrize("name", PROTECTED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(anon_client, name, method):
    response = getattr(anon_client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PROTECTED)
def test_a_signed_in_session_must_reauthenticate_first(owner_client, owner, name):
    response = owner_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert f"next={reverse(name).replace('/', '%2F')}" in response["Location"]


def test_export_is_not_given_without_reauthentication(owner_client, owner):
    populate(owner, "own")
    response = owner_client.post(reverse("data_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert b"own-label" not in response.content
    assert not SecurityEvent.objects.filter(kind=Kind.DATA_EXPORTED).exists()


def test_delete_is_refused_without_reauthentication(owner_client, owner):
    response = owner_client.post(reverse("delete_me"), {"email": owner.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert get_user_model().objects.filter(pk=owner.pk).exists()


@pytest.mark.parametrize("name", PROTECTED)
def test_a_recent_reauthentication_lets_the_user_in(owner_client, owner, name):
    reauthenticate(owner_client, owner)
    assert owner_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PROTECTED)
def test_reauthentication_expires(owner_client, owner, name):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        reauthenticate(owner_client, owner)
        clock.shift(datetime.timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1))
        response = owner_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_reauthenticating_with_the_password_opens_the_export(owner_client, owner):
    url = reverse("data_export")
    response = owner_client.post(
        f"{reverse('account_reauthenticate')}?next={url}", {"password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert owner_client.get(url).status_code == 200


def test_a_wrong_password_does_not_reauthenticate(owner_client, owner):
    url = reverse("data_export")
    owner_client.post(f"{reverse('account_reauthenticate')}?next={url}", {"password": "nope"})
    assert owner_client.get(url).status_code == 302


# --- Export ---------------------------------------------------------------------------


def test_export_page_explains_and_offers_a_post_button(owner_client, owner):
    reauthenticate(owner_client, owner)
    populate(owner, "own")
    response = owner_client.get(reverse("data_export"))
    html = response.content.decode()
    assert '<form method="post"' in html and "Download my data" in html
    assert "Exchange accounts: <strong>1</strong>" in html
    assert not SecurityEvent.objects.filter(kind=Kind.DATA_EXPORTED).exists()  # GET: nothing


def test_export_is_a_json_download_that_is_not_cached(owner_client, owner):
    reauthenticate(owner_client, owner)
    response = owner_client.post(reverse("data_export"))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="dormant-guard-data-')
    assert "no-store" in response["Cache-Control"]


def test_export_holds_everything_about_the_owner(owner_client, owner, other_user):
    reauthenticate(owner_client, owner)
    populate(owner, "own")
    data = export(owner_client)

    assert data["user"]["email"] == owner.email
    assert {a["email"] for a in data["email_addresses"]} == {owner.email, "own-second@example.com"}
    assert sorted(m["type"] for m in data["two_factor_methods"]) == ["recovery_codes", "totp"]
    [account] = data["exchange_accounts"]
    assert account["label"] == "own-label" and account["notes"] == "own-notes"
    # All of the account's own fields, including the yes/no password answers.
    for field in ExchangeAccount._meta.concrete_fields:
        if field.name != "owner":
            assert field.attname in account
    assert len(account["check_ins"]) == 1
    assert account["walkthroughs"][0]["progress"][0]["step_title"] == "own-step"
    assert data["reminders"]["preference"]["safety_phrase"] == "own-phrase"
    assert data["reminders"]["preference"]["has_calendar_feed"] is True
    assert data["reminders"]["emails"][0]["cycle"] == "own-cycle"
    assert data["signed_in_sessions"][0]["user_agent"] == "own-ua"
    assert {e["kind"] for e in data["security_events"]} >= {"login"}


def test_export_holds_nothing_of_another_user(owner_client, owner, other_user):
    reauthenticate(owner_client, owner)
    populate(owner, "own")
    populate(other_user, "theirs")
    record(RequestFactory().get("/", REMOTE_ADDR="198.51.100.200"), other_user, Kind.LOGIN)
    text = owner_client.post(reverse("data_export")).content.decode()
    assert "theirs" not in text
    assert other_user.email not in text
    assert "198.51.100.200" not in text


def test_export_holds_no_secrets(owner_client, owner):
    reauthenticate(owner_client, owner)
    secrets = populate(owner, "own")
    session_key = owner_client.cookies[settings.SESSION_COOKIE_NAME].value
    text = owner_client.post(reverse("data_export")).content.decode()

    assert owner.password not in text and '"password"' not in text
    assert secrets["totp_secret"] not in text
    assert secrets["recovery_codes"] and secrets["authenticator_data"]
    for code in secrets["recovery_codes"]:
        assert code not in text
    for data in secrets["authenticator_data"]:
        assert data not in text
    assert secrets["feed_hash"] not in text and "feed_token_hash" not in text
    assert "own-session-key" not in text and session_key not in text
    assert "ownlease" not in text


def test_export_covers_every_model_that_points_at_the_user(owner_client, owner):
    """A model added later (by any app) that references users or exchange accounts must
    show up in the export; this fails until it is handled."""
    reauthenticate(owner_client, owner)
    data = export(owner_client)
    expected = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in (get_user_model(), ExchangeAccount)
    }
    assert expected <= set(data["export"]["models"])


def test_export_is_recorded(owner_client, owner):
    reauthenticate(owner_client, owner)
    owner_client.post(reverse("data_export"), REMOTE_ADDR="203.0.113.8")
    event = SecurityEvent.objects.get(kind=Kind.DATA_EXPORTED)
    assert (event.user, event.ip) == (owner, "203.0.113.8")


# --- Deletion -------------------------------------------------------------------------


def test_delete_page_warns_and_lists_what_goes(owner_client, owner):
    reauthenticate(owner_client, owner)
    populate(owner, "own")
    html = owner_client.get(reverse("delete_me")).content.decode()
    assert "cannot be undone" in html
    assert "Exchange accounts: <strong>1</strong>" in html
    assert "Two-factor methods: <strong>2</strong>" in html
    assert 'name="email"' in html


def test_delete_needs_the_accounts_own_email(owner_client, owner):
    reauthenticate(owner_client, owner)
    response = owner_client.post(reverse("delete_me"), {"email": "someone@example.com"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert get_user_model().objects.filter(pk=owner.pk).exists()


def test_another_user_cannot_delete_the_owner(other_client, other_user, owner):
    reauthenticate(other_client, other_user)
    response = other_client.post(reverse("delete_me"), {"email": owner.email})
    assert response.status_code == 200 and response.context["form"].errors
    assert get_user_model().objects.filter(pk=owner.pk).exists()
    assert get_user_model().objects.filter(pk=other_user.pk).exists()


def test_delete_removes_every_row_and_leaves_others_untouched(
    owner_client, owner, other_user, other_client
):
    phone = Client()  # the owner is also signed in on another device
    phone.post(reverse("account_login"), {"login": owner.email, "password": DEFAULT_PASSWORD})
    assert phone.get(reverse("dashboard")).status_code == 200
    populate(owner, "own")
    populate(other_user, "theirs")
    owner_id, other_id = owner.pk, other_user.pk
    before = related_counts([owner_id])
    others_before = related_counts([other_id])
    for key in ("accounts.ExchangeAccount.owner", "accounts.CheckIn.account",
                "checklists.Walkthrough.account", "checklists.StepProgress.walkthrough",
                "reminders.ReminderPreference.user", "reminders.ReminderLog.user",
                "account.EmailAddress.user", "mfa.Authenticator.user",
                "usersessions.UserSession.user", "security.SecurityEvent.user",
                "sessions.Session"):
        assert before[key] > 0, key
    assert before["sessions.Session"] == 2

    reauthenticate(owner_client, owner)
    response = owner_client.post(reverse("delete_me"), {"email": "OWNER@example.com"})

    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    after = related_counts([owner_id])
    assert {k: v for k, v in after.items() if v} == {}
    assert related_counts([other_id]) == others_before
    assert owner_client.get(reverse("dashboard")).status_code == 302  # signed out
    assert phone.get(reverse("dashboard")).status_code == 302  # and everywhere else
    assert other_client.get(reverse("dashboard")).status_code == 200


def test_delete_leaves_only_an_anonymous_note(owner_client, owner):
    reauthenticate(owner_client, owner)
    owner_client.post(reverse("delete_me"), {"email": owner.email}, REMOTE_ADDR="203.0.113.9")
    event = SecurityEvent.objects.get(kind=Kind.ACCOUNT_DELETED)
    assert event.user is None and event.ip is None and event.user_agent == ""
    assert set(event.details) == {"user_ref"}
    assert "owner" not in json.dumps(event.details)
    assert SecurityEvent.objects.count() == 1  # the owner's own events went with them


def test_a_delete_confirmed_after_reauthentication_goes_through(owner_client, owner):
    """allauth keeps the refused POST and replays it once the password is confirmed."""
    url = reverse("delete_me")
    response = owner_client.post(url, {"email": owner.email})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = owner_client.post(
        f"{reverse('account_reauthenticate')}?next={url}", {"password": DEFAULT_PASSWORD}
    )
    assert "Your account has been deleted" in response.content.decode()
    assert not get_user_model().objects.filter(email=owner.email).exists()
