"""The security log: which events are recorded, what they hold (and never hold), the
log lines they write, the user's activity page and the read-only admin."""

import json
import logging
import time

import pytest
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from security.events import client_ip, describe_user_agent, record
from security.models import SecurityEvent
from tests.conftest import reauthenticate, sign_in_staff
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def log_in(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def events(user=None, **filters):
    return SecurityEvent.objects.filter(user=user, **filters)


# --- Receivers ------------------------------------------------------------------------


def test_sign_in_is_recorded_with_ip_and_user_agent(anon_client, owner):
    response = log_in(anon_client, owner.email, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=FIREFOX)
    assert response.status_code == 302

    event = events(owner).get(kind=Kind.LOGIN)
    assert event.ip == "203.0.113.9"
    assert event.user_agent == FIREFOX
    assert event.details == {"methods": ["password"]}


def test_failed_sign_in_is_recorded_for_the_account_owner_without_the_password(
    anon_client, owner
):
    log_in(anon_client, owner.email, password="not the password at all")

    event = events(owner).get(kind=Kind.LOGIN_FAILED)
    assert event.details == {"step": "password"}
    assert "not the password" not in json.dumps(event.details)
    assert not events(None, kind=Kind.LOGIN_FAILED).exists()


def test_failed_sign_in_for_an_unknown_address_stores_no_address(anon_client):
    log_in(anon_client, "nobody-here@example.com", password="guess guess guess")

    event = SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert event.user is None
    stored = json.dumps(event.details) + event.user_agent
    assert "nobody-here" not in stored
    assert "guess" not in stored
    assert len(event.details["email_ref"]) == 16
    # The same address gives the same reference (repeated attempts stand out); another
    # address does not.
    log_in(anon_client, "NOBODY-HERE@example.com", password="again")
    log_in(anon_client, "someone-else@example.com", password="again")
    refs = [e.details["email_ref"] for e in SecurityEvent.objects.order_by("id")]
    assert refs[0] == refs[1] != refs[2]


def test_failed_sign_in_answers_the_same_for_known_and_unknown_addresses(anon_client, owner):
    known = log_in(anon_client, owner.email, password="wrong wrong wrong")
    unknown = log_in(anon_client, "nobody-here@example.com", password="wrong wrong wrong")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_sign_out_is_recorded(owner_client, owner):
    owner_client.post(reverse("account_logout"))
    assert events(owner).filter(kind=Kind.LOGOUT).count() == 1


def test_password_change_is_recorded(owner_client, owner):
    response = owner_client.post(reverse("account_change_password"), {
        "oldpassword": DEFAULT_PASSWORD,
        "password1": "a brand new long passphrase 7",
        "password2": "a brand new long passphrase 7",
    })
    assert response.status_code == 302
    assert events(owner, kind=Kind.PASSWORD_CHANGED).count() == 1


def test_adding_an_email_address_is_recorded_without_the_address(owner_client, owner):
    reauthenticate(owner_client, owner)  # adding a recovery address asks for the password
    owner_client.post(reverse("account_email"), {"action_add": "", "email": "second@example.com"})
    event = events(owner).get(kind=Kind.EMAIL_CHANGED)
    assert event.details == {"change": "added"}


def test_totp_activation_and_removal_are_recorded_without_the_secret(
    owner_client, owner, django_capture_on_commit_callbacks
):
    reauthenticate(owner_client, owner)
    owner_client.get(reverse("mfa_activate_totp"))
    secret = owner_client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals on commit
        response = owner_client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302

    kinds = list(events(owner).values_list("kind", flat=True))
    assert Kind.MFA_ADDED in kinds
    assert Kind.RECOVERY_CODES_GENERATED in kinds  # allauth adds codes with the first 2FA
    assert events(owner).get(kind=Kind.MFA_ADDED).details == {"method": "totp"}
    stored = json.dumps(list(SecurityEvent.objects.values("details", "user_agent")))
    assert secret not in stored and code not in stored

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    removed = events(owner, kind=Kind.MFA_REMOVED).values_list("details", flat=True)
    # Removing the last method also removes the recovery codes: both are recorded.
    assert sorted(d["method"] for d in removed) == ["recovery_codes", "totp"]


def test_regenerating_recovery_codes_is_recorded(owner_client, owner):
    TOTP.activate(owner, generate_totp_secret())
    authenticator = Authenticator.objects.create(
        user=owner, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    request = RequestFactory().post("/")
    mfa_signals.authenticator_reset.send(
        sender=Authenticator, request=request, user=owner, authenticator=authenticator
    )
    assert events(owner).get(kind=Kind.RECOVERY_CODES_GENERATED).details == {
        "change": "regenerated"
    }


def test_a_wrong_two_factor_code_is_recorded_as_a_failed_sign_in(owner):
    authenticator = TOTP.activate(owner, generate_totp_secret()).instance
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.4")
    mfa_signals.authentication_failed.send(
        sender=Authenticator, request=request, user=owner, authenticator=authenticator
    )
    event = events(owner).get(kind=Kind.LOGIN_FAILED)
    assert event.details == {"step": "two_factor", "method": "totp"}
    assert event.ip == "198.51.100.4"


# --- record() -------------------------------------------------------------------------


def test_record_is_the_public_helper_for_other_apps(owner):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT=FIREFOX)
    event = record(request, owner, Kind.CALENDAR_TOKEN_REGENERATED)
    assert (event.user, event.kind, event.ip) == (owner, Kind.CALENDAR_TOKEN_REGENERATED,
                                                 "192.0.2.1")
    assert record(None, None, "data_exported").ip is None  # no request: no IP


def test_record_refuses_an_unknown_kind(owner):
    with pytest.raises(ValueError):
        record(None, owner, "made_up_kind")


def test_record_drops_details_that_look_like_credentials(owner):
    event = record(
        None, owner, Kind.CALENDAR_TOKEN_REGENERATED,
        token="tok-123", feed_token="tok-456", password="pw", session_key="abc",
        recovery_code="12345678", api_key="k", secret="s", count=2,
    )
    assert event.details == {"count": 2}


def test_record_keeps_details_small(owner):
    event = record(None, owner, Kind.DATA_EXPORTED, note="x" * 5000)
    assert len(event.details["note"]) == 100


def test_record_treats_an_anonymous_user_as_none():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    assert record(request, AnonymousUser(), Kind.LOGIN_FAILED).user is None


def test_user_agent_is_cut_to_300_characters_and_loses_control_characters(owner):
    request = RequestFactory().get("/", HTTP_USER_AGENT="A\x00B\nC" + "x" * 400)
    event = record(request, owner, Kind.LOGIN)
    assert len(event.user_agent) == 300
    assert event.user_agent.startswith("ABCxxx")


# --- Client IP ------------------------------------------------------------------------


def test_forwarded_for_is_ignored_unless_behind_a_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6"
    )
    assert client_ip(request) == "10.0.0.2"


