"""At 390 px: the header keeps the account menu on the brand's row, the charts switch to
their phone layout, and every drop-down menu closes on Escape."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import sign_in
from tests.factories import ExchangeAccountFactory, ExchangeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def holder(transactional_db):
    user = UserFactory(email="a.rather.long.address@example.com")
    binance = ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=90)
    today = datetime.date.today()
    for days, label in [(5, "Main"), (100, "Old DCA"), (40, "Bot")]:
        ExchangeAccountFactory(owner=user, exchange=binance, label=label,
                               last_login_on=today - datetime.timedelta(days=days))
    return user


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "ko"])
def test_the_avatar_shares_the_brands_row_on_a_phone(page, live_server, holder, language):
    """In every language: the picker shows the language's own name, and "简体中文" is
    the widest of them."""
    holder.language = language
    holder.save(update_fields=["language"])
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, holder)
    brand = box(page.locator(".site-header .brand"))
    avatar = box(page.locator(".site-header .avatar"))
    nav = box(page.locator(".site-header .main-nav"))
    assert abs((avatar["y"] + avatar["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 8
    assert nav["y"] >= brand["y"] + brand["height"] - 1  # the links wrap below, not the menu
    assert avatar["x"] + avatar["width"] <= PHONE["width"]


@pytest.mark.parametrize(("viewport", "shown", "hidden"), [
    (PHONE, ".chart-narrow", ".chart-wide"), (DESKTOP, ".chart-wide", ".chart-narrow"),
])
def test_charts_use_the_layout_that_reads_at_each_width(
    page, live_server, holder, viewport, shown, hidden, screenshot
):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, holder)
    card = page.locator(".chart-card")
    expect(card.locator(f"{shown} svg")).to_be_visible()
    expect(card.locator(f"{hidden} svg")).to_be_hidden()
    drawn = box(card.locator(f"{shown} svg"))
    font_size = float(card.locator(f"{shown} svg").get_attribute("font-size"))
    view_width = float(card.locator(f"{shown} svg").get_attribute("viewBox").split()[2])
    assert font_size * drawn["width"] / view_width >= 11  # text drawn at 11 px or more
    screenshot(f"charts-dashboard-{viewport['width']}")

    page.get_by_role("link", name="Binance").first.click()
    history = page.locator(f"{shown} svg[aria-labelledby^='check-in-history']")
    expect(history).to_be_visible()
    drawn = box(history)
    assert float(history.get_attribute("font-size")) * drawn["width"] / float(
        history.get_attribute("viewBox").split()[2]) >= 11
    screenshot(f"charts-account-{viewport['width']}")


@pytest.mark.parametrize("menu", [".more-menu", ".language-menu", ".user-menu"])
def test_every_drop_down_menu_closes_on_escape(page, live_server, holder, menu):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, holder)
    details = page.locator(menu).first
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("summary")).to_be_focused()


# Each card-view label (td[data-label]::before) at its drawn size, next to the width its
# text needs on one line in the same font.
CARD_LABELS = """() => [...document.querySelectorAll('.table-wrap td[data-label]')]
  .filter(td => getComputedStyle(td, '::before').content !== 'none')
  .map(td => {
    const before = getComputedStyle(td, '::before');
    const probe = document.createElement('span');
    probe.textContent = td.dataset.label;
    probe.style.font = before.font;
    probe.style.whiteSpace = 'nowrap';
    probe.style.position = 'absolute';
    document.body.append(probe);
    const needed = probe.getBoundingClientRect();
    probe.remove();
    return {label: td.dataset.label, width: parseFloat(before.width),
            height: parseFloat(before.height), needed: needed.width, line: needed.height};
  })"""


@pytest.mark.parametrize(("language", "finding"), [("zh-hans", "主要问题"), ("ja", "主な指摘")])
def test_card_labels_stay_whole_on_a_phone(
    page, live_server, holder, language, finding, screenshot
):
    """The dormant account's top finding and its walkthrough link fill the row: the
    label beside them keeps its width and its one line ("主要问题", not "主要问/题")."""
    holder.language = language
    holder.save(update_fields=["language"])
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, holder)
    expect(page.locator(".table-wrap td[data-label]").first).to_be_visible()
    labels = page.evaluate(CARD_LABELS)
    assert finding in {label["label"] for label in labels}
    squeezed = [label for label in labels if label["width"] < label["needed"] - 0.5
                or label["height"] > label["line"] * 1.5]
    assert squeezed == []
    screenshot(f"dashboard-{language}-390")
