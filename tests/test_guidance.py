"""Guidance as data: safe Markdown, the public page in the reader's language, drafts,
registries, and editing in the admin (languages side by side, previews, history)."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.findings import Finding, Severity
from accounts.translatable import translation_language_codes
from checklists.actions import ACTIONS
from checklists.conditions import CONDITIONS
from checklists.markdown import render_markdown
from checklists.models import (
    ExchangeNote,
    ExchangeNoteTranslation,
    Guide,
    GuideTranslation,
    Step,
    StepProgress,
    StepTranslation,
    Walkthrough,
)
from tests.conftest import sign_in_staff
from tests.factories import ExchangeAccountFactory, StaffUserFactory, UserFactory

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](https://evil.example/track.png)",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '[x](https://ok.example "title" onmouseover=alert(1))',
]


ALLOWED_OUTPUT_TAGS = {"p", "a", "strong", "em", "code", "ul", "ol", "li", "br"}


class TagCollector(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.elements


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_never_lets_scripts_or_raw_html_through(payload):
    elements = parse(render_markdown(f"Intro\n\n{payload}\n\nOutro"))
    assert ("p", {}) in elements  # the text around the payload survives
    for tag, attrs in elements:
        assert tag in ALLOWED_OUTPUT_TAGS
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        href = attrs.get("href") or ""
        assert href == "" or href.startswith(("https://", "http://", "mailto:"))


def test_markdown_links_get_noopener_noreferrer():
    html = render_markdown("[Binance terms](https://www.binance.com/en/terms)")
    assert 'href="https://www.binance.com/en/terms"' in html
    assert 'rel="noopener noreferrer"' in html


def test_markdown_keeps_ordinary_formatting():
    html = render_markdown("**Bold** and *soft*\n\n- one\n- two\n\n1. first")
    assert "<strong>Bold</strong>" in html
    assert "<li>one</li>" in html
    assert "<ol>" in html


# --- The public page -------------------------------------------------------------------


@pytest.mark.django_db
def test_public_guidance_page_lists_guides_and_step_anchors(anon_client):
    html = anon_client.get(reverse("guidance")).content.decode()
    for anchor in ("guide-while-away", "reactivate-login", "harden-2fa", "stay-active",
                   "self-custody"):
        assert f'id="{anchor}"' in html
    assert "Not yet translated" not in html  # English readers read the source


@pytest.mark.django_db
def test_guidance_page_query_count_is_fixed(anon_client, django_assert_num_queries):
    # Guides, steps, notes with their exchanges: three, however many steps there are.
    with django_assert_num_queries(3):
        anon_client.get(reverse("guidance"))

    guide = Guide.objects.create(slug="extra-guide", title="Extra guide", position=99,
                                 is_published=True)
    for n in range(5):
        Step.objects.create(guide=guide, position=n, slug=f"extra-{n}", title=f"Extra {n}",
                            body="Body", source_name="Source", source_url="https://example.com",
                            is_published=True)
    with django_assert_num_queries(3):
        html = anon_client.get(reverse("guidance")).content.decode()
    assert 'id="extra-4"' in html
    assert html.count('<div class="guidance-step"') == Step.objects.count()
    assert html.count('class="exchange-note"') == ExchangeNote.objects.count()


# The test database holds the translations loaded from content/; these helpers replace
# or remove one item's, so a test controls exactly the text and the gaps it needs.


def untranslate(item, language: str) -> None:
    """Remove the item's translation in `language`: a gap, as a new step would have."""
    assert item.translations.filter(language=language).delete()[0] == 1


def translate_step(slug: str, language: str, **text) -> StepTranslation:
    """The step's text in `language` is exactly `text` (fields not given are empty)."""
    step = Step.objects.get(slug=slug)
    step.translations.filter(language=language).delete()
    return StepTranslation.objects.create(step=step, language=language,
                                          source_hash=step.english_hash, **text)


def translate_guide(slug: str, language: str, **text) -> GuideTranslation:
    guide = Guide.objects.get(slug=slug)
    guide.translations.filter(language=language).delete()
    return GuideTranslation.objects.create(guide=guide, language=language,
                                           source_hash=guide.english_hash, **text)


def section(html: str, anchor: str) -> str:
    """The HTML of one step on the guidance page, from its container to the next one."""
    start = html.rindex('<div class="guidance-step"', 0, html.index(f'id="{anchor}"'))
    end = html.find('<div class="guidance-step"', start + 1)
    return html[start:end if end != -1 else len(html)]