def test_behind_a_proxy_the_hop_our_proxy_added_is_used(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # what BEHIND_PROXY=true sets
    # The client sent "6.6.6.6" itself; our proxy appended the address it really saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"


def test_a_malformed_forwarded_for_falls_back_to_remote_addr(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip\r\nx"
    )
    assert client_ip(request) == "10.0.0.2"


def test_the_log_and_allauth_agree_on_the_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.9"
    )
    assert client_ip(request) == "203.0.113.7"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# --- Log lines ------------------------------------------------------------------------


def test_each_event_writes_one_log_line(caplog, owner):
    caplog.set_level(logging.INFO, logger="security")
    record(None, owner, Kind.DATA_EXPORTED)
    lines = [r for r in caplog.records if r.name == "security"]
    assert len(lines) == 1
    assert "kind=data_exported" in lines[0].getMessage()
    assert f"user={owner.pk}" in lines[0].getMessage()


def test_a_crafted_user_agent_cannot_forge_a_log_line(caplog, owner):
    caplog.set_level(logging.INFO, logger="security")
    forged = "Firefox\r\n2026-01-01 INFO security security_event kind=login user=1\u2028\x1b[31m"
    request = RequestFactory().get("/", HTTP_USER_AGENT=forged)
    event = record(request, owner, Kind.LOGIN, note="line\nbreak\r\x7f")

    message = next(r.getMessage() for r in caplog.records if r.name == "security")
    for char in "\r\n\u2028\x1b\x7f":
        assert char not in message
    assert "\\n" in message  # the note's newline is shown escaped, not dropped
    assert len(message.splitlines()) == 1
    # The forged text stays inside the quoted user agent value.
    assert message.startswith("security_event kind=login id=")
    assert 'ua="Firefox2026-01-01 INFO security security_event kind=login user=1[31m"' in message
    # The stored user agent lost its control characters too.
    assert "\n" not in event.user_agent and "\r" not in event.user_agent


