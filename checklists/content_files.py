"""Reading content/: the exchange catalogue and the guides, in English and translations.

Files (see content/README.md for the format):
- content/exchanges.<lang>.yaml: exchanges and their sourced facts;
- content/guides/<guide-slug>.<lang>.yaml: one guide, its steps in order, exchange notes.

English (`en`) files hold every field; files in other languages hold only the text
fields, keyed by the same slugs and codes. Everything read here is checked (unknown
keys, keys the language may not set, text a slug doesn't match) and returned as plain
values ready to compare with the database; nothing here touches the database.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from accounts.translatable import SOURCE_LANGUAGE, normalize_text, translation_language_codes

FILE_NAME = re.compile(r"^(?P<name>[a-z0-9-]+)\.(?P<language>[a-z-]+)\.yaml$")

# Keys an English file may use, beyond the natural key and the list of children.
GUIDE_KEYS = {"position", "applies_when", "title", "summary", "draft"}
STEP_KEYS = {
    "applies_when", "completes", "withdrawal_hold_hours", "source_url", "last_reviewed_on",
    "title", "expected_wait", "source_name", "body", "draft",
}
NOTE_KEYS = {
    "certainty", "replaces_body", "withdrawal_hold_hours", "source_url", "last_reviewed_on",
    "expected_wait", "source_name", "body",
}
EXCHANGE_KEYS = {"name", "website", "dormancy_after_days", "features"}
FEATURE_KEYS = {
    "source", "checked_on", "authenticator", "security_key", "sms", "anti_phishing_code",
    "withdrawal_whitelist", "device_management", "api_keys",
}
FACT_KEYS = {"kind", "certainty", "source_url", "checked_on", "source_name", "summary"}
# The text a translation carries: the same names as the translation models' fields.
GUIDE_TEXT = ("title", "summary")
STEP_TEXT = ("title", "body", "expected_wait", "source_name")
NOTE_TEXT = ("body", "expected_wait", "source_name")
FACT_TEXT = ("summary", "source_name")


class ContentError(Exception):
    """A content file that can't be loaded as it is; the message names file and item."""


@dataclass
class Item:
    """One row's worth of content: its natural key, field values, where it was read."""

    key: str
    values: dict[str, Any]
    where: str
    children: list["Item"] = field(default_factory=list)


@dataclass
class Translations:
    """One language's text, by natural key path: ("harden",), ("harden", "harden-2fa"),
    ("harden", "harden-2fa", "binance"); ("binance", "dormancy-notice") for facts."""

    language: str
    guides: dict[tuple[str, ...], tuple[dict[str, str], str]] = field(default_factory=dict)
    facts: dict[tuple[str, str], tuple[dict[str, str], str]] = field(default_factory=dict)


@dataclass
class Content:
    exchanges: list[Item]
    guides: list[Item]
    translations: dict[str, Translations]


def content_dir() -> Path:
    return Path(getattr(settings, "CONTENT_DIR", settings.BASE_DIR / "content"))


def read_content(directory: Path | None = None) -> Content:
    directory = directory or content_dir()
    exchanges = _english_exchanges(directory / f"exchanges.{SOURCE_LANGUAGE}.yaml")
    guides = [
        _english_guide(path)
        for path in sorted((directory / "guides").glob(f"*.{SOURCE_LANGUAGE}.yaml"))
    ]
    _check_references(exchanges, guides)
    translations = {
        language: Translations(language) for language in translation_language_codes()
    }
    for path in _translation_files(directory):
        language = _name_parts(path)["language"]
        if path.parent.name == "guides":
            _read_guide_translation(path, guides, translations[language])
        else:
            _read_exchange_translation(path, exchanges, translations[language])
    return Content(exchanges, guides, translations)


# --- Reading YAML -------------------------------------------------------------------------


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ContentError(f"{path}: file not found") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping at the top level")
    return data


def _name_parts(path: Path) -> re.Match[str]:
    """The name and language of a content file, from <name>.<language>.yaml."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise ContentError(f"{path}: name it <name>.<language>.yaml")
    return match


def _translation_files(directory: Path) -> list[Path]:
    paths = [*directory.glob("exchanges.*.yaml"), *(directory / "guides").glob("*.yaml")]
    found = []
    for path in sorted(paths):
        language = _name_parts(path)["language"]
        if language == SOURCE_LANGUAGE:
            continue
        if language not in translation_language_codes():
            raise ContentError(
                f"{path}: '{language}' is not one of the languages in settings.LANGUAGES"
            )
        found.append(path)
    return found


def _check_keys(data: dict, allowed: set[str], required: set[str], where: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ContentError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    missing = {key for key in required if data.get(key) in (None, "")}
    if missing:
        raise ContentError(f"{where}: missing {', '.join(sorted(missing))}")


def _list(data: dict, key: str, where: str) -> list[dict]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ContentError(f"{where}: '{key}' must be a list of mappings")
    return value


def _text(value: Any, where: str, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ContentError(f"{where}: '{name}' must be text")
    return normalize_text(str(value))


def _date(value: Any, where: str, name: str) -> str | None:
    """A date as ISO text (the form kept in `loaded_values`)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise ContentError(f"{where}: '{name}' must be a date like 2026-11-24") from error


