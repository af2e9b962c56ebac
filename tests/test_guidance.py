"""Guidance as data: safe Markdown, the public page, registries, and editing in the admin
with a history of every change."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from checklists.actions import ACTIONS
from checklists.conditions import CONDITIONS
from checklists.markdown import render_markdown
from checklists.models import Guide, Step
from tests.conftest import sign_in_staff
from tests.factories import StaffUserFactory

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


@pytest.mark.django_db
def test_public_guidance_page_lists_guides_and_step_anchors(anon_client):
    html = anon_client.get(reverse("guidance")).content.decode()
    for anchor in ("guide-while-away", "reactivate-login", "harden-2fa", "stay-active",
                   "self-custody"):
        assert f'id="{anchor}"' in html


@pytest.mark.django_db
def test_guidance_page_query_count_is_fixed(anon_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = anon_client.get(reverse("guidance"))
    assert response.status_code == 200
    assert 'id="harden-2fa"' in response.content.decode()

    guide = Guide.objects.create(slug="extra-guide", title="Extra guide", position=99)
    for n in range(5):
        Step.objects.create(guide=guide, position=n, slug=f"extra-{n}", title=f"Extra {n}",
                            body="Body", source_name="Source", source_url="https://example.com")
    with django_assert_max_num_queries(4):
        response = anon_client.get(reverse("guidance"))
    assert response.status_code == 200
    assert 'id="extra-4"' in response.content.decode()


# Every anchor accounts/findings.py links to must be a step on the guidance page.
FINDING_ANCHORS = {
    "harden-2fa", "harden-password", "harden-anti-phishing", "harden-whitelist",
    "harden-whitelist-addresses", "harden-api-keys", "harden-devices", "harden-contact",
    "reactivate-kyc", "self-custody",
}


@pytest.mark.django_db
def test_every_finding_anchor_is_a_step():
    assert set(Step.objects.values_list("slug", flat=True)) >= FINDING_ANCHORS


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
    }
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
        })
        if note.replaces_body:
            data[f"exchange_notes-{i}-replaces_body"] = "on"
    return data


@pytest.mark.django_db
def test_editor_edits_a_step_and_the_change_is_recorded_with_who_and_what(
    editor_client, anon_client
):
    client, editor = editor_client
    step = Step.objects.get(slug="harden-password")
    url = reverse("admin:checklists_step_change", args=[step.pk])
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
def test_admin_refuses_an_unknown_condition_key(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    response = client.post(
        reverse("admin:checklists_step_change", args=[step.pk]),
        step_form_data(step, applies_when="not_a_condition"),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    step.refresh_from_db()
    assert step.applies_when != "not_a_condition"


@pytest.mark.django_db
def test_admin_shows_a_preview_and_the_preview_page(editor_client):
    client, _ = editor_client
    step = Step.objects.get(slug="harden-devices")
    change = client.get(reverse("admin:checklists_step_change", args=[step.pk]))
    assert b"Preview (as saved)" in change.content
    preview = client.get(reverse("step_preview", args=[step.pk]))
    assert preview.status_code == 200
    assert step.title.encode() in preview.content


@pytest.mark.django_db
def test_preview_is_for_staff_only(owner_client, anon_client):
    step = Step.objects.first()
    url = reverse("step_preview", args=[step.pk])
    assert owner_client.get(url).status_code == 302
    assert anon_client.get(url).status_code == 302


@pytest.mark.django_db
def test_guide_admin_lists_steps_inline(editor_client):
    client, _ = editor_client
    guide = Guide.objects.get(slug="harden")
    response = client.get(reverse("admin:checklists_guide_change", args=[guide.pk]))
    assert response.status_code == 200
    assert b"harden-password" in response.content
