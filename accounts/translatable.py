"""Content written in English with translations beside it, loaded from content/ files.

Shared by the exchange catalogue (accounts) and the guidance (checklists). Three ideas:

- English is the source. A model's own columns hold the English text; each other
  language lives in a translation row (one per language) with the same text fields.
  A translation remembers `source_hash`, the fingerprint of the English it was last
  edited against, so "needs review" is one comparison with the source's `english_hash`.
- Text is stored with LF line endings whatever the browser or editor sent, so history
  shows real changes instead of a CRLF rewrite of every line.
- Rows loaded by `manage.py load_guidance` keep the values as loaded (`loaded_values`);
  a field whose value differs from it was changed here, in the admin, and a later load
  leaves that field alone (see checklists/content_loader.py).
"""

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SOURCE_LANGUAGE = "en"


def translation_languages() -> list[tuple[str, str]]:
    """(code, name) of every language other than English, in settings order."""
    return [(code, name) for code, name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def translation_language_codes() -> list[str]:
    return [code for code, _name in translation_languages()]


def reader_language() -> str:
    """The active language as one of LANGUAGES' codes ("ja" for "ja-jp", "en" if unknown)."""
    active = (get_language() or SOURCE_LANGUAGE).lower()
    codes = [code for code, _name in settings.LANGUAGES]
    if active in codes:
        return active
    base = active.split("-")[0]
    return next((code for code in codes if code.split("-")[0] == base), SOURCE_LANGUAGE)


def normalize_text(value: str) -> str:
    """LF line endings and no trailing whitespace at the end."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").rstrip()


def fingerprint(values: list) -> str:
    """A stable hash of a list of plain values (strings, numbers, None)."""
    encoded = json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class LoadedContent(models.Model):
    """A row that may have come from the content files."""

    # The values load_guidance last wrote, by field name; null for rows it never wrote.
    loaded_values = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # Added by simple_history's HistoricalRecords on every concrete model.
        history: Any
        _change_reason: str


class SourceText(LoadedContent):
    """English text with translations in another table (`translations`)."""

    translated_fields: ClassVar[tuple[str, ...]] = ()

    english_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # The reverse relation of each concrete model's translation table, and the rows
        # of one language a translations_in() prefetch leaves.
        translations: Any  # a RelatedManager of the translation model
        shown_translations: list[Any]

    def save(self, *args, **kwargs):
        for name in self.translated_fields:
            setattr(self, name, normalize_text(getattr(self, name)))
        self.english_hash = self.compute_english_hash()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "english_hash"}
        super().save(*args, **kwargs)

    def english_text(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.translated_fields}

    def compute_english_hash(self) -> str:
        return fingerprint([normalize_text(value) for value in self.english_text().values()])


class Translation(LoadedContent):
    """One language's version of a SourceText row's text fields."""

    source_field: ClassVar[str] = ""
    translated_fields: ClassVar[tuple[str, ...]] = ()

    language = models.CharField(_("language"), max_length=10, choices=translation_languages)
    # The source's english_hash when this translation was last edited or confirmed.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.source} ({self.language})"

    def save(self, *args, **kwargs):
        for name in self.translated_fields:
            setattr(self, name, normalize_text(getattr(self, name)))
        super().save(*args, **kwargs)

    @property
    def source(self) -> SourceText:
        return getattr(self, self.source_field)

    @property
    def needs_review(self) -> bool:
        """The English changed after this translation was last edited."""
        return self.source_hash != self.source.english_hash

    def text(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.translated_fields}

    def covers(self, english: dict[str, str]) -> bool:
        """Every field the English fills is filled here too, so the item can be shown in
        this language alone."""
        return all(getattr(self, name).strip() for name, value in english.items() if value.strip())


def translated_text(source: SourceText, language: str) -> tuple[dict[str, str], str]:
    """The source's text in `language` if a complete translation is prefetched in
    `source.shown_translations`, else English. Returns (text, language shown)."""
    english = source.english_text()
    if language != SOURCE_LANGUAGE:
        for translation in getattr(source, "shown_translations", ()):
            if translation.language == language and translation.covers(english):
                return translation.text(), language
    return english, SOURCE_LANGUAGE


def translations_in(language: str, translation_model: type[Translation]) -> models.Prefetch:
    """Prefetch only the reader's language into `shown_translations` (one query)."""
    return models.Prefetch(
        "translations", queryset=translation_model._default_manager.filter(language=language),
        to_attr="shown_translations",
    )


@dataclasses.dataclass(frozen=True)
class Shown:
    """An item as a reader sees it: its text in one language, everything else (dates,
    sources' URLs, choices) from the item itself, so templates read `shown.summary` and
    `shown.checked_on` alike."""

    item: Any
    text: dict[str, str]
    language: str
    requested: str

    @property
    def untranslated(self) -> bool:
        """The reader asked for a language this item has no translation in yet."""
        return self.language != self.requested

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that aren't dataclass fields or properties.
        text = self.__dict__.get("text") or {}
        if name in text:
            return text[name]
        return getattr(self.__dict__["item"], name)


def shown(item: SourceText, language: str) -> Shown:
    text, shown_language = translated_text(item, language)
    return Shown(item, text, shown_language, language)


def shown_together(items: Iterable[SourceText], language: str) -> list[Shown]:
    """Items read as one unit (a step and its notes): all in `language`, or all in
    English if any of them lacks a translation, so one unit never mixes languages."""
    items = list(items)
    in_language = [shown(item, language) for item in items]
    if not any(entry.untranslated for entry in in_language):
        return in_language
    return [Shown(item, item.english_text(), SOURCE_LANGUAGE, language) for item in items]
