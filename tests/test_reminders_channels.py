"""Notification channels: Apprise json:// and ntfy:// to a local HTTP server, retries and
permanent failures, the SSRF guard, masking and encryption of URLs, the views (owner,
another user, anonymous), the sweep's one row per channel, and the chat text.

Nothing here reaches the internet: every send goes to a server this module starts on
127.0.0.1, with NOTIFY_ALLOW_PRIVATE_NETWORKS on where a test needs loopback allowed.
"""

import html
import ipaddress
import logging
import socket
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.status import Status
from reminders import channels, netguard
from reminders.chat import chat_message
from reminders.models import MAX_CHANNELS_PER_USER, Channel, ChannelKind, ReminderLog
from reminders.outbox import TEST_REMINDERS_PER_HOUR, SendTestState, send_test_reminder
from reminders.sending import MAX_ATTEMPTS, RETRY_BACKOFF
from reminders.sweep import run_sweep
from tests.chat_service import ALLOW_LOOPBACK, TOKEN, add_channel, json_url
from tests.factories import UserFactory
from tests.racing import run_racing
from tests.test_reminders_support import NOW, due_user, set_preference

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- Sending through Apprise ------------------------------------------------------------------


@ALLOW_LOOPBACK
def test_a_test_message_reaches_a_json_webhook(owner, service):
    channel = add_channel(owner, json_url(service))
    result = send_test_reminder(owner, NOW, channel)
    assert result.state == SendTestState.SENT
    [request] = service.received
    assert request.path == f"/hook/{TOKEN}"
    payload = request.json()
    assert payload["title"].startswith("[Test] Dormant Guard")
    assert "https://guard.example.com/" in payload["message"]
    channel.refresh_from_db()
    assert channel.last_sent_at == NOW and channel.last_error == ""
    assert mail.outbox == []  # the account's email is a separate message


@ALLOW_LOOPBACK
def test_the_sweep_sends_the_digest_to_an_ntfy_channel_and_by_email(service):
    user = due_user("chat@example.com", safety_phrase="purple otter")
    add_channel(user, f"ntfy://127.0.0.1:{service.port}/{TOKEN}")
    report = run_sweep(NOW)
    assert (report.digests, report.delivery.sent) == (2, 2)
    assert len(mail.outbox) == 1
    [request] = service.received
    payload = request.json()
    assert payload["topic"] == TOKEN
    assert "purple otter" in payload["message"]
    assert "Kraken – Main" in payload["message"]
    logs = ReminderLog.objects.filter(user=user).order_by("channel")
    assert [(log.channel_kind, log.outcome) for log in logs] == [
        ("apprise", "sent"), ("email", "sent"),
    ]


@ALLOW_LOOPBACK
@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_temporary_failure_is_retried_and_then_sent(service, time_machine, status):
    user = due_user("retry@example.com")
    channel = add_channel(user, json_url(service))
    service.statuses.append(status)
    run_sweep(NOW)
    log = ReminderLog.objects.get(target=channel)
    assert (log.outcome, log.attempts) == ("retrying", 1)
    assert log.error == f"The service answered HTTP {status}."
    assert log.next_attempt_at == NOW + RETRY_BACKOFF[0]
    channel.refresh_from_db()
    assert channel.last_error == log.error and channel.last_error_at == NOW

    later = NOW + RETRY_BACKOFF[0]
    time_machine.move_to(later, tick=False)
    assert run_sweep(later).delivery.sent == 1
    log.refresh_from_db()
    assert (log.outcome, log.attempts) == ("sent", 2)
    channel.refresh_from_db()
    assert channel.last_error == "" and channel.last_sent_at == later
    assert len(service.received) == 2  # the two tries, nothing more