def test_log_lines_never_contain_passwords_or_session_keys(caplog, anon_client, owner):
    caplog.set_level(logging.DEBUG)
    log_in(anon_client, owner.email, password="wrong but secret-looking 99")
    log_in(anon_client, "probe-target@example.com", password="wrong but secret-looking 99")
    log_in(anon_client, owner.email)
    session_key = anon_client.cookies["sessionid"].value
    anon_client.post(reverse("account_logout"))
    record(None, owner, Kind.CALENDAR_TOKEN_REGENERATED, token="feed-token-value-123")

    security_lines = "\n".join(r.getMessage() for r in caplog.records if r.name == "security")
    assert "kind=login_failed" in security_lines and "kind=login " in security_lines
    # Addresses are not logged: users by id, unknown addresses by keyed hash only.
    assert owner.email not in security_lines and "probe-target" not in security_lines
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (DEFAULT_PASSWORD, "wrong but secret-looking 99", session_key,
                   "feed-token-value-123"):
        assert secret not in everything


# --- Activity page --------------------------------------------------------------------


def test_activity_page_needs_sign_in(anon_client):
    response = anon_client.get(reverse("security_events"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_activity_page_lists_own_events_newest_first(owner_client, owner, other_user):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT=FIREFOX)
    record(request, owner, Kind.LOGIN)
    record(request, owner, Kind.PASSWORD_CHANGED)
    other_request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.99")
    record(other_request, other_user, Kind.MFA_REMOVED)

    response = owner_client.get(reverse("security_events"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "203.0.113.50" in html and "Firefox on Linux" in html
    assert html.index("Password changed") < html.index("Signed in")
    assert "198.51.100.99" not in html and "Two-factor method removed" not in html
    assert reverse("account_change_password") in html
    assert reverse("usersessions_list") in html
    assert "Not you?" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_activity_page_shows_at_most_100_events(owner_client, owner):
    SecurityEvent.objects.bulk_create(
        SecurityEvent(user=owner, kind=Kind.LOGIN) for _ in range(120)
    )
    response = owner_client.get(reverse("security_events"))
    assert len(response.context["rows"]) == 100


def test_another_user_sees_none_of_the_owners_events(other_client, owner):
    record(RequestFactory().get("/", REMOTE_ADDR="203.0.113.50"), owner, Kind.LOGIN)
    response = other_client.get(reverse("security_events"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert b"203.0.113.50" not in response.content


def test_user_agent_is_summarised():
    assert describe_user_agent(FIREFOX) == "Firefox on Linux"
    assert describe_user_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    ) == "Safari on iPhone"
    assert describe_user_agent(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
    ) == "Edge on Windows"
    assert describe_user_agent("") == "Unknown device"


# --- Admin ----------------------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())  # the admin requires 2FA
    return sign_in_staff(Client(), staff)


def test_staff_see_all_events_and_can_filter_and_search(staff_client, owner, other_user):
    record(None, owner, Kind.LOGIN)
    record(None, other_user, Kind.MFA_REMOVED)
    url = reverse("admin:security_securityevent_changelist")

    assert staff_client.get(url).context["cl"].result_count == 2
    assert staff_client.get(url, {"kind__exact": "login"}).context["cl"].result_count == 1
    found = staff_client.get(url, {"q": "intruder@"}).context["cl"]
    assert [e.user for e in found.result_list] == [other_user]


def test_the_admin_cannot_add_change_or_delete_events(staff_client, owner):
    event = record(None, owner, Kind.LOGIN)
    assert staff_client.get(reverse("admin:security_securityevent_add")).status_code == 403
    change = reverse("admin:security_securityevent_change", args=[event.pk])
    assert staff_client.get(change).status_code == 200  # view only
    staff_client.post(change, {"kind": "logout"})
    event.refresh_from_db()
    assert event.kind == Kind.LOGIN
    delete = reverse("admin:security_securityevent_delete", args=[event.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_non_staff_cannot_see_events_in_the_admin(owner_client):
    url = reverse("admin:security_securityevent_changelist")
    response = owner_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert owner_client.get(url, follow=True).status_code == 403


def test_deleting_a_user_in_the_admin_removes_their_events(owner):
    record(None, owner, Kind.LOGIN)
    get_user_model().objects.filter(pk=owner.pk).delete()
    assert not SecurityEvent.objects.exists()
