"""A user sets up email reminders, sends themselves a test reminder and finds it in the
mailbox, then creates a private calendar link. No CSP violations on the way."""

import datetime

import pytest
from django.core import mail
from playwright.sync_api import expect

from reminders.models import ReminderPreference
from tests.e2e.pages import sign_in
from tests.factories import DEFAULT_PASSWORD, ExchangeAccountFactory, ExchangeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}



@pytest.fixture
def user(transactional_db):
    kraken = ExchangeFactory(slug="kraken", name="Kraken")
    user = UserFactory(email="holder@example.com")
    ExchangeAccountFactory(
        owner=user, exchange=kraken, label="Trading",
        last_login_on=datetime.date.today() - datetime.timedelta(days=100),
    )
    return user


def test_change_preferences_and_send_a_test_reminder(
    page, live_server, user, csp_violations, screenshot
):
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/reminders/")
    expect(page.get_by_role("heading", name="Email reminders", level=1)).to_be_visible()

    # A secret-looking safety phrase is refused beside its field, nothing else is lost.
    page.get_by_label("Email safety phrase").fill("JBSWY3DPEHPK3PXP")
    page.get_by_label("While something is overdue, remind me").select_option("monthly")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#field-safety_phrase .errorlist")).to_contain_text("2FA")
    expect(page.get_by_label("While something is overdue, remind me")).to_have_value("monthly")

    page.get_by_label("Email safety phrase").fill("purple otter at noon")
    page.get_by_label("Warn me this many days before a check-in is due").fill("21")
    page.get_by_label("At this hour").select_option("7")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Reminder settings saved.")).to_be_visible()
    expect(page.get_by_text("(Europe/London)")).to_be_visible()
    preference = ReminderPreference.objects.get(user=user)
    assert (preference.frequency, preference.warn_days, preference.hour) == ("monthly", 21, 7)

    page.get_by_role("button", name="Send a test reminder to me").click()
    expect(page.get_by_text("Test reminder sent to holder@example.com.")).to_be_visible()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["holder@example.com"]
    assert message.subject == "[Test] Kraken – Trading is overdue: time to log in"
    assert "purple otter at noon" in message.body
    assert "purple otter at noon" in message.alternatives[0][0]
    expect(page.locator("table")).to_contain_text("Test reminder")
    expect(page.locator("table")).to_contain_text("Sent")

    page.get_by_role("button", name="Create a calendar link").click()
    # A calendar link reveals the inventory: allauth asks for the password again first.
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    feed_url = page.locator("#feed-url").input_value()
    assert feed_url.startswith("https://guard.example.com/reminders/calendar/")
    calendar = page.request.get(live_server.url + feed_url.removeprefix("https://guard.example.com"))
    assert calendar.status == 200 and "BEGIN:VCALENDAR" in calendar.text()

    screenshot("reminders-desktop")
    page.set_viewport_size(PHONE)
    screenshot("reminders-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert csp_violations == []
