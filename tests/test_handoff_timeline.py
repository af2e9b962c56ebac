"""The quiet period from start to handoff, sweep by sweep, with time pinned.

A 90-day plan started at T0 warns the owner at 30, 7 and 1 days before T0+90d, each
once however often the sweep runs, then emails each confirmed contact once."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import CheckIn
from handoff import services
from handoff.models import QuietClaim, QuietPlan, TrustedContact
from handoff.sweep import run_quiet_sweep
from reminders.models import Channel, ChannelKind
from security.models import SecurityEvent
from tests.chat_service import ALLOW_LOOPBACK, add_channel, json_url
from tests.factories import ExchangeAccountFactory
from tests.handoff_support import CONTACTS, DAY, T0, armed_plan, link_in, sent_to

pytestmark = pytest.mark.django_db
HOUR = DAY / 24


def sweep_every_hour(time_machine, start, end):
    at = start
    while at <= end:
        time_machine.move_to(at, tick=False)
        run_quiet_sweep(now=at)
        at += HOUR * 6


def subjects(address):
    return [m.subject for m in sent_to(address)]


def test_warnings_at_30_7_and_1_days_then_one_handoff_per_contact(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    mail.outbox.clear()

    sweep_every_hour(time_machine, T0, T0 + 59 * DAY)
    assert mail.outbox == []  # 31 days left: nothing yet

    sweep_every_hour(time_machine, T0 + 60 * DAY, T0 + 61 * DAY)
    assert subjects(owner.email) == ["Your trusted contacts will be emailed in 30 days"]

    sweep_every_hour(time_machine, T0 + 61 * DAY + HOUR, T0 + 89 * DAY + 18 * HOUR)
    assert subjects(owner.email)[1:] == [
        "Your trusted contacts will be emailed in 7 days",
        "Your trusted contacts will be emailed in 1 day",
    ]
    assert all(sent_to(c) == [] for c in CONTACTS)

    sweep_every_hour(time_machine, T0 + 90 * DAY, T0 + 120 * DAY)
    for contact in CONTACTS:
        [handoff] = sent_to(contact)
        assert "has gone quiet" in handoff.subject
        assert "/h/" in link_in(handoff, "/h/")
    assert len(sent_to(owner.email)) == 3
    plan.refresh_from_db()
    assert plan.state == QuietPlan.State.HANDED_OFF
    assert sorted(QuietClaim.objects.values_list("what", flat=True)) == [
        "handoff", "warn-1", "warn-30", "warn-7"
    ]
    kinds = list(SecurityEvent.objects.filter(user=owner).values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.QUIET_WARNING_SENT) == 3
    assert kinds.count(SecurityEvent.Kind.QUIET_HANDOFF_SENT) == 1


def test_unconfirmed_contacts_get_nothing_at_the_end(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner, contacts=["late@example.net"], confirm=False)
    mail.outbox.clear()
    time_machine.move_to(T0 + 91 * DAY, tick=False)
    run_quiet_sweep(now=T0 + 91 * DAY)
    assert sent_to("late@example.net") == []
    assert TrustedContact.objects.get().access_token_hash is None


def test_a_missed_sweep_sends_only_the_most_urgent_warning(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner)
    mail.outbox.clear()
    at = T0 + 84 * DAY  # 6 days left: the 30-day warning's time has passed unseen
    time_machine.move_to(at, tick=False)
    run_quiet_sweep(now=at)
    assert subjects(owner.email) == ["Your trusted contacts will be emailed in 6 days"]


def test_activity_restarts_the_period_and_its_warnings(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    account = ExchangeAccountFactory.create(owner=owner)
    time_machine.move_to(T0 + 60 * DAY, tick=False)
    run_quiet_sweep(now=T0 + 60 * DAY)
    assert len(sent_to(owner.email)) == 1

    # A check-in on day 65 is activity: the period now ends on day 155.
    time_machine.move_to(T0 + 65 * DAY, tick=False)
    CheckIn.objects.create(account=account, on=(T0 + 65 * DAY).date())
    plan.refresh_from_db()
    assert plan.ends_at == T0 + 155 * DAY
    sweep_every_hour(time_machine, T0 + 65 * DAY, T0 + 124 * DAY)
    assert len(sent_to(owner.email)) == 1  # nothing new until 30 days before day 155
    sweep_every_hour(time_machine, T0 + 125 * DAY, T0 + 126 * DAY)
    assert len(sent_to(owner.email)) == 2  # the 30-day warning again, in the new epoch
    assert all(sent_to(c) == [] for c in CONTACTS)


def test_a_calendar_poll_is_not_activity(owner, client, time_machine):
    from reminders import preferences

    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    token = preferences.create_feed_token(preferences.preference_for(owner, T0), T0)
    time_machine.move_to(T0 + 50 * DAY, tick=False)
    response = client.get(reverse("reminder_calendar_feed", args=[token]))
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.last_active_at == T0


def test_cancel_stops_everything(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    mail.outbox.clear()
    services.cancel_plan(None, plan, T0 + 10 * DAY)
    sweep_every_hour(time_machine, T0 + 10 * DAY, T0 + 100 * DAY)
    assert mail.outbox == []
    plan.refresh_from_db()
    assert plan.state == QuietPlan.State.CANCELLED
    # Cancelled plans ignore activity: signing in does not turn them back on.
    services.note_activity(owner, T0 + 101 * DAY)
    plan.refresh_from_db()
    assert plan.state == QuietPlan.State.CANCELLED


def test_owner_returning_after_a_handoff_ends_the_contacts_access(owner, client, time_machine):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner)
    end = T0 + 90 * DAY
    time_machine.move_to(end, tick=False)
    run_quiet_sweep(now=end)
    path = link_in(sent_to(CONTACTS[0])[0], "/h/")
    assert client.post(path).status_code == 200

    time_machine.move_to(end + 2 * DAY, tick=False)
    services.note_activity(owner, end + 2 * DAY)  # what signing in does
    assert client.post(path).status_code == 404
    assert client.get(path).status_code == 404
    plan = QuietPlan.objects.get()
    assert plan.state == QuietPlan.State.ARMED
    assert not TrustedContact.objects.filter(access_token_hash__isnull=False).exists()
    assert SecurityEvent.objects.filter(
        user=owner, kind=SecurityEvent.Kind.QUIET_OWNER_RETURNED
    ).count() == 1
    # The owner's page lists who opened it and when.
    client.force_login(owner)
    page = client.get("/quiet/").content.decode()
    assert "Who opened the handoff page" in page and CONTACTS[0] in page


def test_signing_in_through_allauth_is_activity(owner, client, time_machine):
    from tests.factories import DEFAULT_PASSWORD

    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    time_machine.move_to(T0 + 40 * DAY, tick=False)
    response = client.post("/auth/login/", {"login": owner.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.last_active_at == T0 + 40 * DAY


def test_the_command_runs_the_sweep(owner, time_machine, capsys):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner)
    mail.outbox.clear()
    time_machine.move_to(T0 + 60 * DAY, tick=False)
    call_command("run_quiet_sweep")
    call_command("run_quiet_sweep")
    assert len(mail.outbox) == 1
    assert "1 warnings" in capsys.readouterr().out


def test_the_warning_is_written_in_the_owners_language(owner, time_machine):
    from django.utils import translation

    from config.dates import format_date

    owner.language = "ja"
    owner.save(update_fields=["language"])
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    at = T0 + 60 * DAY
    time_machine.move_to(at, tick=False)
    run_quiet_sweep(now=at)
    [warning] = sent_to(owner.email)
    with translation.override("ja"):
        ends_on = format_date(plan.ends_at.date())
    assert ends_on in warning.body and ends_on != format_date(plan.ends_at.date())
    assert translation.get_language() != "ja"  # the override did not leak


def test_activity_within_the_hour_writes_nothing(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    plan = armed_plan(owner)
    services.note_activity(owner, T0 + HOUR / 2)
    plan.refresh_from_db()
    assert plan.last_active_at == T0
    services.note_activity(owner, T0 + HOUR / 2, still_here=True)
    plan.refresh_from_db()
    assert plan.last_active_at == T0 + HOUR / 2


def test_a_send_that_fails_after_its_claim_is_kept_on_the_claim_not_retried(
    owner, time_machine, settings
):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner)
    settings.MAILERS = {"default": {"BACKEND": "tests.test_handoff_timeline.RefusingBackend"}}
    at = T0 + 60 * DAY
    time_machine.move_to(at, tick=False)
    report = run_quiet_sweep(now=at)
    assert report.failed == 1 and report.warnings == 0
    claim = QuietClaim.objects.get(what="warn-30")
    assert claim.sent_at is None and "refused" in claim.error
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    run_quiet_sweep(now=at + HOUR)
    assert mail.outbox == []  # not sent twice; the 7-day warning comes in its time


class RefusingBackend:
    """A mail backend whose server refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPDataError(554, b"refused")


