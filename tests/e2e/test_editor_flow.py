"""An editor (made by `create_editor`, signed in with a TOTP code) reorders steps, writes
a new step as a draft with its Japanese translation, previews it saved and unsaved,
then publishes it; readers see it only then. Also: the steps inline and the step form
fit a 1366 px wide screen without scrolling sideways."""

import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from checklists.models import Guide, Step, StepTranslation
from tests.conftest import current_totp_code
from tests.e2e.pages import sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 800}


@pytest.fixture
def editor(transactional_db, monkeypatch):
    monkeypatch.setitem(os.environ, "EDITOR_PASSWORD", DEFAULT_PASSWORD)
    call_command("create_editor", "editor@example.com", no_input=True, verbosity=0)
    user = get_user_model().objects.get(email="editor@example.com")
    TOTP.activate(user, generate_totp_secret())
    return user


def sign_in_editor(page, live_server, editor) -> None:
    sign_in(page, live_server, editor)
    page.locator("input[name=code]").fill(current_totp_code(editor))
    page.locator("form").filter(has=page.locator("input[name=code]")).locator(
        "button[type=submit]"
    ).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('dashboard')}")


def scrolls_sideways(page) -> bool:
    """The page, or any box on it (the inline's wrapper scrolls on its own), is wider
    than its room."""
    return page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll('.wrapper, fieldset')]
            .some(box => box.scrollWidth > box.clientWidth + 1)"""
    )


def test_editor_reorders_steps_without_typing_positions(
    page, live_server, editor, csp_violations, screenshot
):
    page.set_viewport_size(WIDE)
    sign_in_editor(page, live_server, editor)
    page.get_by_role("link", name="Editor tools").click()
    # The Editor group sees the guidance and the exchange catalogue, nothing else.
    expect(page.get_by_role("link", name="Guides")).to_be_visible()
    for hidden in ("users_user", "accounts_exchangeaccount", "checklists_walkthrough"):
        url = reverse(f"admin:{hidden}_changelist")
        expect(page.locator(f'#content-main a[href="{url}"]')).to_have_count(0)

    harden = Guide.objects.get(slug="harden")
    page.goto(f"{live_server.url}{reverse('admin:checklists_guide_change', args=[harden.pk])}")
    assert not scrolls_sideways(page)
    screenshot("admin-guide-steps-1366")

    rows = page.locator("#steps-group tbody tr.has_original")
    second_title = rows.nth(1).locator("td.field-title input").input_value()
    rows.nth(1).get_by_role("button", name="Move up").click()
    expect(rows.nth(0).locator("td.field-title input")).to_have_value(second_title)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    ordered = list(harden.steps.order_by("position").values_list("title", "position"))
    assert ordered[0] == (second_title, 1)
    assert [position for _title, position in ordered] == list(range(1, len(ordered) + 1))
    assert csp_violations == []


def test_editor_drafts_previews_and_publishes_a_step(
    page, live_server, editor, csp_violations, screenshot
):
    page.set_viewport_size(WIDE)
    sign_in_editor(page, live_server, editor)
    page.goto(f"{live_server.url}{reverse('admin:checklists_step_add')}")
    page.locator("#id_guide").select_option(label="Stay active")
    page.locator("#id_title").fill("Write down where your recovery codes are")
    page.locator("#id_body").fill("Keep a note of **where** the codes are.")
    page.locator("#id_title__ja").fill("リカバリーコードの保管場所を書き留める")
    page.locator("#id_body__ja").fill("コードを**どこに**保管したかを記録しておきましょう。")
    page.locator("#id_last_reviewed_on").fill("2026-11-30")
    assert not scrolls_sideways(page)
    screenshot("admin-step-side-by-side-1366")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    step = Step.objects.get(slug="write-down-where-your-recovery-codes-are")
    assert not step.is_published
    assert StepTranslation.objects.get(step=step, language="ja").title.startswith("リカバリー")

    # Readers don't see the draft; the preview does, in any language.
    reader = page.context.browser.new_page()
    reader.goto(f"{live_server.url}{reverse('guidance')}")
    expect(reader.get_by_text("Write down where your recovery codes are")).to_have_count(0)

    preview = page.context.new_page()
    preview.goto(f"{live_server.url}{reverse('step_preview', args=[step.pk])}?lang=ja")
    expect(preview.locator(".step-title")).to_have_text("リカバリーコードの保管場所を書き留める")
    expect(preview.get_by_text("Draft: readers don't see it yet.")).to_be_visible()
    screenshot_page(preview, "admin-step-preview-ja")
    preview.close()

    # An unsaved change, previewed in a new tab, is not saved.
    page.locator("#id_body").fill("Keep a note of **where** the codes are kept.")
    page.get_by_label("Preview in").select_option("en")
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name="Preview unsaved changes").click()
    unsaved = new_tab.value
    expect(unsaved.locator(".step-body")).to_contain_text("where the codes are kept.")
    expect(unsaved.get_by_text("nothing has been saved")).to_be_visible()
    unsaved.close()
    step.refresh_from_db()
    assert step.body == "Keep a note of **where** the codes are."
    assert step.position == Guide.objects.get(slug="stay-active").steps.count()  # the end

    page.locator("#id_is_published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    reader.goto(f"{live_server.url}{reverse('guidance')}")
    expect(reader.locator(f"#{step.slug}")).to_have_text("Write down where your recovery codes are")
    assert csp_violations == []


def screenshot_page(page, name: str) -> None:
    from tests.e2e.conftest import SCREENSHOT_DIR

    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