@pytest.mark.django_db
def test_a_reader_sees_translated_steps_in_their_language_and_english_marked(
    anon_client, read_in, django_assert_num_queries
):
    translate_guide("harden", "ja", title="セキュリティを強化する", summary="要約")
    translate_step("harden-password", "ja", title="まずパスワードを変更する",
                   body="**12文字**以上にしましょう。", source_name="記事")
    untranslate(Step.objects.get(slug="harden-devices"), "ja")
    read_in(anon_client, "ja")
    # Translations of the reader's language: one more query each for guides, steps, notes.
    with django_assert_num_queries(6):
        html = anon_client.get(reverse("guidance")).content.decode()

    translated = section(html, "harden-password")
    assert 'lang="ja"' in translated and "まずパスワードを変更する" in translated
    assert "<strong>12文字</strong>" in translated
    assert "Not yet translated" not in translated
    assert "セキュリティを強化する" in html
    untranslated = section(html, "harden-devices")
    assert 'lang="en"' in untranslated and "Review devices and login history" in untranslated
    assert 'class="untranslated"' in untranslated


@pytest.mark.django_db
def test_a_step_never_mixes_languages(anon_client, read_in):
    """The step is translated but its Binance note isn't: the whole step stays English."""
    translate_step("reactivate-password-reset", "ja", title="パスワードを忘れた場合",
                   body="本文", expected_wait="24〜48時間", source_name="記事")
    binance = ExchangeNote.objects.get(step__slug="reactivate-password-reset",
                                       exchange__slug="binance")
    untranslate(binance, "ja")
    html = read_in(anon_client, "ja").get(reverse("guidance")).content.decode()
    step = section(html, "reactivate-password-reset")
    assert "パスワードを忘れた場合" not in step and "24〜48時間" not in step
    assert "If you&#x27;ve forgotten the password" in step
    assert 'class="untranslated"' in step

    ExchangeNoteTranslation.objects.create(note=binance, language="ja", body="注記",
                                           expected_wait="待機", source_name="出典",
                                           source_hash=binance.english_hash)
    step = section(read_in(anon_client, "ja").get(reverse("guidance")).content.decode(),
                   "reactivate-password-reset")
    assert "パスワードを忘れた場合" in step and "注記" in step
    assert "forgotten the password" not in step and 'class="untranslated"' not in step


@pytest.mark.django_db
def test_an_incomplete_translation_shows_the_english(anon_client, read_in):
    # The English step has a source name; a translation without one isn't shown.
    translate_step("harden-devices", "ko", title="기기 확인", body="본문")
    html = read_in(anon_client, "ko").get(reverse("guidance")).content.decode()
    assert "기기 확인" not in html
    assert "Review devices and login history" in section(html, "harden-devices")


@pytest.mark.django_db
def test_findings_fix_links_land_on_the_step_in_the_readers_language(anon_client, read_in):
    translate_step("harden-2fa", "zh-hans", title="使用验证器应用", body="正文",
                   source_name="文章")
    finding = Finding("no_2fa", Severity.HIGH, "No 2FA", "…", "harden-2fa")
    path, anchor = finding.fix_url.split("#")
    html = read_in(anon_client, "zh-hans").get(path).content.decode()
    assert re.search(rf'<h3 id="{anchor}">使用验证器应用', html)


@pytest.mark.django_db
def test_drafts_are_hidden_from_readers_and_shown_in_the_preview(anon_client, client):
    Step.objects.filter(slug="harden-devices").update(is_published=False)
    Guide.objects.filter(slug="stay-active").update(is_published=False)
    html = anon_client.get(reverse("guidance")).content.decode()
    assert 'id="harden-devices"' not in html
    assert 'id="guide-stay-active"' not in html and 'id="keep-records"' not in html
    assert 'id="harden-password"' in html

    sign_in_staff(client, StaffUserFactory(email="editor@example.com"))
    preview = client.get(reverse("guidance_preview"), {"lang": "ja"}).content.decode()
    assert 'id="harden-devices"' in preview and 'id="keep-records"' in preview
    assert preview.count(">Draft</span>") == 2


@pytest.mark.django_db
def test_a_draft_step_stays_out_of_walkthroughs(owner):
    from checklists.plan import build_plan

    account = ExchangeAccountFactory(owner=owner)
    walkthrough = Walkthrough.objects.create(account=account)
    Step.objects.filter(slug="harden-password").update(is_published=False)
    assert "harden-password" not in [p.step.slug for p in build_plan(walkthrough, "en").steps]


