"""A user adds an account, records a login with one click, sees the dashboard change and
exports the inventory. Screenshots at desktop and phone widths land in screenshots/."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.models import ExchangeAccount
from tests.e2e.pages import sign_in
from tests.factories import (
    DEFAULT_PASSWORD,
    ExchangeAccountFactory,
    ExchangeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}



@pytest.fixture
def user(transactional_db):
    ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=90,
                    offers_anti_phishing_code=True, offers_withdrawal_whitelist=True)
    ExchangeFactory(slug="kraken", name="Kraken")
    return UserFactory(email="holder@example.com")


def test_add_account_check_in_and_export(page, live_server, user, csp_violations, screenshot):
    sign_in(page, live_server, user)
    expect(page.get_by_role("heading", name="Start with one account")).to_be_visible()
    page.get_by_role("link", name="Add your first account").click()

    page.get_by_label("Exchange", exact=True).select_option("binance")
    expect(page.locator("#field-other_exchange_name")).to_be_hidden()
    page.get_by_label("Label", exact=True).fill("Old DCA account")
    last_login = datetime.date.today() - datetime.timedelta(days=120)
    page.get_by_label("Last login", exact=True).fill(last_login.isoformat())
    page.get_by_label("Two-factor method").select_option("sms")
    page.get_by_role("button", name="Add account").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Binance")
    expect(page.get_by_text("Binance may start its dormancy process after 90 days")).to_be_visible()
    screenshot("account-desktop")
    page.set_viewport_size(PHONE)
    screenshot("account-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Dashboard").first.click()
    row = page.locator("tr", has_text="Old DCA account")
    expect(row.locator(".badge")).to_have_text("Dormant")
    page.reload()  # the status must also survive a page load
    row = page.locator("tr", has_text="Old DCA account")
    row.get_by_role("button", name="I logged in today").click()
    expect(row.locator(".badge")).to_have_text("Active")  # swapped in place by htmx
    expect(row.get_by_text("Recorded")).to_be_visible()
    account = ExchangeAccount.objects.get(owner=user)
    assert account.last_login_on == datetime.date.today()

    page.locator(".more-menu summary").click()
    page.get_by_role("link", name="Export CSV").click()
    # Like the full data export, it asks for the password again; then the file comes.
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Confirm").click()
    csv_text = download_info.value.path().read_text(encoding="utf-8")
    assert "Old DCA account" in csv_text
    assert csp_violations == []


def test_dashboard_screenshots_at_phone_and_desktop(page, live_server, user, screenshot):
    binance = ExchangeFactory(slug="binance")
    kraken = ExchangeFactory(slug="kraken")
    today = datetime.date.today()
    for exchange, label, days in [
        (binance, "Savings", 400), (kraken, "Trading", 80), (kraken, "Fresh", 3),
        (binance, "Bot account", 100),
    ]:
        ExchangeAccountFactory(
            owner=user, exchange=exchange, label=label,
            last_login_on=today - datetime.timedelta(days=days),
        )
    sign_in(page, live_server, user)
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("heading", name="Your exchange accounts")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    screenshot("dashboard-desktop")
    page.set_viewport_size(PHONE)
    screenshot("dashboard-phone")
    # On a phone the table turns into cards: no horizontal scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
