"""A user signs in, finds the sign-in in their security activity, confirms their
password, downloads their data and deletes their account."""

import json

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from security.models import SecurityEvent
from tests.e2e.pages import sign_in
from tests.factories import DEFAULT_PASSWORD, ExchangeAccountFactory, UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]



@pytest.fixture
def user(transactional_db):
    user = UserFactory(email="holder@example.com")
    ExchangeAccountFactory(owner=user, label="Cold storage")
    return user


def open_menu_link(page, name):
    page.locator(".user-menu summary").click()
    page.locator(".menu-panel").get_by_role("link", name=name).click()


def test_activity_export_and_delete(page, live_server, user, csp_violations, screenshot):
    sign_in(page, live_server, user)
    expect(page.get_by_role("heading", name="Your exchange accounts")).to_be_visible()

    open_menu_link(page, "Security activity")
    expect(page.get_by_role("heading", name="Security activity")).to_be_visible()
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text("Signed in")
    expect(first_row).to_contain_text("127.0.0.1")
    expect(page.get_by_text("Not you?")).to_be_visible()
    screenshot("security-activity")

    # Export: allauth asks for the password first, then shows the export page.
    page.locator("main").get_by_role("link", name="Export your data").click()
    expect(page).to_have_url(f"{live_server.url}/auth/reauthenticate/?next=%2Fsecurity%2Fexport%2F")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Export your data")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert data["user"]["email"] == "holder@example.com"
    assert data["exchange_accounts"][0]["label"] == "Cold storage"
    assert "password" not in data["user"]
    assert SecurityEvent.objects.filter(user=user, kind="data_exported").exists()

    # Delete, within the reauthentication window: a warning, then the email to confirm.
    open_menu_link(page, "Delete account")
    expect(page.get_by_role("heading", name="Delete your account?")).to_be_visible()
    expect(page.get_by_text("Exchange accounts: 1")).to_be_visible()
    screenshot("delete-account")
    page.get_by_label("Type your email address to confirm").fill("holder@example.com")
    page.get_by_role("button", name="Delete my account permanently").click()

    expect(page.get_by_role("heading", name="Your account has been deleted")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
           ).to_be_visible()
    assert not get_user_model().objects.filter(email="holder@example.com").exists()
    assert SecurityEvent.objects.filter(kind="account_deleted", user=None).count() == 1
    assert csp_violations == []