# Every anchor accounts/findings.py links to must be a step on the guidance page.
FINDING_ANCHORS = {
    "harden-2fa", "harden-password", "harden-anti-phishing", "harden-whitelist",
    "harden-whitelist-addresses", "harden-api-keys", "harden-devices", "harden-contact",
    "reactivate-kyc", "self-custody",
}


@pytest.mark.django_db
def test_every_finding_anchor_is_a_published_step():
    assert set(Step.objects.published().values_list("slug", flat=True)) >= FINDING_ANCHORS


@pytest.mark.django_db
def test_unknown_condition_or_action_key_cannot_be_saved():
    step = Step.objects.first()
    step.applies_when = "made_up"
    with pytest.raises(ValidationError) as error:
        step.full_clean()
    assert "applies_when" in error.value.message_dict
    step.applies_when = ""
    step.completes = "launch_rockets"
    with pytest.raises(ValidationError) as error:
        step.full_clean()
    assert "completes" in error.value.message_dict


def test_registries_offer_choices_with_labels():
    assert all(condition.label for condition in CONDITIONS.values())
    assert all(action.label for action in ACTIONS.values())


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def editor_client(client, db):
    editor = StaffUserFactory(email="editor@example.com")
    sign_in_staff(client, editor)
    return client, editor


def translation_fields(obj, names: tuple[str, ...]) -> dict:
    """The side-by-side fields as the form shows them: each language's current text."""
    by_language = {t.language: t for t in obj.translations.all()}
    data = {}
    for code in translation_language_codes():
        for name in names:
            translation = by_language.get(code)
            key = f"{name}__{code.replace('-', '_')}"
            data[key] = getattr(translation, name) if translation else ""
    return data


def step_form_data(step: Step, **changes) -> dict:
    data = {
        "guide": step.guide_id, "position": step.position, "title": step.title,
        "slug": step.slug, "body": step.body, "applies_when": step.applies_when,
        "completes": step.completes, "expected_wait": step.expected_wait,
        "withdrawal_hold_hours": step.withdrawal_hold_hours or "",
        "source_name": step.source_name, "source_url": step.source_url,
        "last_reviewed_on": step.last_reviewed_on.isoformat(),
        "exchange_notes-TOTAL_FORMS": "0", "exchange_notes-INITIAL_FORMS": "0",
        "exchange_notes-MIN_NUM_FORMS": "0", "exchange_notes-MAX_NUM_FORMS": "1000",
        **translation_fields(step, StepTranslation.translated_fields),
    }
    if step.is_published:
        data["is_published"] = "on"
    return {**data, **changes}


def note_forms(step: Step) -> dict:
    """The inline formset's fields for the step's existing exchange notes, unchanged."""
    notes = list(step.exchange_notes.all())
    data: dict[str, object] = {"exchange_notes-TOTAL_FORMS": str(len(notes)),
            "exchange_notes-INITIAL_FORMS": str(len(notes))}
    for i, note in enumerate(notes):
        data.update({
            f"exchange_notes-{i}-id": note.pk, f"exchange_notes-{i}-step": step.pk,
            f"exchange_notes-{i}-exchange": note.exchange_id,
            f"exchange_notes-{i}-body": note.body,
            f"exchange_notes-{i}-expected_wait": note.expected_wait,
            f"exchange_notes-{i}-withdrawal_hold_hours": note.withdrawal_hold_hours or "",
            f"exchange_notes-{i}-source_name": note.source_name,
            f"exchange_notes-{i}-source_url": note.source_url,
            f"exchange_notes-{i}-certainty": note.certainty,
            f"exchange_notes-{i}-last_reviewed_on": note.last_reviewed_on.isoformat(),
            **{f"exchange_notes-{i}-{name}": value for name, value in
               translation_fields(note, ExchangeNoteTranslation.translated_fields).items()},
        })
        if note.replaces_body:
            data[f"exchange_notes-{i}-replaces_body"] = "on"
    return data


def results(response) -> str:
    """The changelist's table of results (not its messages or filters)."""
    html = response.content.decode()
    assert response.status_code == 200 and "Select step to change" in html
    if 'id="result_list"' not in html:
        return ""  # nothing matched the filter
    return html.split('id="result_list"')[1].split("</table>")[0]


def change_url(step: Step) -> str:
    return reverse("admin:checklists_step_change", args=[step.pk])


