#!/usr/bin/env python3
"""The translation catalogs: update them, or check them the way CI does.

    python .ci/catalogs.py update [LANG...]   # re-extract strings into the .po, compile .mo
    python .ci/catalogs.py compile LANG...    # compile only (checks placeholders), no extraction
    python .ci/catalogs.py check [LANG...]    # fail unless the catalogs are current and complete

LANG is a directory name under locale/ (zh_Hans, ja, ko); without one, all of them. Give
your own language when several people translate at once: each command then touches only
that catalog.

`check` fails when
- makemessages would change a catalog (a string was added, changed or removed in the
  code without `update`),
- a catalog has untranslated or fuzzy entries, or a translation whose placeholders don't
  match its source (msgfmt --check),
- a committed .mo file does not hold exactly what its .po compiles to.

It leaves the working tree as it found it. Needs GNU gettext (msgfmt, xgettext,
msgmerge); `make run` and the app itself need none of it, the .mo files are committed.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ["zh_Hans", "ja", "ko"]  # directory names of settings.LANGUAGES, minus English
# File names only (no line numbers): translators see where a string is used, and moving
# code around doesn't rewrite the catalogs. Tests and benchmarks hold no user-facing text.
MAKEMESSAGES = [
    "makemessages", "--no-obsolete", "--add-location=file",
    "--ignore=.venv/*", "--ignore=tests/*", "--ignore=bench/*", "--ignore=staticfiles/*",
]
# makemessages stamps the extraction time into the header: not a change worth failing for.
VOLATILE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "true"}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def compile_mo(lang: str, target: Path) -> subprocess.CompletedProcess:
    """What compilemessages runs, for our catalogs only (it would also walk .venv)."""
    msgfmt = shutil.which("msgfmt") or "msgfmt"
    return subprocess.run(  # noqa: S603 - fixed arguments, paths of our own files
        [msgfmt, "--check", "--statistics", "-o", str(target), str(po_path(lang))],
        capture_output=True, text=True,
    )


def extract(languages: list[str]) -> None:
    manage(*MAKEMESSAGES, *(f"--locale={lang}" for lang in languages))


def compile_all(languages: list[str]) -> int:
    failed = 0
    for lang in languages:
        result = compile_mo(lang, po_path(lang).with_suffix(".mo"))
        print(f"{lang}: {result.stderr.strip()}")
        failed += result.returncode != 0
    return 1 if failed else 0


def update(languages: list[str]) -> int:
    extract(languages)
    return compile_all(languages)


def _out_of_date(languages: list[str]) -> list[str]:
    """Catalogs makemessages would change (the tree is restored afterwards)."""
    before = {lang: po_path(lang).read_text(encoding="utf-8") for lang in languages}
    try:
        extract(languages)
        after = {lang: po_path(lang).read_text(encoding="utf-8") for lang in languages}
    finally:
        for lang, text in before.items():
            po_path(lang).write_text(text, encoding="utf-8")
    return [
        lang for lang in languages
        if VOLATILE.sub("", before[lang]) != VOLATILE.sub("", after[lang])
    ]


def _msgfmt_problems(lang: str, mo: Path) -> list[str]:
    """Untranslated or fuzzy entries and placeholder mismatches, as msgfmt reports them."""
    result = compile_mo(lang, mo)
    report = result.stderr.strip()
    problems = [] if result.returncode == 0 else [f"{lang}: msgfmt --check failed:\n{report}"]
    if re.search(r"\d+ (fuzzy|untranslated)", report):
        problems.append(f"{lang}: {report.splitlines()[-1]}")
    return problems


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def _mo_problems(lang: str, fresh: Path) -> list[str]:
    committed = po_path(lang).with_suffix(".mo")
    if not committed.exists():
        return [f"{lang}: {committed.relative_to(ROOT)} is missing"]
    if _catalog(committed) != _catalog(fresh):
        return [f"{lang}: {committed.relative_to(ROOT)} does not match its .po"]
    return []


def check(languages: list[str]) -> int:
    problems = [f"{lang}: out of date with the code" for lang in _out_of_date(languages)]
    with tempfile.TemporaryDirectory() as tmp:
        for lang in languages:
            fresh = Path(tmp) / f"{lang}.mo"
            problems += _msgfmt_problems(lang, fresh)
            if fresh.exists():
                problems += _mo_problems(lang, fresh)
    if problems:
        print("Translation catalogs need work:\n  - " + "\n  - ".join(problems))
        print("Run `make messages` (re-extracts and compiles), translate every empty or "
              "fuzzy entry in locale/<lang>/LC_MESSAGES/django.po, run it again, commit.")
        return 1
    print("Translation catalogs are current, complete and compiled.")
    return 0


COMMANDS = {"update": update, "compile": compile_all, "check": check}

if __name__ == "__main__":
    command, *chosen = sys.argv[1:] or [""]
    unknown = set(chosen) - set(LANGUAGES)
    if command not in COMMANDS or unknown:
        sys.exit(__doc__)
    if shutil.which("msgfmt") is None:
        sys.exit("GNU gettext is needed (apt-get install gettext).")
    sys.exit(COMMANDS[command](chosen or LANGUAGES))