@ALLOW_LOOPBACK
def test_warnings_also_go_to_every_channel_set_for_them(owner, service, time_machine):
    """A chat channel gets a short warning linking only to the quiet page (the email's
    signed "I'm here" link stays out of chat services); another verified address gets
    the email, an address removed since gets nothing; a channel switched off, or not set
    for warnings, gets nothing; a failing channel is noted on its card and doesn't stop
    the others."""
    time_machine.move_to(T0, tick=False)
    armed_plan(owner)
    chat = add_channel(owner, json_url(service), name="Phone")
    add_channel(owner, json_url(service, "/off"), name="Off", enabled=False)
    add_channel(owner, json_url(service, "/digests-only"), name="Digests",
                gets_quiet_warnings=False)
    broken = add_channel(owner, "json://127.0.0.1:9/closed", name="Broken")
    EmailAddress.objects.create(user=owner, email="owner.work@example.com", verified=True)
    Channel.objects.create(user=owner, kind=ChannelKind.EMAIL, name="Work",
                           email="owner.work@example.com")
    removed = Channel.objects.create(user=owner, kind=ChannelKind.EMAIL, name="Old",
                                     email="owner.old@example.com")  # no longer verified
    mail.outbox.clear()

    at = T0 + 60 * DAY + HOUR
    time_machine.move_to(at, tick=False)
    run_quiet_sweep(now=at)

    [request] = service.received
    payload = request.json()
    assert "30 days" in payload["title"]
    assert "https://guard.example.com/quiet/" in payload["message"]
    assert "/h/" not in payload["message"]
    assert [m.subject for m in sent_to("owner.work@example.com")] == [
        "Your trusted contacts will be emailed in 30 days"
    ]
    assert len(sent_to(owner.email)) == 1
    assert sent_to("owner.old@example.com") == []
    removed.refresh_from_db()
    assert removed.last_error == "The email address is not verified."
    chat.refresh_from_db()
    broken.refresh_from_db()
    assert chat.last_sent_at == at and chat.last_error == ""
    assert broken.last_error and broken.last_error_at == at
