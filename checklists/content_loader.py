"""`load_guidance`: put the content files into the database without undoing editors' work.

For every field of every row it compares three values: what the file says now, what the
row holds now, and what the last load wrote (`loaded_values` on the row).

- file == row: nothing to do (so a second run changes nothing);
- row == last load: nobody touched the field since, so the file's value is written;
- otherwise an editor changed it in the admin: it is kept, and the report says which
  fields, who changed them and when (from the row's simple-history records).

Rows are saved one by one through the models, so simple-history writes their history
(reason "load_guidance"), the first entry included. A translation written from a file is
marked as made against the current English; one the files didn't change keeps its mark,
so when the English moves on without it, it shows as "needs review".

Rows made by the old seed migrations (before this loader) are adopted when their history
shows no edit since the seed; rows nobody loaded (made in the admin) are never
overwritten. Rows that disappeared from the files are left alone and listed.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import Exchange, ExchangeFact, ExchangeFactTranslation
from accounts.translatable import LoadedContent, SourceText, Translation

from .content_files import Content, ContentError, Item, read_content
from .models import (
    ExchangeNote,
    ExchangeNoteTranslation,
    Guide,
    GuideTranslation,
    Step,
    StepTranslation,
)

LOADER_REASON = "load_guidance"
# History reasons of rows the data migrations used to create.
SEED_REASONS = frozenset({"Seeded by checklists 0002_seed_guides"})
_MISSING = object()


@dataclass(frozen=True)
class KeptChange:
    what: str
    fields: list[str]
    changed: str

    def __str__(self) -> str:
        return f"{self.what}: {', '.join(self.fields)} ({self.changed})"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: list[KeptChange] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        lines = [
            f"{label}: {_counts(counter)}"
            for label, counter in (("Created", self.created), ("Updated", self.updated),
                                   ("Unchanged", self.unchanged))
            if counter
        ]
        if self.kept:
            lines.append("Kept changes made in the admin (the files' version was not applied):")
            lines += [f"  - {kept}" for kept in self.kept]
        if self.not_in_files:
            lines.append("No longer in the files, left alone (delete in the admin if unwanted):")
            lines += [f"  - {what}" for what in self.not_in_files]
        return lines


def _counts(counter: Counter) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counter.items()))


def load_guidance(directory: Path | None = None) -> LoadReport:
    """Read every content file, then write them in one transaction: a file that doesn't
    validate changes nothing at all."""
    content = read_content(directory)
    loader = _Loader()
    with transaction.atomic():
        loader.load(content)
    return loader.report


def _plain(value: Any) -> Any:
    """A field value as kept in `loaded_values` (JSON): dates as ISO text."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class _Loader:
    def __init__(self) -> None:
        self.report = LoadReport()
        self.seen: dict[type[models.Model], set[int]] = {}

    def load(self, content: Content) -> None:
        exchanges = self._exchanges(content.exchanges)
        guides = self._guides(content.guides, exchanges)
        for translations in content.translations.values():
            self._fact_translations(translations.language, translations.facts, exchanges)
            self._guide_translations(translations.language, translations.guides, guides)
        self._list_rows_gone_from_files()

    # --- English ------------------------------------------------------------------------

    def _exchanges(self, items: list[Item]) -> dict[str, Exchange]:
        existing = {exchange.slug: exchange for exchange in Exchange.objects.all()}
        facts = {(fact.exchange_id, fact.key): fact for fact in ExchangeFact.objects.all()}
        loaded = {}
        for item in items:
            exchange = existing.get(item.key) or Exchange(slug=item.key)
            self._apply(exchange, item.values, f"exchange {item.key}", "exchanges", item.where)
            loaded[item.key] = exchange
            for fact_item in item.children:
                fact = facts.get((exchange.pk, fact_item.key)) or ExchangeFact(
                    exchange=exchange, key=fact_item.key
                )
                self._apply(fact, fact_item.values, f"fact {item.key}/{fact_item.key}",
                            "facts", fact_item.where)
        return loaded

    def _guides(self, items: list[Item], exchanges: dict[str, Exchange]) -> dict:
        guides = {guide.slug: guide for guide in Guide.objects.all()}
        steps = {step.slug: step for step in Step.objects.all()}
        notes = {(note.step_id, note.exchange_id): note for note in ExchangeNote.objects.all()}
        loaded: dict[tuple[str, ...], SourceText] = {}
        for item in items:
            guide = guides.get(item.key) or Guide(slug=item.key)
            self._apply(guide, item.values, f"guide {item.key}", "guides", item.where)
            loaded[(item.key,)] = guide
            for step_item in item.children:
                step = steps.get(step_item.key) or Step(slug=step_item.key)
                values = {"guide_id": guide.pk, **step_item.values}
                self._apply(step, values, f"step {step_item.key}", "steps", step_item.where)
                loaded[(item.key, step_item.key)] = step
                for note_item in step_item.children:
                    exchange = exchanges[note_item.key]
                    note = notes.get((step.pk, exchange.pk)) or ExchangeNote(
                        step=step, exchange=exchange
                    )
                    self._apply(note, note_item.values,
                                f"note {step_item.key}/{note_item.key}", "notes", note_item.where)
                    loaded[(item.key, step_item.key, note_item.key)] = note
        return loaded

    # --- Translations -------------------------------------------------------------------

    def _fact_translations(self, language: str, texts: dict, exchanges: dict) -> None:
        facts = {
            (fact.exchange_id, fact.key): fact
            for fact in ExchangeFact.objects.filter(exchange__in=exchanges.values())
        }
        for (exchange_slug, key), (text, where) in texts.items():
            fact = facts[(exchanges[exchange_slug].pk, key)]
            self._translation(ExchangeFactTranslation, fact, language, text,
                              f"fact {exchange_slug}/{key}", where)

    def _guide_translations(self, language: str, texts: dict, sources: dict) -> None:
        models_by_depth: dict[int, type[Translation]] = {
            1: GuideTranslation, 2: StepTranslation, 3: ExchangeNoteTranslation,
        }
        kinds = {1: "guide", 2: "step", 3: "note"}
        for path, (text, where) in texts.items():
            label = f"{kinds[len(path)]} {'/'.join(path[-2:] if len(path) == 3 else path[-1:])}"
            self._translation(models_by_depth[len(path)], sources[path], language, text,
                              label, where)

    def _translation(self, model: type[Translation], source: SourceText, language: str,
                     text: dict[str, str], what: str, where: str) -> None:
        lookup = {model.source_field: source, "language": language}
        translation = model._default_manager.filter(**lookup).first()
        if translation is None and not any(text.values()):
            return  # a file that only names the item (to reach its steps) translates nothing
        translation = translation or model(**lookup)

        def mark_as_made_against_current_english(row: Translation) -> None:
            row.source_hash = source.english_hash

        self._apply(translation, text, f"{what} ({language})", "translations", where,
                    before_save=mark_as_made_against_current_english)

    # --- The three-way comparison ---------------------------------------------------------

    def _apply(self, row: LoadedContent, values: dict[str, Any], what: str, kind: str,
               where: str, before_save=None) -> None:
        is_new = row.pk is None
        current = {name: _plain(getattr(row, name)) for name in values}
        last_load = {} if is_new else self._last_load(row, current)
        changes, kept = {}, []
        for name, new in values.items():
            if not is_new and current[name] == new:
                continue
            if is_new or last_load.get(name, _MISSING) == current[name]:
                changes[name] = new
            else:
                kept.append(name)
        if kept:
            self.report.kept.append(KeptChange(what, kept, self._last_change(row)))
        if is_new or changes:
            for name, value in changes.items():
                setattr(row, name, value)
            row.loaded_values = values
            if before_save:
                before_save(row)
            self._validate(row, where)
            row._change_reason = LOADER_REASON
            row.save()
            (self.report.created if is_new else self.report.updated)[kind] += 1
        else:
            self._record_without_history(row, values)
            self.report.unchanged[kind] += 1
        self.seen.setdefault(type(row), set()).add(row.pk)

    def _last_load(self, row: LoadedContent, current: dict[str, Any]) -> dict[str, Any]:
        if row.loaded_values is not None:
            return row.loaded_values
        # Never loaded by this command. A row from the old seed migration nobody edited
        # since is adopted as it is; any other row (made in the admin) is the editors'.
        reasons = set(row.history.values_list("history_change_reason", flat=True))
        return current if reasons and reasons <= SEED_REASONS else {}

    @staticmethod
    def _last_change(row: LoadedContent) -> str:
        record = (
            row.history.exclude(history_change_reason=LOADER_REASON)
            .select_related("history_user").first()
        )
        if record is None:
            return "changed before load_guidance existed"
        who = record.history_user or "someone without a user (a script?)"
        return f"changed by {who} on {record.history_date:%Y-%m-%d %H:%M} UTC"

    @staticmethod
    def _validate(row: models.Model, where: str) -> None:
        try:
            row.full_clean()
        except ValidationError as error:
            raise ContentError(f"{where}: {error.message_dict}") from error

    @staticmethod
    def _record_without_history(row: LoadedContent, values: dict[str, Any]) -> None:
        """Bookkeeping columns only: an update() that leaves no history entry."""
        updates: dict[str, Any] = {}
        if row.loaded_values != values:
            updates["loaded_values"] = values
        if isinstance(row, SourceText) and row.english_hash != row.compute_english_hash():
            updates["english_hash"] = row.compute_english_hash()
        if updates:
            type(row)._default_manager.filter(pk=row.pk).update(**updates)
            for name, value in updates.items():
                setattr(row, name, value)

    def _list_rows_gone_from_files(self) -> None:
        for model in (Exchange, ExchangeFact, Guide, Step, ExchangeNote, GuideTranslation,
                      StepTranslation, ExchangeNoteTranslation, ExchangeFactTranslation):
            gone = model.objects.filter(loaded_values__isnull=False).exclude(
                pk__in=self.seen.get(model, set())
            )
            self.report.not_in_files += [f"{model._meta.verbose_name} {row}" for row in gone]
