"""Editors' preview of a step: any language, drafts included, saved or not yet saved."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.translatable import SOURCE_LANGUAGE, reader_language, translations_in

from .models import ExchangeNote, ExchangeNoteTranslation, Step, StepTranslation
from .reading import show_guide, show_step

PREVIEW_LANGUAGE_PARAMETER = "lang"


@dataclass(frozen=True)
class TranslationStatus:
    code: str
    name: str
    label: str | Promise


def preview_language(request: HttpRequest) -> str:
    """The language asked for with ?lang=, else the editor's own."""
    asked = request.GET.get(PREVIEW_LANGUAGE_PARAMETER, "")
    return asked if asked in dict(settings.LANGUAGES) else reader_language()


def translation_statuses(step: Step) -> list[TranslationStatus]:
    """Per language: missing, needs review, incomplete or up to date."""
    by_language = {translation.language: translation for translation in step.translations.all()}
    statuses = []
    for code, name in settings.LANGUAGES:
        if code == SOURCE_LANGUAGE:
            continue
        translation = by_language.get(code)
        if translation is None:
            label = _("not translated yet")
        elif translation.needs_review:
            label = _("needs review: the English changed since")
        elif not translation.covers(step.english_text()):
            label = _("incomplete")
        else:
            label = _("up to date")
        statuses.append(TranslationStatus(code, name, label))
    return statuses


def saved_notes(step: Step, language: str) -> list[ExchangeNote]:
    notes = step.exchange_notes.select_related("exchange")
    if language != SOURCE_LANGUAGE:
        notes = notes.prefetch_related(translations_in(language, ExchangeNoteTranslation))
    return list(notes)


def load_shown_translations(step: Step, language: str) -> None:
    """Give a saved step the `shown_translations` the reading code looks for."""
    step.shown_translations = list(StepTranslation.objects.filter(step=step, language=language))
    step.guide.shown_translations = list(step.guide.translations.filter(language=language))


def render_step_preview(request: HttpRequest, step: Step, language: str, *,
                        notes: list[ExchangeNote] | None = None,
                        unsaved: bool = False) -> HttpResponse:
    """`notes` and the step's `shown_translations` come from the unsaved admin form
    when `unsaved`; otherwise they are read from the database."""
    if not unsaved:
        load_shown_translations(step, language)
        notes = saved_notes(step, language)
    return render(request, "checklists/step_preview.html", {
        "step": show_step(step, notes or [], language),
        "guide": show_guide(step.guide, language) if step.guide_id else None,
        "language": language,
        "languages": settings.LANGUAGES,
        "statuses": [] if unsaved else translation_statuses(step),
        "unsaved": unsaved,
    })
