"""A reader switches to Korean from the header, adds an account and reads the dashboard in
Korean; the choice is stored on the user. Screenshots at desktop and phone widths.

The Korean labels are looked up in the catalog (gettext inside translation.override), so
the test follows the translation; it fails while the Korean catalog is empty."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.e2e.pages import sign_in
from tests.english import untranslated_html
from tests.factories import ExchangeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def ko(text: str) -> str:
    with translation.override("ko"):
        korean = gettext(text)
    assert korean != text, f"{text!r} has no Korean translation yet (locale/ko)"
    return korean


@pytest.fixture
def user(transactional_db):
    ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=90)
    return UserFactory(email="reader@example.com")


def test_switch_to_korean_add_an_account_and_read_the_dashboard(
    page, live_server, user, csp_violations, screenshot
):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, user)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator(".site-header .language-menu summary").click()
    page.locator(".site-header").get_by_role("button", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    user.refresh_from_db()
    assert user.language == "ko"

    page.get_by_role("link", name=ko("Add your first account")).click()
    page.get_by_label(ko("Exchange"), exact=True).select_option("binance")
    page.get_by_label(ko("label").capitalize(), exact=True).fill("메인")
    last_login = datetime.date.today() - datetime.timedelta(days=120)
    page.get_by_label(ko("Last login"), exact=True).fill(last_login.isoformat())
    page.get_by_role("button", name=ko("Add account")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Binance")

    page.get_by_role("navigation", name=ko("Main")).get_by_role(
        "link", name=ko("Dashboard")
    ).click()
    expect(page.get_by_role("heading", name=ko("Your exchange accounts"))).to_be_visible()
    row = page.locator("tr", has_text="메인")
    with translation.override("ko"):
        dormant = str(translation.pgettext("account status", "Dormant"))
    expect(row.locator(".badge")).to_have_text(dormant)
    screenshot("language-dashboard-ko-desktop")
    page.set_viewport_size(PHONE)
    screenshot("language-dashboard-ko-phone")

    english = Client()
    english.force_login(user)
    user.language = "en"
    user.save(update_fields=["language"])
    english_html = english.get(reverse("dashboard")).content.decode()
    left = untranslated_html(english_html, page.content(), ("메인", user.email))
    assert not left, "English left on the Korean dashboard:\n  " + "\n  ".join(left)
    assert csp_violations == []