@ALLOW_LOOPBACK
def test_a_service_that_keeps_failing_gives_up_after_the_last_attempt(service, time_machine):
    user = due_user("down@example.com")
    channel = add_channel(user, json_url(service))
    service.statuses.extend([503] * MAX_ATTEMPTS)
    when = NOW
    run_sweep(when)
    for wait in RETRY_BACKOFF:
        when += wait
        time_machine.move_to(when, tick=False)
        run_sweep(when)
    log = ReminderLog.objects.get(target=channel)
    assert (log.outcome, log.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(service.received) == MAX_ATTEMPTS


@ALLOW_LOOPBACK
@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_permanent_failure_is_recorded_and_shown_on_the_channel(
    service, owner_client, owner, status
):
    set_preference(owner)
    channel = add_channel(owner, json_url(service))
    service.statuses.append(status)
    response = owner_client.post(reverse("reminder_channel_test", args=[channel.pk]))
    assert response.status_code == 302
    log = ReminderLog.objects.get(target=channel)
    assert (log.outcome, log.attempts, log.next_attempt_at) == ("failed", 1, None)
    assert response["Location"] == reverse("reminder_channels")
    page = html.unescape(owner_client.get(response["Location"]).content.decode())
    # At once, in the message; and on the channel's card, with when it happened.
    assert f"The test message to “Phone” failed: The service answered HTTP {status}." in page
    assert f"): The service answered HTTP {status}." in page


@ALLOW_LOOPBACK
def test_a_closed_port_is_a_temporary_failure(owner):
    # Nothing listens on a port once the socket bound to it is closed.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    free = sock.getsockname()[1]
    sock.close()
    channel = add_channel(owner, f"json://127.0.0.1:{free}/x")
    result = send_test_reminder(owner, NOW, channel)
    assert result.state == SendTestState.RETRYING
    assert result.error == channels.UNREACHABLE


@ALLOW_LOOPBACK
def test_a_service_slower_than_the_read_timeout_is_a_temporary_failure(
    owner, service, monkeypatch
):
    monkeypatch.setattr(channels, "READ_TIMEOUT", 0.3)
    service.delay = 1.5
    channel = add_channel(owner, json_url(service))
    started = time.monotonic()
    result = send_test_reminder(owner, NOW, channel)
    assert time.monotonic() - started < 1.2
    assert (result.state, result.error) == (SendTestState.RETRYING, channels.UNREACHABLE)


def test_test_sends_are_rate_limited_per_user(owner, service):
    channel = add_channel(owner, json_url(service))
    with ALLOW_LOOPBACK:
        results = [send_test_reminder(owner, NOW, channel).state
                   for _ in range(TEST_REMINDERS_PER_HOUR + 1)]
    assert results[:-1] == [SendTestState.SENT] * TEST_REMINDERS_PER_HOUR
    assert results[-1] == SendTestState.LIMITED
    assert len(service.received) == TEST_REMINDERS_PER_HOUR


# --- The SSRF guard ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.10", "169.254.10.1",
    "fe80::1", "fd12:3456::1", "100.64.0.1", "::ffff:127.0.0.1",
])
def test_loopback_private_and_link_local_addresses_are_refused_by_default(address):
    assert netguard.refusal(ipaddress.ip_address(address), private_ok=False) is not None
    assert netguard.refusal(ipaddress.ip_address(address), private_ok=True) is None


@pytest.mark.parametrize("address", [
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "224.0.0.1", "ff02::1",
    "0.0.0.0", "240.0.0.1", "::",  # noqa: S104 - an address under test, not a bind
])
def test_metadata_multicast_unspecified_and_reserved_are_refused_even_when_allowed(address):
    assert netguard.refusal(ipaddress.ip_address(address), private_ok=True) is not None


def test_public_addresses_pass():
    assert netguard.check_host("93.184.215.14")  # a literal: no DNS query
    assert netguard.check_host("2606:4700::1111")


def test_a_name_that_resolves_to_loopback_is_refused():
    with pytest.raises(netguard.AddressRefused, match="localhost is a loopback address"):
        netguard.check_host("localhost")
    with ALLOW_LOOPBACK:
        assert netguard.check_host("localhost")


