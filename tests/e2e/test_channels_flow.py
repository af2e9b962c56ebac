"""A user adds a chat channel pointing at a local JSON webhook, is told clearly when the
URL points at a refused address, sends a test and sees the result at once; the webhook
received it. No CSP violations on the way."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from reminders.models import Channel
from tests.e2e.pages import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@override_settings(NOTIFY_ALLOW_PRIVATE_NETWORKS=True)
def test_add_a_json_channel_and_send_a_test(page, live_server, service, csp_violations,
                                            screenshot):
    user = UserFactory(email="chatty@example.com")
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/reminders/")
    page.get_by_role("link", name="Manage notification channels").click()
    expect(page.get_by_role("heading", name="Notification channels", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a channel").click()

    page.get_by_label("Name").fill("Phone")
    page.get_by_label("Chat or push (Apprise URL)").check()
    # The metadata address is refused even with private networks allowed.
    page.get_by_label("Apprise URL", exact=True).fill("json://169.254.169.254/latest")
    page.get_by_role("button", name="Add channel").click()
    expect(page.locator("#field-url .errorlist")).to_contain_text("cloud metadata address")
    screenshot("channels-form-error")
    assert not Channel.objects.exists()

    url = f"json://127.0.0.1:{service.port}/hook/topsecret-token"
    page.get_by_label("Apprise URL", exact=True).fill(url)
    page.get_by_role("button", name="Add channel").click()
    expect(page.get_by_text("Channel “Phone” added.")).to_be_visible()
    # Shown masked: the page never carries the token again.
    assert "topsecret-token" not in page.content()
    expect(page.get_by_text("json://127.0.0.1/…")).to_be_visible()

    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_text("Test message sent to “Phone”.")).to_be_visible()
    expect(page.get_by_text("Last message delivered")).to_be_visible()
    [request] = service.received
    assert request.path == "/hook/topsecret-token"
    assert request.json()["title"].startswith("[Test] Dormant Guard")
    screenshot("channels-desktop")
    # On a phone neither the list nor the form (with its long example URLs) scrolls
    # sideways.
    page.set_viewport_size(PHONE)
    for path in ("/reminders/channels/", "/reminders/channels/new/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    screenshot("channels-form-phone")
    assert csp_violations == []