@pytest.mark.django_db
def test_editor_edits_a_step_and_the_change_is_recorded_with_who_and_what(
    editor_client, anon_client
):
    client, editor = editor_client
    step = Step.objects.get(slug="harden-password")
    url = change_url(step)
    data = {**step_form_data(step, title="Change your password first"), **note_forms(step)}
    assert client.post(url, data).status_code == 302
    second = {**data, "expected_wait": "None expected"}
    assert client.post(url, second).status_code == 302

    latest = step.history.latest()
    assert latest.history_user == editor
    assert latest.title == "Change your password first"
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == ["expected_wait"]
    history_page = client.get(reverse("admin:checklists_step_history", args=[step.pk]))
    assert history_page.status_code == 200
    assert editor.email.encode() in history_page.content
    # The public page shows the edit on the next load.
    assert "Change your password first" in anon_client.get(reverse("guidance")).content.decode()


@pytest.mark.django_db
def test_the_step_form_shows_every_language_beside_the_english(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-2fa")
    translate_step("harden-2fa", "ko", title="인증 앱 사용", body="본문", source_name="기사")
    untranslate(step, "ja")
    html = client.get(change_url(step)).content.decode()
    row = re.search(r'<div class="form-row flex-container form-multiline[^"]*field-title\b.*?'
                    r'</div>\s*</div>\s*</div>', html, re.S)
    assert row, "no side-by-side title row"
    names = re.findall(r'name="(title[^"]*)"', row.group(0))
    assert names == ["title", "title__zh_hans", "title__ja", "title__ko"]
    assert 'value="인증 앱 사용"' in row.group(0)
    chinese = step.translations.get(language="zh-hans").title
    assert f'value="{chinese}"' in row.group(0)
    assert row.group(0).count("Not translated yet") == 1  # ja is empty


@pytest.mark.django_db
def test_editing_a_translation_beside_the_english_saves_it_with_history(editor_client):
    client, editor = editor_client
    step = Step.objects.get(slug="harden-2fa")
    data = {**step_form_data(step), **note_forms(step),
            "title__ja": "認証アプリを使う", "body__ja": "本文\r\n\r\n二段落目",
            "source_name__ja": "記事"}
    assert client.post(change_url(step), data).status_code == 302
    translation = StepTranslation.objects.get(step=step, language="ja")
    assert translation.body == "本文\n\n二段落目"  # LF, whatever the browser sent
    assert not translation.needs_review
    assert translation.history.latest().history_user == editor

    data = {**step_form_data(step), **note_forms(step), "title__ja": "", "body__ja": "",
            "source_name__ja": ""}
    assert client.post(change_url(step), data).status_code == 302
    assert not StepTranslation.objects.filter(step=step, language="ja").exists()


@pytest.mark.django_db
def test_changing_the_english_flags_translations_until_reviewed(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-2fa")
    translate_step("harden-2fa", "ja", title="認証アプリ", body="本文\n\n二段落目",
                   source_name="記事")
    translate_step("harden-2fa", "ko", title="인증 앱", body="본문", source_name="기사")
    data = {**step_form_data(step, body="Rewritten English."), **note_forms(step)}
    assert client.post(change_url(step), data).status_code == 302
    step.refresh_from_db()
    assert [(t.language, t.needs_review) for t in step.translations.order_by("language")] == [
        ("ja", True), ("ko", True), ("zh-hans", True)
    ]
    # Saving the page again, as a browser sends it (CRLF), is not a review.
    again = {**step_form_data(step), **note_forms(step), "body__ja": "本文\r\n\r\n二段落目"}
    assert client.post(change_url(step), again).status_code == 302
    assert step.translations.get(language="ja").needs_review

    changelist = reverse("admin:checklists_step_changelist")
    listed = results(client.get(changelist, {"translation": "review:ja"}))
    assert "Use an authenticator app or security key" in listed
    assert "Review devices and login history" not in listed
    form = client.get(change_url(step)).content.decode()
    assert "Needs review: the English changed" in form

    step.refresh_from_db()
    reviewed = {**step_form_data(step), **note_forms(step), "reviewed__ja": "on"}
    assert client.post(change_url(step), reviewed).status_code == 302
    assert not step.translations.get(language="ja").needs_review
    assert step.translations.get(language="ko").needs_review
    listed = results(client.get(changelist, {"translation": "review:ja"}))
    assert "Use an authenticator app or security key" not in listed


@pytest.mark.django_db
def test_the_missing_translation_filter_lists_untranslated_steps(editor_client):
    client, _ = editor_client
    untranslate(Step.objects.get(slug="harden-devices"), "ja")
    listed = results(client.get(reverse("admin:checklists_step_changelist"),
                                {"translation": "missing:ja"}))
    assert "Review devices and login history" in listed
    assert "Use an authenticator app or security key" not in listed


@pytest.mark.django_db
def test_admin_saves_normalise_line_endings_so_history_shows_the_real_change(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    crlf = step.body.replace("\n", "\r\n").replace("go through both carefully",
                                                    "go through both, slowly")
    assert client.post(change_url(step), {**step_form_data(step, body=crlf),
                                          **note_forms(step)}).status_code == 302
    step.refresh_from_db()
    assert "\r" not in step.body
    latest = step.history.latest()
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["body"]
    html = client.get(reverse("admin:checklists_step_history", args=[step.pk])).content.decode()
    assert "<del>carefully</del>" in html and "<ins>slowly</ins>" in html
    assert "[" not in html.split('class="word-diff"')[1].split("</div>")[0]  # not cut short


@pytest.mark.django_db
def test_admin_refuses_an_unknown_condition_key(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    response = client.post(change_url(step), step_form_data(step, applies_when="not_a_condition"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    step.refresh_from_db()
    assert step.applies_when != "not_a_condition"


@pytest.mark.django_db
def test_step_preview_renders_any_language(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    translate_step("harden-devices", "ja", title="端末とログイン履歴を確認する", body="本文",
                   source_name="記事")
    untranslate(step, "ko")
    change = client.get(change_url(step)).content.decode()
    assert reverse("step_preview", args=[step.pk]) in change
    english = client.get(reverse("step_preview", args=[step.pk])).content.decode()
    assert "Review devices and login history" in english
    japanese = client.get(reverse("step_preview", args=[step.pk]), {"lang": "ja"})
    assert "端末とログイン履歴を確認する" in japanese.content.decode()
    korean = client.get(reverse("step_preview", args=[step.pk]), {"lang": "ko"})
    assert "Not yet translated" in korean.content.decode()
    assert "Review devices and login history" in korean.content.decode()


@pytest.mark.django_db
def test_preview_of_unsaved_changes_saves_nothing(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    url = reverse("admin:checklists_step_preview_unsaved", args=[step.pk])
    translations = list(step.translations.values())
    data = {**step_form_data(step, body="A **new** body, not saved."), **note_forms(step),
            "title__ko": "기기 확인", "body__ko": "새 본문", "source_name__ko": "기사",
            "preview_language": "ko"}
    korean = client.post(url, data).content.decode()
    assert "기기 확인" in korean and "새 본문" in korean
    english = client.post(url, {**data, "preview_language": "en"}).content.decode()
    assert "A <strong>new</strong> body, not saved." in english
    assert "nothing has been saved" in english
    step.refresh_from_db()
    assert "new" not in step.body and list(step.translations.values()) == translations
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_preview_of_a_new_step_before_its_first_save(editor_client):
    client, _ = editor_client
    guide = Guide.objects.get(slug="stay-active")
    data = {"guide": guide.pk, "position": "0", "title": "A brand-new step", "slug": "brand-new",
            "body": "Draft text.", "last_reviewed_on": "2026-11-30",
            "exchange_notes-TOTAL_FORMS": "0", "exchange_notes-INITIAL_FORMS": "0",
            "preview_language": "en"}
    html = client.post(reverse("admin:checklists_step_preview_new"), data).content.decode()
    assert "A brand-new step" in html and "Draft text." in html
    assert not Step.objects.filter(slug="brand-new").exists()
    errors = client.post(reverse("admin:checklists_step_preview_new"), {**data, "title": ""})
    assert errors.status_code == 400 and "This field is required" in errors.content.decode()


@pytest.mark.django_db
def test_preview_is_for_staff_only(owner_client, anon_client):
    step = Step.objects.first()
    url = reverse("step_preview", args=[step.pk])
    assert owner_client.get(url).status_code == 302
    assert anon_client.get(url).status_code == 302
    unsaved = reverse("admin:checklists_step_preview_unsaved", args=[step.pk])
    assert owner_client.post(unsaved, step_form_data(step)).status_code == 302
    assert anon_client.post(unsaved, step_form_data(step)).status_code == 302


@pytest.mark.django_db
def test_guide_admin_lists_steps_inline_with_move_buttons(editor_client):
    client, _ = editor_client
    guide = Guide.objects.get(slug="harden")
    html = client.get(reverse("admin:checklists_guide_change", args=[guide.pk])).content.decode()
    assert 'value="harden-password"' in html
    # One pair per step, and one in the hidden template row "Add another" copies.
    assert html.count('data-step-move="up"') == guide.steps.count() + 1
    assert "js/admin-step-order.js" in html
    assert re.search(r'<input type="hidden" name="steps-0-position"', html)


def guide_form_data(guide: Guide, order: list[Step], **changes) -> dict:
    data = {"slug": guide.slug, "position": guide.position, "applies_when": guide.applies_when,
            "is_published": "on", "title": guide.title, "summary": guide.summary,
            **translation_fields(guide, GuideTranslation.translated_fields),
            "steps-TOTAL_FORMS": str(len(order)), "steps-INITIAL_FORMS": str(len(order)),
            "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000"}
    for i, step in enumerate(order):
        data.update({f"steps-{i}-id": step.pk, f"steps-{i}-guide": guide.pk,
                     f"steps-{i}-position": i + 1, f"steps-{i}-title": step.title,
                     f"steps-{i}-slug": step.slug, f"steps-{i}-is_published": "on",
                     f"steps-{i}-applies_when": step.applies_when,
                     f"steps-{i}-completes": step.completes})
    return {**data, **changes}


@pytest.mark.django_db
def test_reordered_steps_are_saved_in_the_new_order(editor_client):
    """What the move buttons submit: positions renumbered in the rows' new order."""
    client, _ = editor_client
    guide = Guide.objects.get(slug="stay-active")
    steps = list(guide.steps.all())
    new_order = [steps[2], steps[0], steps[1], *steps[3:]]
    url = reverse("admin:checklists_guide_change", args=[guide.pk])
    assert client.post(url, guide_form_data(guide, new_order)).status_code == 302
    assert list(guide.steps.order_by("position")) == new_order


@pytest.mark.django_db
def test_a_step_added_inline_without_a_position_goes_last(editor_client):
    client, _ = editor_client
    guide = Guide.objects.get(slug="stay-active")
    steps = list(guide.steps.all())
    data = guide_form_data(guide, steps)
    n = len(steps)
    data.update({"steps-TOTAL_FORMS": str(n + 1), f"steps-{n}-guide": guide.pk,
                 f"steps-{n}-position": "0", f"steps-{n}-title": "Added inline",
                 f"steps-{n}-slug": "added-inline"})
    url = reverse("admin:checklists_guide_change", args=[guide.pk])
    assert client.post(url, data).status_code == 302
    added = Step.objects.get(slug="added-inline")
    assert (added.position, added.is_published) == (n + 1, False)


@pytest.mark.django_db
def test_deleting_a_step_warns_how_many_users_have_progress_on_it(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    for email in ("a@example.com", "b@example.com"):
        account = ExchangeAccountFactory(owner=UserFactory(email=email))
        for _ in range(2):  # two walkthroughs each: still two users
            walkthrough = Walkthrough.objects.create(account=account)
            walkthrough.finished_at = walkthrough.started_at
            walkthrough.save()
            StepProgress.objects.create(walkthrough=walkthrough, step=step,
                                        step_title=step.title, state="done")
    html = client.get(reverse("admin:checklists_step_delete", args=[step.pk])).content.decode()
    assert "2 users' walkthrough progress includes what you are deleting." in html
    quiet = Step.objects.get(slug="harden-api-keys")
    html = client.get(reverse("admin:checklists_step_delete", args=[quiet.pk])).content.decode()
    assert "walkthrough progress" not in html

    bulk = client.post(reverse("admin:checklists_step_changelist"), {
        "action": "delete_selected", "_selected_action": [step.pk, quiet.pk],
    }).content.decode()
    assert "2 users' walkthrough progress includes what you are deleting." in bulk
    guide = client.get(reverse("admin:checklists_guide_delete",
                               args=[step.guide_id])).content.decode()
    assert "2 users' walkthrough progress includes" in guide


@pytest.mark.django_db
def test_header_links_staff_to_the_editor_tools(client, owner_client):
    assert "Editor tools" not in owner_client.get(reverse("guidance")).content.decode()
    sign_in_staff(client, StaffUserFactory(email="editor@example.com"))
    html = client.get(reverse("guidance")).content.decode()
    assert f'<a href="{reverse("admin:index")}" class="editor-tools-link">Editor tools</a>' in html