def test_the_metadata_address_is_refused_with_private_networks_allowed():
    with ALLOW_LOOPBACK, pytest.raises(netguard.AddressRefused, match="metadata"):
        netguard.check_host("169.254.169.254")
    with ALLOW_LOOPBACK, pytest.raises(netguard.AddressRefused, match="metadata"):
        netguard.check_host("metadata.google.internal")


def test_every_resolved_address_is_checked(monkeypatch):
    """One public and one private answer: refused."""
    def two_answers(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(netguard.AddressRefused, match="private network"):
        netguard.check_host("mixed.example")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "169.254.169.254", "[::1]"])
def test_a_send_to_a_refused_host_fails_permanently_and_sends_nothing(owner, service, host):
    url = f"json://{host}:{service.port}/hook"
    channel = add_channel(owner, url)
    result = send_test_reminder(owner, NOW, channel)
    assert result.state == SendTestState.FAILED
    assert "notifications are not sent there" in result.error
    assert service.received == []
    channel.refresh_from_db()
    assert "notifications are not sent there" in channel.last_error


def test_the_connection_guard_refuses_what_the_early_check_did_not_see(owner, service,
                                                                      monkeypatch):
    """DNS rebinding: the name looked public when checked, then connects to 127.0.0.1.
    The guard around the send resolves again and refuses the connection."""
    channel = add_channel(owner, json_url(service))
    monkeypatch.setattr(channels, "check_target", lambda url, plugin: None)
    result = send_test_reminder(owner, NOW, channel)
    assert result.state == SendTestState.FAILED
    assert "127.0.0.1 is a loopback address" in result.error
    assert service.received == []


def test_the_guard_is_inert_outside_a_send(service):
    """Other HTTP clients in the process (none today) are not affected."""
    import urllib3

    netguard.install()
    response = urllib3.request("POST", f"http://127.0.0.1:{service.port}/plain", body=b"x")
    assert response.status == 200


# --- The form: invalid, unsupported and refused URLs ---------------------------------------------


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "not an Apprise URL"),
    ("nosuchservice://token", "Apprise doesn't recognise this URL"),
    ("tgram://", "Apprise doesn't recognise this URL"),
    ("syslog://", "isn't supported here"),
    ("rsyslog://logs.example.org", "isn't supported here"),
    ("irc://irc.example.org/#room", "isn't supported here"),
    ("mailto://user:pass@example.com", "isn't supported here"),
    ("json://localhost/hook", "localhost is a loopback address"),
    ("json://169.254.169.254/latest/meta-data", "cloud metadata address"),
    ("ntfy://192.168.1.20/topic", "private network address"),
])
def test_the_form_explains_a_url_it_refuses(owner_client, owner, url, message):
    response = owner_client.post(reverse("reminder_channel_add"), {
        "name": "Bad", "kind": "apprise", "url": url, "enabled": "on", "gets_digests": "on",
    })
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Channel.objects.exists()


def test_adding_an_apprise_channel_stores_the_url_encrypted_and_shows_it_masked(
    owner_client, owner
):
    url = f"tgram://123456789:{TOKEN}/987654"
    response = owner_client.post(reverse("reminder_channel_add"), {
        "name": "Telegram", "kind": "apprise", "url": url, "enabled": "on",
        "gets_digests": "on", "gets_quiet_warnings": "on",
    })
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.user, channel.gets_digests, channel.gets_quiet_warnings) == (owner, True, True)
    assert TOKEN not in channel.url_encrypted and TOKEN not in channel.url_hint
    assert channels.decrypt_url(channel) == url
    assert channel.url_hint == "tgram://…"
    for page in (reverse("reminder_channels"), reverse("reminder_channel_edit",
                                                       args=[channel.pk])):
        content = owner_client.get(page).content.decode()
        assert TOKEN not in content and "123456789" not in content
        assert "tgram://…" in content