def _integer(value: Any, where: str, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{where}: '{name}' must be a whole number")
    return value


def _flag(value: Any, where: str, name: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ContentError(f"{where}: '{name}' must be true or false")
    return value


# --- English files ------------------------------------------------------------------------


def _english_exchanges(path: Path) -> list[Item]:
    data = _load_yaml(path)
    _check_keys(data, {"exchanges"}, {"exchanges"}, str(path))
    exchanges = []
    for row in _list(data, "exchanges", str(path)):
        where = f"{path}, exchange {row.get('slug')}"
        _check_keys(row, EXCHANGE_KEYS | {"slug", "facts"}, {"slug", "name"}, where)
        exchanges.append(Item(row["slug"], _exchange_values(row, where), where, [
            _fact(fact, f"{where}, fact {fact.get('key')}")
            for fact in _list(row, "facts", where)
        ]))
    _check_unique([item.key for item in exchanges], str(path), "exchange")
    for exchange in exchanges:
        _check_unique([fact.key for fact in exchange.children], exchange.where, "fact key")
    return exchanges


def _exchange_values(row: dict, where: str) -> dict[str, Any]:
    features = row.get("features") or {}
    if not isinstance(features, dict):
        raise ContentError(f"{where}: 'features' must be a mapping")
    _check_keys(features, FEATURE_KEYS, set(), f"{where}, features")
    values = {
        "name": _text(row["name"], where, "name"),
        "website": _text(row.get("website"), where, "website"),
        "dormancy_after_days": _integer(row.get("dormancy_after_days"), where,
                                        "dormancy_after_days"),
        "features_source": _text(features.get("source"), where, "features.source"),
        "features_checked_on": _date(features.get("checked_on"), where, "features.checked_on"),
    }
    # Without a features list nothing is verified: the model's defaults.
    defaults = {"authenticator": True}
    for name in sorted(FEATURE_KEYS - {"source", "checked_on"}):
        values[f"offers_{name}"] = _flag(
            features.get(name), where, f"features.{name}", defaults.get(name, False)
        )
    return values


def _fact(row: dict, where: str) -> Item:
    _check_keys(row, FACT_KEYS | {"key"},
                {"key", "kind", "certainty", "checked_on", "summary"}, where)
    return Item(row["key"], {
        "kind": _text(row["kind"], where, "kind"),
        "certainty": _text(row["certainty"], where, "certainty"),
        "source_url": _text(row.get("source_url"), where, "source_url"),
        "checked_on": _date(row["checked_on"], where, "checked_on"),
        "source_name": _text(row.get("source_name"), where, "source_name"),
        "summary": _text(row["summary"], where, "summary"),
    }, where)


def _english_guide(path: Path) -> Item:
    data = _load_yaml(path)
    where = str(path)
    _check_keys(data, GUIDE_KEYS | {"slug", "steps"}, {"slug", "title", "position"}, where)
    _check_slug_matches_file(data["slug"], path)
    values = {
        "position": _integer(data["position"], where, "position"),
        "applies_when": _text(data.get("applies_when"), where, "applies_when"),
        "title": _text(data["title"], where, "title"),
        "summary": _text(data.get("summary"), where, "summary"),
        "is_published": not _flag(data.get("draft"), where, "draft"),
    }
    steps = [
        _step(row, position, f"{where}, step {row.get('slug')}")
        for position, row in enumerate(_list(data, "steps", where), start=1)
    ]
    _check_unique([step.key for step in steps], where, "step slug")
    return Item(data["slug"], values, where, steps)


def _step(row: dict, position: int, where: str) -> Item:
    _check_keys(row, STEP_KEYS | {"slug", "notes"},
                {"slug", "title", "body", "last_reviewed_on"}, where)
    values = {
        "position": position,
        "applies_when": _text(row.get("applies_when"), where, "applies_when"),
        "completes": _text(row.get("completes"), where, "completes"),
        "withdrawal_hold_hours": _integer(row.get("withdrawal_hold_hours"), where,
                                          "withdrawal_hold_hours"),
        "source_url": _text(row.get("source_url"), where, "source_url"),
        "last_reviewed_on": _date(row["last_reviewed_on"], where, "last_reviewed_on"),
        "is_published": not _flag(row.get("draft"), where, "draft"),
        **{name: _text(row.get(name), where, name) for name in STEP_TEXT},
    }
    notes = [_note(note, f"{where}, note {note.get('exchange')}")
             for note in _list(row, "notes", where)]
    _check_unique([note.key for note in notes], where, "note exchange")
    return Item(row["slug"], values, where, notes)


def _note(row: dict, where: str) -> Item:
    _check_keys(row, NOTE_KEYS | {"exchange"},
                {"exchange", "body", "certainty", "last_reviewed_on"}, where)
    return Item(row["exchange"], {
        "certainty": _text(row["certainty"], where, "certainty"),
        "replaces_body": _flag(row.get("replaces_body"), where, "replaces_body"),
        "withdrawal_hold_hours": _integer(row.get("withdrawal_hold_hours"), where,
                                          "withdrawal_hold_hours"),
        "source_url": _text(row.get("source_url"), where, "source_url"),
        "last_reviewed_on": _date(row["last_reviewed_on"], where, "last_reviewed_on"),
        **{name: _text(row.get(name), where, name) for name in NOTE_TEXT},
    }, where)


def _check_slug_matches_file(slug: str, path: Path) -> None:
    if _name_parts(path)["name"] != slug:
        raise ContentError(f"{path}: slug '{slug}' doesn't match the file name")


def _check_unique(keys: list[str], where: str, what: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ContentError(f"{where}: {what} '{key}' appears twice")
        seen.add(key)


def _check_references(exchanges: list[Item], guides: list[Item]) -> None:
    known = {exchange.key for exchange in exchanges}
    slugs: dict[str, str] = {}
    for guide in guides:
        for step in guide.children:
            if step.key in slugs:
                raise ContentError(f"{step.where}: step slug also used in {slugs[step.key]}")
            slugs[step.key] = step.where
            for note in step.children:
                if note.key not in known:
                    raise ContentError(f"{note.where}: no exchange '{note.key}' in the catalogue")


# --- Translations -------------------------------------------------------------------------


def _translated_text(row: dict, names: tuple[str, ...], where: str) -> dict[str, str]:
    return {name: _text(row.get(name), where, name) for name in names}


def _read_guide_translation(path: Path, guides: list[Item], into: Translations) -> None:
    data = _load_yaml(path)
    where = str(path)
    _check_keys(data, {"slug", "steps", *GUIDE_TEXT}, {"slug"}, where)
    _check_slug_matches_file(data["slug"], path)
    guide = _find(guides, data["slug"], where, "guide (no English file)")
    into.guides[(guide.key,)] = (_translated_text(data, GUIDE_TEXT, where), where)
    for row in _list(data, "steps", where):
        step_where = f"{where}, step {row.get('slug')}"
        _check_keys(row, {"slug", "notes", *STEP_TEXT}, {"slug"}, step_where)
        step = _find(guide.children, row["slug"], step_where, "step in the English file")
        into.guides[(guide.key, step.key)] = (
            _translated_text(row, STEP_TEXT, step_where), step_where
        )
        for note_row in _list(row, "notes", step_where):
            note_where = f"{step_where}, note {note_row.get('exchange')}"
            _check_keys(note_row, {"exchange", *NOTE_TEXT}, {"exchange"}, note_where)
            note = _find(step.children, note_row["exchange"], note_where,
                         "note in the English file")
            into.guides[(guide.key, step.key, note.key)] = (
                _translated_text(note_row, NOTE_TEXT, note_where), note_where
            )


def _read_exchange_translation(path: Path, exchanges: list[Item], into: Translations) -> None:
    data = _load_yaml(path)
    _check_keys(data, {"exchanges"}, {"exchanges"}, str(path))
    for row in _list(data, "exchanges", str(path)):
        where = f"{path}, exchange {row.get('slug')}"
        _check_keys(row, {"slug", "facts"}, {"slug"}, where)
        exchange = _find(exchanges, row["slug"], where, "exchange in the English file")
        for fact_row in _list(row, "facts", where):
            fact_where = f"{where}, fact {fact_row.get('key')}"
            _check_keys(fact_row, {"key", *FACT_TEXT}, {"key"}, fact_where)
            fact = _find(exchange.children, fact_row["key"], fact_where,
                         "fact in the English file")
            into.facts[(exchange.key, fact.key)] = (
                _translated_text(fact_row, FACT_TEXT, fact_where), fact_where
            )


def _find(items: list[Item], key: str, where: str, what: str) -> Item:
    for item in items:
        if item.key == key:
            return item
    raise ContentError(f"{where}: no such {what}")
