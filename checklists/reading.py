"""Guides and steps as a reader sees them: in the reader's language where a complete
translation exists, in English (with a "not yet translated" note) where not, and never
a mix of the two inside one step (its title, body, waits, source and exchange notes)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString

from accounts.translatable import (
    SOURCE_LANGUAGE,
    Shown,
    shown,
    shown_together,
    translations_in,
)

from .markdown import render_markdown
from .models import (
    ExchangeNote,
    ExchangeNoteTranslation,
    Guide,
    GuideTranslation,
    Step,
    StepTranslation,
)


@dataclass(frozen=True)
class ShownStep:
    """A step and its exchange notes in one language; other attributes (slug,
    completes, ...) come from the step itself."""

    text: Shown
    notes: list[Shown]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["text"], name)

    @property
    def step(self) -> Step:
        return self.text.item

    @property
    def untranslated(self) -> bool:
        return self.text.untranslated

    @property
    def replacement(self) -> Shown | None:
        return next((note for note in self.notes if note.replaces_body), None)

    @property
    def additions(self) -> list[Shown]:
        """Notes shown under the body (a replacing note is the body instead)."""
        return [note for note in self.notes if not note.replaces_body]

    @property
    def body_html(self) -> SafeString:
        replacement = self.replacement
        return render_markdown(replacement.body if replacement else self.text.body)

    @property
    def expected_waits(self) -> list[str]:
        """The exchange's own waits where its notes give any, else the step's general one:
        the same hold is never listed twice."""
        note_waits = list(dict.fromkeys(note.expected_wait for note in self.notes
                                        if note.expected_wait))
        if note_waits:
            return note_waits
        return [self.text.expected_wait] if self.text.expected_wait else []


def show_step(step: Step, notes: list[ExchangeNote], language: str) -> ShownStep:
    step_text, *note_texts = shown_together([step, *notes], language)
    return ShownStep(step_text, note_texts)


def show_guide(guide: Guide, language: str) -> Shown:
    return shown(guide, language)


def guides_with_steps(
    language: str, *, notes: QuerySet, include_drafts: bool = False
) -> QuerySet:
    """Guides with their steps and the given notes prefetched, translations in
    `language` included: a fixed number of queries however long the guidance grows."""
    if language != SOURCE_LANGUAGE:
        notes = notes.prefetch_related(translations_in(language, ExchangeNoteTranslation))
    steps = Step.objects.all() if include_drafts else Step.objects.published()
    steps = steps.prefetch_related(Prefetch("exchange_notes", queryset=notes))
    guides = Guide.objects.all() if include_drafts else Guide.objects.published()
    if language != SOURCE_LANGUAGE:
        steps = steps.prefetch_related(translations_in(language, StepTranslation))
        guides = guides.prefetch_related(translations_in(language, GuideTranslation))
    return guides.prefetch_related(Prefetch("steps", queryset=steps))


@dataclass(frozen=True)
class GuideSection:
    guide: Shown
    steps: list[ShownStep]


def guidance_sections(language: str, *, include_drafts: bool = False) -> list[GuideSection]:
    """The whole guidance as the public page shows it: every exchange's notes."""
    notes = ExchangeNote.objects.select_related("exchange")
    return [
        GuideSection(
            show_guide(guide, language),
            [show_step(step, list(step.exchange_notes.all()), language)
             for step in guide.steps.all()],
        )
        for guide in guides_with_steps(language, notes=notes, include_drafts=include_drafts)
    ]