@pytest.mark.parametrize(("url", "hint"), [
    (f"json://user:{TOKEN}@hooks.example.org:8443/path/{TOKEN}?x={TOKEN}",
     "json://hooks.example.org/…"),
    (f"ntfys://ntfy.example.org/{TOKEN}", "ntfys://ntfy.example.org/…"),
    (f"ntfy://{TOKEN}", "ntfy://…"),
    (f"discord://1234/{TOKEN}", "discord://…"),
    (f"pover://{TOKEN}@apptoken", "pover://…"),
])
def test_the_mask_keeps_scheme_and_host_only(url, hint):
    assert channels.mask_url(url) == hint


def test_editing_with_an_empty_url_keeps_the_stored_one(owner_client, owner):
    channel = add_channel(owner, f"discord://1234/{TOKEN}")
    response = owner_client.post(reverse("reminder_channel_edit", args=[channel.pk]), {
        "name": "Discord", "url": "", "gets_digests": "on",
    })
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.enabled, channel.gets_quiet_warnings) == (
        "Discord", False, False,
    )
    assert channels.decrypt_url(channel) == f"discord://1234/{TOKEN}"


def test_an_email_channel_takes_only_a_verified_address(owner_client, owner):
    EmailAddress.objects.create(user=owner, email="second@example.com", verified=True)
    EmailAddress.objects.create(user=owner, email="unverified@example.com", verified=False)
    refused = owner_client.post(reverse("reminder_channel_add"), {
        "name": "Other", "kind": "email", "email": "unverified@example.com", "enabled": "on",
    })
    assert refused.status_code == 200 and not Channel.objects.exists()
    added = owner_client.post(reverse("reminder_channel_add"), {
        "name": "Other", "kind": "email", "email": "second@example.com", "enabled": "on",
        "gets_digests": "on",
    })
    assert added.status_code == 302
    assert Channel.objects.get().email == "second@example.com"


def test_a_secret_in_the_name_is_refused(owner_client):
    response = owner_client.post(reverse("reminder_channel_add"), {
        "name": "JBSWY3DPEHPK3PXP", "kind": "apprise", "url": f"discord://1/{TOKEN}",
    })
    assert response.status_code == 200 and not Channel.objects.exists()


