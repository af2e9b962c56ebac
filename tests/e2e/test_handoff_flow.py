"""The owner names a trusted contact, the contact confirms from the email, the owner
goes quiet past the period, and the contact reaches the handoff page. No CSP violations."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.pages import sign_in
from tests.factories import ExchangeAccountFactory, ExchangeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _path(message, fragment: str) -> str:
    paths = re.findall(r"https?://[^/\s]+(/\S*)", message.body)
    return next(p for p in paths if fragment in p)


@pytest.fixture
def user(transactional_db):
    kraken = ExchangeFactory(slug="kraken", name="Kraken")
    user = UserFactory(email="holder@example.com")
    ExchangeAccountFactory(
        owner=user, exchange=kraken, label="Savings", login_hint="h***@example.com",
        notes="the paper in the safe",
    )
    return user


def test_a_contact_confirms_and_later_reaches_the_handoff(
    page, browser, live_server, user, csp_violations, screenshot
):
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/reminders/")
    page.get_by_role("link", name="If I go quiet: trusted contacts").click()
    page.get_by_label("Quiet period in days").fill("90")
    page.get_by_label("Message to your contacts").fill("The laptop password is with the notary.")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Your quiet period starts again today.")).to_be_visible()

    page.get_by_label("Contact's email address").fill("sister@example.net")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_text("waiting for confirmation")).to_be_visible()
    [request] = mail.outbox
    confirm = _path(request, "/h/confirm/")

    contact = browser.new_context().new_page()  # no cookies: contacts have no account
    contact.on("console", lambda msg: csp_violations.append(msg.text)
               if "Content Security Policy" in msg.text else None)
    contact.goto(live_server.url + confirm)
    contact.get_by_role("button", name="Confirm").click()
    expect(contact.get_by_role("heading", name="You are a trusted contact")).to_be_visible()
    page.reload()
    expect(page.get_by_text("confirmed", exact=False)).to_be_visible()

    # The owner goes quiet: the sweep runs 91 days later. (The clock comes back for the
    # browser part: the link is valid for 30 days from the sweep, so it still opens.)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91), tick=False):
        call_command("run_quiet_sweep")
    [handoff] = [m for m in mail.outbox if m.to == ["sister@example.net"]]
    contact.goto(live_server.url + _path(handoff, "/h/"))
    contact.get_by_role("button", name="Show the handoff").click()
    heading = contact.get_by_role("heading", name="Exchange accounts of holder@example.com")
    expect(heading).to_be_visible()
    expect(contact.locator("#handoff-accounts")).to_contain_text("Kraken · Savings")
    expect(contact.get_by_text("The laptop password is with the notary.")).to_be_visible()
    assert "the paper in the safe" not in contact.content()
    screenshot("handoff-owner")
    folder = screenshot("handoff-owner").parent
    contact.screenshot(path=str(folder / "handoff-contact.png"), full_page=True)
    contact.context.close()  # before the live server stops, so no request is left open
    assert csp_violations == []
