"""A 400-day-dormant Binance account is walked back in, and the dashboard turns active."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.models import CheckIn, Exchange, TwoFactorMethod
from tests.e2e.pages import sign_in
from tests.factories import ExchangeAccountFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dormant_account(transactional_db):
    user = UserFactory(email="returning@example.com")
    account = ExchangeAccountFactory(
        owner=user, exchange=Exchange.objects.get(slug="binance"), label="Savings",
        last_login_on=datetime.date.today() - datetime.timedelta(days=400),
        two_factor_method=TwoFactorMethod.SMS, api_keys_present=True,
    )
    CheckIn.objects.create(account=account, on=account.last_login_on, source="added")
    return account


def test_reactivate_a_long_dormant_binance_account(
    page, live_server, dormant_account, csp_violations, screenshot
):
    sign_in(page, live_server, dormant_account.owner)
    row = page.locator("tr", has_text="Savings")
    expect(row.locator(".badge")).to_have_text("Long dormant")
    row.get_by_role("link", name="Walk me back in").click()

    page.get_by_role("radio", name="No").check()  # forgot the password
    page.get_by_role("button", name="Show my steps").click()
    expect(page.get_by_text("0 of")).to_be_visible()
    plan = page.locator(".plan-card")
    expect(plan).to_contain_text("Plan for withdrawals to work again")
    # The Binance hold after a reset is listed once (the step's and Binance's are one).
    expect(plan.get_by_text("24–48 hours")).to_have_count(1)
    expect(page.locator("#step-reactivate-password-reset")).to_be_visible()
    expect(page.locator("#step-reactivate-2fa-reset")).to_have_count(0)
    screenshot("walkthrough-start")

    login_step = page.locator("#step-reactivate-login")
    login_step.get_by_role("button", name="Done").click()
    expect(page.locator("#step-reactivate-login .badge")).to_have_text("Done")
    # Only the step to do next is highlighted: the page lands on it (the anchor's
    # :target), not on the step just done.
    current = page.locator("details.step.is-current")
    expect(current).to_have_count(1)
    expect(current).not_to_have_id("step-reactivate-login")
    target = page.evaluate("() => document.querySelector(':target').id")
    assert target == current.get_attribute("id")
    screenshot("walkthrough-after-done")
    page.locator("#step-harden-2fa").get_by_role("button", name="Done").click()
    page.locator("#step-harden-devices").get_by_role("button", name="Skip").click()
    expect(page.get_by_text("3 of")).to_be_visible()

    page.emulate_media(media="print")
    screenshot("walkthrough-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Dashboard").first.click()
    row = page.locator("tr", has_text="Savings")
    expect(row.locator(".badge")).to_have_text("Active")
    assert csp_violations == []