@pytest.mark.parametrize("name", ["\x00", "a\x00b", "n" * 61])
def test_the_name_keeps_its_length_and_nul_checks_beside_the_secret_check(owner_client, owner,
                                                                         name):
    """PostgreSQL refuses NUL in text: the form must stop it (and an over-long name)
    with an error beside the field, not a 500 at save."""
    channel = add_channel(owner, f"discord://1/{TOKEN}", name="Phone")
    response = owner_client.post(reverse("reminder_channel_edit", args=[channel.pk]),
                                 {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    channel.refresh_from_db()
    assert channel.name == "Phone"


def test_a_user_has_at_most_the_channel_cap(owner_client, owner):
    for n in range(MAX_CHANNELS_PER_USER):
        add_channel(owner, f"discord://{n}/{TOKEN}", name=f"c{n}")
    response = owner_client.post(reverse("reminder_channel_add"), {
        "name": "One more", "kind": "apprise", "url": f"discord://99/{TOKEN}",
    })
    assert response.status_code == 200
    assert f"You have {MAX_CHANNELS_PER_USER} channels" in html.unescape(
        response.content.decode()
    )
    assert Channel.objects.count() == MAX_CHANNELS_PER_USER


# --- Views: owner, another user, anonymous ------------------------------------------------------


@pytest.fixture
def channel(owner):
    return add_channel(owner, f"discord://1234/{TOKEN}", name="Owner's Discord")


OBJECT_VIEWS = ["reminder_channel_edit", "reminder_channel_test", "reminder_channel_delete"]


@pytest.mark.parametrize("name", ["reminder_channels", "reminder_channel_add"])
def test_anonymous_visitors_are_sent_to_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", OBJECT_VIEWS)
def test_anonymous_visitors_cannot_touch_a_channel(anon_client, channel, name):
    response = anon_client.post(reverse(name, args=[channel.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert Channel.objects.filter(pk=channel.pk, name="Owner's Discord").exists()


@pytest.mark.parametrize("name", OBJECT_VIEWS)
def test_another_user_gets_404_and_changes_nothing(other_client, channel, name):
    response = other_client.post(reverse(name, args=[channel.pk]), {"name": "Hijacked"})
    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.name == "Owner's Discord"
    assert not ReminderLog.objects.exists()


def test_another_user_never_sees_the_owners_channels(other_client, channel):
    content = other_client.get(reverse("reminder_channels")).content.decode()
    assert "Owner&#x27;s Discord" not in content and "Owner's Discord" not in content


def test_the_owner_deletes_a_channel(owner_client, channel):
    response = owner_client.post(reverse("reminder_channel_delete", args=[channel.pk]))
    assert response.status_code == 302
    assert not Channel.objects.exists()


@pytest.mark.parametrize("name", ["reminder_channel_test", "reminder_channel_delete"])
def test_get_changes_nothing(owner_client, channel, name):
    assert owner_client.get(reverse(name, args=[channel.pk])).status_code == 405
    assert Channel.objects.filter(pk=channel.pk).exists()


def test_the_channel_list_costs_the_same_queries_for_one_or_ten_channels(owner_client, owner):
    add_channel(owner, f"discord://0/{TOKEN}", name="c0")
    url = reverse("reminder_channels")
    owner_client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert owner_client.get(url).status_code == 200
    for n in range(1, MAX_CHANNELS_PER_USER):
        add_channel(owner, f"discord://{n}/{TOKEN}", name=f"c{n}", last_error="HTTP 500")
    with CaptureQueriesContext(connection) as ten:
        response = owner_client.get(url)
    assert response.content.decode().count("Send a test") == MAX_CHANNELS_PER_USER
    assert len(ten) == len(one) <= 6


# --- The sweep: one delivery row per channel -----------------------------------------------------


@ALLOW_LOOPBACK
def test_the_sweep_claims_one_row_per_enabled_digest_channel_exactly_once(service):
    user = due_user("many@example.com")
    on = add_channel(user, json_url(service, "/on"), name="on")
    add_channel(user, json_url(service, "/off"), name="off", enabled=False)
    add_channel(user, json_url(service, "/quiet-only"), name="quiet", gets_digests=False)
    run_sweep(NOW)
    assert sorted(ReminderLog.objects.values_list("channel", flat=True)) == [
        f"channel-{on.pk}", "email",
    ]
    assert [r.path for r in service.received] == ["/on"]
    set_preference(user)  # the same cycle again: the (user, cycle, channel) guard holds
    report = run_sweep(NOW)
    assert report.duplicates == 2 and len(service.received) == 1


@ALLOW_LOOPBACK
def test_a_channel_turned_off_after_the_claim_is_skipped(service):
    user = due_user("later@example.com")
    channel = add_channel(user, json_url(service))
    from reminders import sweep

    batch = sweep.claim_batch(NOW)
    Channel.objects.filter(pk=channel.pk).update(enabled=False)
    from reminders.sending import deliver

    deliver(batch.log_ids)
    log = ReminderLog.objects.get(target=channel)
    assert (log.outcome, log.error) == ("skipped", "The channel was turned off.")
    assert service.received == []


def test_an_email_channel_gets_the_digest_at_its_own_address():
    user = due_user("main@example.com")
    EmailAddress.objects.create(user=user, email="partner@example.com", verified=True)
    Channel.objects.create(user=user, kind=ChannelKind.EMAIL, name="Partner",
                           email="partner@example.com")
    run_sweep(NOW)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "main@example.com", "partner@example.com",
    ]
    ids = {message.extra_headers.get("Message-ID") or message.message()["Message-ID"]
           for message in mail.outbox}
    assert len(ids) == 2  # one message per channel


# --- The chat text ------------------------------------------------------------------------


def test_the_chat_text_is_short_and_links_only_to_the_app(owner):
    from reminders.sending import BatchData, _build_digest

    user = due_user("text@example.com", safety_phrase="blue heron")
    log = ReminderLog(user=user, cycle="c", claimed_at=NOW)
    digest = _build_digest(log, user.reminder_preference, BatchData.load([log]), NOW)
    message = chat_message(digest)
    assert message.title == "Dormant Guard: 1 exchange account needs a login"
    assert "Your safety phrase: blue heron" in message.body
    assert "• Kraken – Main: Overdue" in message.body
    links = [word for word in message.body.split() if "://" in word]
    assert links == ["https://guard.example.com/dashboard/"]
    assert len(message.body) < 600


def test_the_chat_text_follows_the_users_language(owner):
    from reminders.sending import BatchData, _build_digest

    user = due_user("ja@example.com")
    user.language = "ja"
    user.save(update_fields=["language"])
    log = ReminderLog(user=user, cycle="c", claimed_at=NOW)
    digest = _build_digest(log, user.reminder_preference, BatchData.load([log]), NOW)
    with translation.override("ja"):
        overdue_ja = str(Status.OVERDUE.label)
    assert overdue_ja != "Overdue"
    assert f"Kraken – Main: {overdue_ja}" in chat_message(digest).body
    assert translation.get_language() != "ja"  # only for that one message


# --- Logs never carry the URL ---------------------------------------------------------------


@ALLOW_LOOPBACK
def test_no_log_line_carries_the_token(owner, service, caplog):
    channel = add_channel(owner, json_url(service))
    service.statuses.extend([500, 404])
    with caplog.at_level(logging.DEBUG):
        send_test_reminder(owner, NOW, channel)
        send_test_reminder(owner, NOW, channel)
        other = add_channel(owner, f"json://localhost:{service.port}/{TOKEN}", name="x")
        with override_settings(NOTIFY_ALLOW_PRIVATE_NETWORKS=False):
            send_test_reminder(owner, NOW, other)
    assert caplog.records, "the sends logged nothing at all: the check proves nothing"
    assert TOKEN not in caplog.text
    for log in ReminderLog.objects.all():
        assert TOKEN not in log.error
    assert not logging.getLogger("apprise").propagate
    assert not logging.getLogger("urllib3").isEnabledFor(logging.WARNING)


def test_apprise_would_log_the_topic_which_is_why_it_is_silenced(service):
    """The reason for the silencing: Apprise's own records name the URL's topic."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    apprise_logger = logging.getLogger("apprise")
    handler = Keep(level=logging.DEBUG)
    apprise_logger.addHandler(handler)
    level = apprise_logger.level
    apprise_logger.setLevel(logging.DEBUG)
    try:
        with ALLOW_LOOPBACK:
            channels.send(add_channel(UserFactory(), f"ntfy://127.0.0.1:{service.port}/{TOKEN}"),
                          channels.ChatMessage("t", "b"))
    finally:
        apprise_logger.removeHandler(handler)
        apprise_logger.setLevel(level)
    assert any(TOKEN in text for text in records)


@ALLOW_LOOPBACK
def test_a_channel_deleted_after_the_claim_is_skipped(service):
    user = due_user("gone@example.com")
    channel = add_channel(user, json_url(service))
    from reminders import sweep
    from reminders.sending import deliver

    batch = sweep.claim_batch(NOW)
    key = channel.key
    channel.delete()
    deliver(batch.log_ids)
    log = ReminderLog.objects.get(channel=key)
    assert (log.outcome, log.error, log.target) == ("skipped", "The channel was deleted.", None)
    assert service.received == []
    assert len(mail.outbox) == 1  # the sign-in address still gets its digest


RACE_USERS = 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="two sweepers only race on PostgreSQL (see test_reminders_race)")
@ALLOW_LOOPBACK
def test_two_racing_sweepers_send_each_channel_message_exactly_once(service):
    from collections import Counter


    for n in range(RACE_USERS):
        add_channel(due_user(f"racer{n}@example.com"), json_url(service, f"/u{n}"))
    reports = run_racing(lambda: run_sweep(now=NOW, batch_size=3))
    assert len(reports) == 2
    paths = Counter(request.path for request in service.received)
    assert len(paths) == RACE_USERS and set(paths.values()) == {1}
    assert len(mail.outbox) == RACE_USERS
    assert ReminderLog.objects.filter(outcome="sent").count() == 2 * RACE_USERS


def test_the_settings_history_names_each_channel_without_a_query_per_row(owner_client, owner):
    set_preference(owner)
    url = reverse("reminder_settings")

    def log_for(n):
        channel = add_channel(owner, f"discord://{n}/{TOKEN}", name=f"Chat {n}")
        ReminderLog.objects.create(user=owner, cycle=f"c{n}", claimed_at=NOW, target=channel,
                                   channel=channel.key, channel_kind=channel.kind)

    log_for(0)
    owner_client.get(url)
    with CaptureQueriesContext(connection) as one:
        owner_client.get(url)
    for n in range(1, 6):
        log_for(n)
    with CaptureQueriesContext(connection) as six:
        page = owner_client.get(url).content.decode()
    assert all(f"→ Chat {n}" in page for n in range(6))
    assert len(six) == len(one)


def test_a_stored_url_of_an_unsupported_kind_fails_at_send_time_too(owner):
    """The form refuses it; a row written another way (admin shell, an older rule) is
    refused again before anything is sent."""
    channel = add_channel(owner, "syslog://")
    result = send_test_reminder(owner, NOW, channel)
    assert result.state == SendTestState.FAILED
    assert "isn't supported here" in result.error


def test_send_a_test_to_an_email_channel_from_its_card(owner_client, owner):
    set_preference(owner)
    EmailAddress.objects.create(user=owner, email="second@example.com", verified=True)
    channel = Channel.objects.create(user=owner, kind=ChannelKind.EMAIL, name="Work",
                                     email="second@example.com")
    response = owner_client.post(reverse("reminder_channel_test", args=[channel.pk]))
    page = html.unescape(owner_client.get(response["Location"]).content.decode())
    assert "Test message sent to “Work”." in page
    [message] = mail.outbox
    assert message.to == ["second@example.com"]
    assert message.subject.startswith("[Test]")


@ALLOW_LOOPBACK
def test_a_redirect_to_the_metadata_address_is_refused_at_connection_time(owner, service):
    service.redirect_to = "http://169.254.169.254/latest/meta-data/"
    channel = add_channel(owner, json_url(service))
    result = send_test_reminder(owner, NOW, channel)
    assert len(service.received) == 1  # the first hop, allowed (loopback is on)
    assert result.state == SendTestState.FAILED
    assert "169.254.169.254 is a cloud metadata address" in result.error


def test_the_channel_card_shows_times_in_the_reminder_time_zone(owner_client, owner):
    set_preference(owner, time_zone="Asia/Tokyo")
    add_channel(owner, f"discord://1/{TOKEN}", last_error="The service answered HTTP 404.",
                last_error_at=NOW)
    page = owner_client.get(reverse("reminder_channels")).content.decode()
    assert "24 Nov 2026, 18:00" in page  # 09:00 UTC


@ALLOW_LOOPBACK
def test_with_a_worker_backend_the_test_is_queued_and_the_worker_sends_it(owner, service):
    from tests.test_reminders_support import run_db_worker

    channel = add_channel(owner, json_url(service))
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert send_test_reminder(owner, NOW, channel).state == SendTestState.QUEUED
        assert service.received == []
        run_db_worker()
    assert len(service.received) == 1
    assert ReminderLog.objects.get(target=channel).outcome == "sent"
