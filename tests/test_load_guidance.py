"""`manage.py load_guidance`: the content files into the database, idempotent, never
over an editor's change, translations flagged when their English moves on, and users'
walkthroughs untouched by a reload.

The test database already holds the content (tests/conftest.py loads it once, as a
fresh install does after `migrate`); each test edits a copy of content/ in tmp_path.
"""

import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import Exchange, ExchangeAccount, ExchangeFact, ExchangeFactTranslation
from accounts.status import account_status
from checklists.content_files import ContentError, read_content
from checklists.content_loader import LOADER_REASON, SEED_REASONS, load_guidance
from checklists.models import (
    ExchangeNote,
    Guide,
    Step,
    StepProgress,
    StepTranslation,
    Walkthrough,
)
from checklists.plan import build_plan
from tests.factories import ExchangeAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTENT = Path(settings.BASE_DIR) / "content"


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of content/, translations included (what the test database was loaded
    from), to edit."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def step_in(data: dict, slug: str) -> dict:
    return next(step for step in data["steps"] if step["slug"] == slug)


def set_step(content: Path, guide: str, slug: str, **values) -> None:
    edit_yaml(content / "guides" / f"{guide}.en.yaml",
              lambda data: step_in(data, slug).update(values))


def write_translation(content: Path, guide: str, language: str, steps: dict) -> None:
    """A translation file for `guide` with the given steps' text ({slug: {field: text}})."""
    (content / "guides" / f"{guide}.{language}.yaml").write_text(yaml.safe_dump({
        "slug": guide,
        "steps": [{"slug": slug, **text} for slug, text in steps.items()],
    }, allow_unicode=True, sort_keys=False), encoding="utf-8")


