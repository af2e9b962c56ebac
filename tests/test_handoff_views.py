"""The owner's /quiet/ views and the contacts' /h/ links: who may do what.

Every owner view: anonymous -> login, another user -> 404 for the owner's contact, the
owner acts. Contact links: signed, time-limited, POST to act, noindex and no-store."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from handoff import tokens
from handoff.models import MAX_CONTACTS, QuietPlan, TrustedContact
from handoff.sweep import run_quiet_sweep
from security.models import SecurityEvent
from tests.handoff_support import DAY, T0, armed_plan, link_in, sent_to

pytestmark = pytest.mark.django_db
SEED = ("abandon ability able about above absent absorb abstract absurd abuse access "
        "accident")

OWNER_POSTS = [
    ("quiet_plan", {"quiet_days": 120, "message": "hi"}),
    ("quiet_contact_add", {"email": "new@example.net"}),
    ("quiet_cancel", {}),
    ("quiet_here", {}),
]


@pytest.fixture
def plan(owner, time_machine):
    time_machine.move_to(T0, tick=False)
    return armed_plan(owner, contacts=["ana@example.net"])


@pytest.mark.parametrize(("name", "data"), OWNER_POSTS)
def test_anonymous_visitors_are_sent_to_login_and_change_nothing(anon_client, plan, name, data):
    before = (QuietPlan.objects.get().updated_at, TrustedContact.objects.count())
    response = anon_client.post(reverse(name), data)
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")
    assert (QuietPlan.objects.get().updated_at, TrustedContact.objects.count()) == before


def test_anonymous_visitors_cannot_see_the_plan_or_remove_a_contact(anon_client, plan):
    contact = plan.contacts.get()
    assert anon_client.get(reverse("quiet_plan"))["Location"].startswith("/auth/login/")
    response = anon_client.post(reverse("quiet_contact_remove", args=[contact.pk]))
    assert response["Location"].startswith("/auth/login/")
    assert TrustedContact.objects.filter(pk=contact.pk).exists()


def test_another_user_gets_404_for_the_owners_contact(other_client, plan):
    contact = plan.contacts.get()
    response = other_client.post(reverse("quiet_contact_remove", args=[contact.pk]))
    assert response.status_code == 404
    assert TrustedContact.objects.filter(pk=contact.pk).exists()


def test_another_user_sees_only_their_own_empty_page(other_client, plan):
    page = other_client.get(reverse("quiet_plan")).content.decode()
    assert "ana@example.net" not in page and "owner@example.com" not in page
    other_client.post(reverse("quiet_cancel"))
    other_client.post(reverse("quiet_here"))
    assert QuietPlan.objects.get(pk=plan.pk).state == QuietPlan.State.ARMED
    assert QuietPlan.objects.count() == 1


def test_owner_sets_a_plan_within_90_to_540_days(owner_client, owner, time_machine):
    time_machine.move_to(T0, tick=False)
    for days in (89, 541):
        response = owner_client.post(reverse("quiet_plan"), {"quiet_days": days})
        assert response.status_code == 200 and not QuietPlan.objects.exists()
    response = owner_client.post(reverse("quiet_plan"), {"quiet_days": 90, "message": "Love, O."})
    assert response.status_code == 302
    plan = QuietPlan.objects.get(owner=owner)
    assert plan.ends_at == T0 + 90 * DAY
    saved = SecurityEvent.objects.filter(user=owner, kind=SecurityEvent.Kind.QUIET_PLAN_SAVED)
    assert saved.exists()


def test_the_message_refuses_a_seed_phrase_with_the_detectors_explanation(owner_client):
    response = owner_client.post(reverse("quiet_plan"), {"quiet_days": 180, "message": SEED})
    assert response.status_code == 200
    assert not QuietPlan.objects.exists()
    assert "recovery phrase" in response.content.decode()


def test_owner_adds_up_to_five_contacts_each_asked_to_confirm(owner_client, plan):
    for n in range(2, MAX_CONTACTS + 1):
        assert owner_client.post(
            reverse("quiet_contact_add"), {"email": f"c{n}@example.net"}
        ).status_code == 302
    assert len(mail.outbox) == MAX_CONTACTS - 1
    assert "asks you to be a trusted contact" in mail.outbox[0].subject
    response = owner_client.post(reverse("quiet_contact_add"), {"email": "six@example.net"})
    assert response.status_code == 400
    assert "at most 5 trusted contacts" in response.content.decode()
    assert plan.contacts.count() == MAX_CONTACTS


def test_owner_removes_a_contact_and_cancels(owner_client, owner, plan):
    contact = plan.contacts.get()
    assert owner_client.post(reverse("quiet_contact_remove", args=[contact.pk])).status_code == 302
    assert not plan.contacts.exists()
    assert owner_client.post(reverse("quiet_cancel")).status_code == 302
    assert QuietPlan.objects.get().state == QuietPlan.State.CANCELLED
    kinds = set(SecurityEvent.objects.filter(user=owner).values_list("kind", flat=True))
    Kind = SecurityEvent.Kind
    assert {Kind.QUIET_CONTACT_REMOVED, Kind.QUIET_PLAN_CANCELLED} <= kinds


def test_im_here_restarts_the_period(owner_client, plan, time_machine):
    time_machine.move_to(T0 + 50 * DAY, tick=False)
    assert owner_client.get(reverse("quiet_here")).status_code == 405
    assert owner_client.post(reverse("quiet_here")).status_code == 302
    plan.refresh_from_db()
    assert plan.last_active_at == T0 + 50 * DAY


def test_owner_views_answer_get_with_405_where_they_only_act(owner_client, plan):
    for name, _data in OWNER_POSTS[1:]:
        assert owner_client.get(reverse(name)).status_code == 405


# --- Contact links ----------------------------------------------------------------------


def test_a_contact_confirms_with_a_post_not_a_get(owner, client, time_machine):
    time_machine.move_to(T0, tick=False)
    armed_plan(owner, contacts=[], confirm=False)
    client_owner = client.__class__()
    client_owner.force_login(owner)
    client_owner.post(reverse("quiet_contact_add"), {"email": "ana@example.net"})
    path = link_in(sent_to("ana@example.net")[0], "/h/confirm/")
    response = client.get(path)
    assert response.status_code == 200 and "Become a trusted contact?" in response.content.decode()
    assert not TrustedContact.objects.get().is_confirmed  # a mail scanner's GET does nothing
    response = client.post(path)
    assert "You are a trusted contact" in response.content.decode()
    assert TrustedContact.objects.get().is_confirmed
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_a_confirmation_link_expires_after_14_days(plan, client, time_machine):
    contact = TrustedContact.objects.create(plan=plan, email="late@example.net", created_at=T0)
    path = reverse("handoff_confirm", args=[tokens.confirm_token(contact.pk)])
    time_machine.move_to(T0 + 15 * DAY, tick=False)
    assert client.post(path).status_code == 404
    contact.refresh_from_db()
    assert not contact.is_confirmed


def test_a_tampered_or_foreign_signed_link_is_refused(plan, client):
    contact = plan.contacts.get()
    forged = tokens.confirm_token(contact.pk)[:-2] + "xx"
    assert client.post(reverse("handoff_confirm", args=[forged])).status_code == 404
    # An "I'm here" token is signed with another salt: it can't confirm a contact.
    here = tokens.here_token(contact.pk)
    assert client.post(reverse("handoff_confirm", args=[here])).status_code == 404


def test_im_here_from_the_warning_email_without_signing_in(plan, client, time_machine):
    at = T0 + 60 * DAY
    time_machine.move_to(at, tick=False)
    run_quiet_sweep(now=at)
    path = link_in(sent_to(plan.owner.email)[0], "/h/here/")
    assert client.get(path).status_code == 200
    plan.refresh_from_db()
    assert plan.last_active_at == T0  # GET changed nothing
    time_machine.move_to(at + DAY, tick=False)
    assert client.post(path).status_code == 200
    plan.refresh_from_db()
    assert plan.last_active_at == at + DAY


def _handed_off(plan, time_machine) -> str:
    end = T0 + 90 * DAY
    time_machine.move_to(end, tick=False)
    run_quiet_sweep(now=end)
    return link_in(sent_to("ana@example.net")[-1], "/h/")


def test_the_handoff_link_opens_on_post_and_records_who_and_when(plan, client, time_machine):
    path = _handed_off(plan, time_machine)
    response = client.get(path)
    assert response.status_code == 200 and "Show the handoff" in response.content.decode()
    assert not plan.contacts.get().opens.exists()
    response = client.post(path)
    assert response.status_code == 200
    assert "Exchange accounts of owner@example.com" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert plan.contacts.get().opens.count() == 1
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.QUIET_HANDOFF_OPENED).count() == 1


def test_the_handoff_link_is_stored_only_as_its_sha256(plan, time_machine):
    path = _handed_off(plan, time_machine)
    token = path.strip("/").split("/")[-1]
    contact = plan.contacts.get()
    assert contact.access_token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = list(TrustedContact.objects.values())
    assert token not in repr(stored)


def test_the_handoff_link_expires_after_30_days(plan, client, time_machine):
    path = _handed_off(plan, time_machine)
    time_machine.move_to(T0 + 90 * DAY + datetime.timedelta(days=30, seconds=1), tick=False)
    assert client.post(path).status_code == 404
    assert client.get(path).status_code == 404


def test_a_wrong_handoff_token_is_404(plan, client, time_machine):
    _handed_off(plan, time_machine)
    assert client.post(reverse("handoff_page", args=["x" * 43])).status_code == 404


def test_cancelling_after_the_handoff_ends_access(owner_client, plan, client, time_machine):
    path = _handed_off(plan, time_machine)
    owner_client.post(reverse("quiet_cancel"))
    assert client.post(path).status_code == 404


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_contact_links_are_rate_limited_per_address(plan, client, time_machine):
    path = _handed_off(plan, time_machine)
    statuses = [client.get(path).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert client.get(reverse("handoff_page", args=["guess"])).status_code == 429


def test_an_im_here_link_expires_after_31_days(plan, client, time_machine):
    path = reverse("quiet_here_link", args=[tokens.here_token(plan.pk)])
    time_machine.move_to(T0 + 32 * DAY, tick=False)
    assert client.post(path).status_code == 404
    plan.refresh_from_db()
    assert plan.last_active_at == T0