def editor_saves(obj, editor, **changes) -> None:
    """What the admin does: save through the model with the editor as history user."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_user = editor
    obj.save()


def history_count() -> int:
    return sum(model.history.count() for model in (Guide, Step, ExchangeNote, Exchange,
                                                   ExchangeFact, StepTranslation))


# --- A fresh install ---------------------------------------------------------------------


def test_the_database_holds_exactly_what_the_files_say():
    content = read_content(CONTENT)
    by_position = sorted(content.guides, key=lambda guide: guide.values["position"])
    assert [g.key for g in by_position] == list(Guide.objects.values_list("slug", flat=True))
    for guide in content.guides:
        for step_item in guide.children:
            step = Step.objects.get(slug=step_item.key)
            assert (step.guide.slug, step.title, step.body, step.is_published) == (
                guide.key, step_item.values["title"], step_item.values["body"], True
            )
            assert step.loaded_values == {"guide_id": step.guide_id, **step_item.values}
    assert Exchange.objects.count() == len(content.exchanges)
    assert ExchangeFact.objects.count() == sum(len(e.children) for e in content.exchanges)


def test_first_history_entries_come_from_simple_history():
    step = Step.objects.get(slug="harden-password")
    (created,) = step.history.all()
    assert (created.history_type, created.history_change_reason) == ("+", LOADER_REASON)
    assert created.instance.title == step.title


# --- Idempotence -------------------------------------------------------------------------


def test_loading_twice_changes_nothing():
    before = history_count()
    steps = list(Step.objects.values())
    report = load_guidance(CONTENT)
    assert not report.changed_anything
    assert report.kept == [] and report.not_in_files == []
    assert report.unchanged["steps"] == Step.objects.count()
    assert history_count() == before
    assert list(Step.objects.values()) == steps


def test_the_command_says_what_it_did():
    out = StringIO()
    call_command("load_guidance", stdout=out)
    assert "Unchanged:" in out.getvalue() and "steps" in out.getvalue()
    assert "Created" not in out.getvalue()


# --- File changes and editors' changes ---------------------------------------------------


def test_a_changed_file_updates_the_row_and_records_why(content):
    set_step(content, "harden", "harden-devices", title="Review devices and sign-ins")
    report = load_guidance(content)
    assert report.updated == {"steps": 1}
    step = Step.objects.get(slug="harden-devices")
    assert step.title == "Review devices and sign-ins"
    latest = step.history.latest()
    assert (latest.history_type, latest.history_change_reason) == ("~", LOADER_REASON)


def test_an_editors_change_survives_a_reload_and_is_reported(content):
    editor = UserFactory(email="editor@example.com", is_staff=True)
    step = Step.objects.get(slug="harden-password")
    editor_saves(step, editor, title="Change your password before anything else")
    # The file changes the same step: its title (the editor's) and its body (not theirs).
    set_step(content, "harden", "harden-password", title="Change the password, first",
             body="A new body from the files.")

    report = load_guidance(content)

    step.refresh_from_db()
    assert step.title == "Change your password before anything else"
    assert step.body == "A new body from the files."
    (kept,) = report.kept
    assert kept.what == "step harden-password" and kept.fields == ["title"]
    assert "editor@example.com" in kept.changed
    out = StringIO()
    call_command("load_guidance", "--content-dir", str(content), stdout=out)
    assert "step harden-password: title (changed by editor@example.com" in out.getvalue()


def test_an_editors_change_that_the_files_adopt_is_no_longer_reported(content):
    editor = UserFactory(email="editor@example.com", is_staff=True)
    editor_saves(Step.objects.get(slug="stay-active"), editor, title="Log in every few months")
    set_step(content, "stay-active", "stay-active", title="Log in every few months")
    assert load_guidance(content).kept == []
    assert load_guidance(content).kept == []


def test_an_editors_change_to_an_exchange_fact_survives(content):
    fact = ExchangeFact.objects.get(exchange__slug="kraken", key="hold-settings-lock")
    editor_saves(fact, UserFactory(email="editor@example.com"), summary="Edited in the admin.")
    edit_yaml(content / "exchanges.en.yaml", lambda data: next(
        f for e in data["exchanges"] if e["slug"] == "kraken" for f in e["facts"]
        if f["key"] == "hold-settings-lock"
    ).update(summary="Changed in the file."))
    report = load_guidance(content)
    fact.refresh_from_db()
    assert fact.summary == "Edited in the admin."
    assert [kept.what for kept in report.kept] == ["fact kraken/hold-settings-lock"]


def test_rows_gone_from_the_files_are_left_and_listed(content):
    """A step deleted from its guide's files, English and translations: the step and
    its translations stay in the database and the report lists them."""
    for path in (content / "guides").glob("stay-active.*.yaml"):
        edit_yaml(path, lambda data: data.update(steps=[s for s in data["steps"]
                                                        if s["slug"] != "keep-records"]))
    report = load_guidance(content)
    step = Step.objects.get(slug="keep-records")
    assert step.translations.count() == 3
    assert sorted(report.not_in_files) == sorted([
        "step Keep a record of the account",
        *[f"step translation {translation}" for translation in step.translations.all()],
    ])


def test_a_row_the_old_seed_migration_made_is_adopted_unless_edited(content):
    """Existing installs: rows from checklists 0002 (before the loader) have no
    loaded_values; untouched ones take the files' version, edited ones are kept."""
    (seed_reason,) = SEED_REASONS
    untouched = Step.objects.get(slug="harden-api-keys")
    edited = Step.objects.get(slug="harden-devices")
    for step in (untouched, edited):
        step.history.all().update(history_change_reason=seed_reason)
    Step.objects.filter(pk__in=[untouched.pk, edited.pk]).update(loaded_values=None)
    editor_saves(edited, UserFactory(email="editor@example.com"), title="Edited before")
    set_step(content, "harden", "harden-api-keys", title="Delete old API keys")
    set_step(content, "harden", "harden-devices", title="Check devices")

    report = load_guidance(content)

    untouched.refresh_from_db()
    edited.refresh_from_db()
    assert untouched.title == "Delete old API keys"
    assert edited.title == "Edited before"
    assert [kept.what for kept in report.kept] == ["step harden-devices"]


# --- Translations ------------------------------------------------------------------------


def test_a_translation_file_creates_translations_made_against_the_current_english(content):
    """A step that has no ja translation yet gets one from the ja file."""
    StepTranslation.objects.filter(step__slug="harden-2fa", language="ja").delete()
    edit_yaml(content / "guides" / "harden.ja.yaml", lambda data: step_in(data, "harden-2fa")
              .update(title="SMSではなく認証アプリかセキュリティキーを使う", body="本文"))
    report = load_guidance(content)
    assert report.created == {"translations": 1}
    assert report.updated == {}
    translation = StepTranslation.objects.get(step__slug="harden-2fa", language="ja")
    assert (translation.title, translation.body) == (
        "SMSではなく認証アプリかセキュリティキーを使う", "本文"
    )
    assert not translation.needs_review
    latest = translation.history.latest()
    assert (latest.history_type, latest.history_change_reason) == ("+", LOADER_REASON)


def test_a_changed_english_step_flags_its_translations(content):
    write_translation(content, "harden", "ja", {
        "harden-2fa": {"title": "認証アプリを使う", "body": "本文"},
        "harden-devices": {"title": "端末を確認する", "body": "本文"},
    })
    load_guidance(content)
    set_step(content, "harden", "harden-2fa", body="New English advice.")
    load_guidance(content)

    assert StepTranslation.objects.get(step__slug="harden-2fa", language="ja").needs_review
    assert not StepTranslation.objects.get(step__slug="harden-devices", language="ja").needs_review


def test_a_translation_updated_with_its_english_is_not_flagged(content):
    write_translation(content, "harden", "ko", {"harden-2fa": {"title": "인증 앱", "body": "본문"}})
    load_guidance(content)
    set_step(content, "harden", "harden-2fa", body="New English advice.")
    write_translation(content, "harden", "ko", {"harden-2fa": {"title": "인증 앱",
                                                               "body": "새 본문"}})
    load_guidance(content)
    translation = StepTranslation.objects.get(step__slug="harden-2fa", language="ko")
    assert translation.body == "새 본문"
    assert not translation.needs_review


def test_an_english_edit_in_the_admin_flags_translations_too(content):
    write_translation(content, "harden", "zh-hans", {"harden-2fa": {"title": "使用验证器",
                                                                    "body": "正文"}})
    load_guidance(content)
    step = Step.objects.get(slug="harden-2fa")
    editor_saves(step, UserFactory(email="editor@example.com"), body="Edited English.")
    assert step.translations.get(language="zh-hans").needs_review


def test_fact_translations_load_from_the_catalogue_file(content):
    (content / "exchanges.ja.yaml").write_text(yaml.safe_dump({"exchanges": [{
        "slug": "kraken", "facts": [{"key": "hold-settings-lock", "summary": "待機期間があります。",
                                     "source_name": "Kraken サポート"}],
    }]}, allow_unicode=True), encoding="utf-8")
    load_guidance(content)
    translation = ExchangeFactTranslation.objects.get(fact__key="hold-settings-lock",
                                                      language="ja")
    assert (translation.summary, translation.source_name) == ("待機期間があります。",
                                                              "Kraken サポート")


# --- Users mid-way are not disturbed -----------------------------------------------------


def test_a_walkthrough_in_progress_survives_a_reload(content, owner):
    account = ExchangeAccountFactory(owner=owner, exchange=Exchange.objects.get(slug="binance"))
    walkthrough = Walkthrough.objects.create(
        account=account, status_at_start=account_status(account, account.last_login_on).status
    )
    devices = Step.objects.get(slug="harden-devices")
    StepProgress.objects.create(walkthrough=walkthrough, step=devices, step_title=devices.title,
                                state=StepProgress.State.DONE)
    # The files reword the step, move it to the top of its guide and add a new one.
    edit_yaml(content / "guides" / "harden.en.yaml", lambda data: data.update(steps=[
        {**step_in(data, "harden-devices"), "title": "Check devices and sign-ins"},
        {"slug": "harden-new", "title": "A new step", "body": "New.",
         "last_reviewed_on": "2026-12-01", "source_name": "Us"},
        *[s for s in data["steps"] if s["slug"] != "harden-devices"],
    ]))

    load_guidance(content)

    progress = walkthrough.progress.get()
    assert (progress.step_id, progress.state) == (devices.pk, "done")
    plan = build_plan(walkthrough, "en")
    done = next(p for p in plan.steps if p.step.slug == "harden-devices")
    assert done.state == "done" and done.text.title == "Check devices and sign-ins"
    assert "harden-new" in [p.step.slug for p in plan.steps]
    assert plan.orphaned_progress == []


def test_the_walkthrough_page_still_opens_after_a_reload(content, owner, owner_client):
    account = ExchangeAccountFactory(owner=owner, exchange=Exchange.objects.get(slug="kraken"))
    owner_client.post(reverse("walkthrough_start", args=[account.pk]),
                      {"knows_password": "yes", "has_authenticator": "yes"})
    step = Step.objects.get(slug="harden-password")
    owner_client.post(reverse("walkthrough_step", args=[account.pk, step.pk, "done"]))
    set_step(content, "harden", "harden-password", title="Change the password now")
    load_guidance(content)
    html = owner_client.get(reverse("walkthrough", args=[account.pk])).content.decode()
    assert "Change the password now" in html
    assert ExchangeAccount.objects.get(pk=account.pk).walkthroughs.get().progress.count() == 1


# --- Bad files load nothing --------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (lambda data: step_in(data, "harden-2fa").update(colour="blue"), "unknown key(s) colour"),
    (lambda data: step_in(data, "harden-2fa").update(applies_when="on_tuesdays"),
     "applies_when"),
    (lambda data: step_in(data, "harden-2fa").update(last_reviewed_on="soon"), "a date"),
    (lambda data: step_in(data, "harden-2fa").update(title=""), "missing title"),
    (lambda data: data["steps"].append(dict(step_in(data, "harden-2fa"))), "appears twice"),
])
def test_a_bad_file_loads_nothing_and_says_where(content, change, message):
    edit_yaml(content / "guides" / "harden.en.yaml", change)
    set_step(content, "stay-active", "keep-records", title="Would change if loaded")
    with pytest.raises(CommandError) as error:
        call_command("load_guidance", "--content-dir", str(content))
    assert message in str(error.value)
    assert "harden.en.yaml" in str(error.value)
    assert Step.objects.get(slug="keep-records").title == "Keep a record of the account"


def test_a_translation_naming_an_unknown_step_is_refused(content):
    write_translation(content, "harden", "ja", {"harden-typo": {"title": "x", "body": "y"}})
    with pytest.raises(ContentError, match="harden-typo: no such step"):
        load_guidance(content)


def test_a_translation_may_not_set_language_neutral_fields(content):
    write_translation(content, "harden", "ja", {"harden-2fa": {"title": "x", "body": "y",
                                                               "applies_when": "dormant"}})
    with pytest.raises(ContentError, match="unknown key"):
        load_guidance(content)


def test_a_file_in_a_language_the_site_does_not_offer_is_refused(content):
    write_translation(content, "harden", "fr", {})
    with pytest.raises(ContentError, match="'fr' is not one of the languages"):
        load_guidance(content)


def test_line_endings_are_normalised_when_loading(content):
    path = content / "guides" / "harden.en.yaml"
    edit_yaml(path, lambda data: step_in(data, "harden-2fa").update(body="One.\r\n\r\nTwo.\r\n"))
    load_guidance(content)
    assert Step.objects.get(slug="harden-2fa").body == "One.\n\nTwo."


def test_a_draft_in_the_files_stays_unpublished(content):
    set_step(content, "harden", "harden-2fa", draft=True)
    load_guidance(content)
    assert not Step.objects.get(slug="harden-2fa").is_published


@override_settings(CONTENT_DIR="/nonexistent/content")
def test_a_missing_content_folder_is_a_clear_error():
    with pytest.raises(CommandError, match="file not found"):
        call_command("load_guidance")
