"""Export a user's account inventory as CSV or JSON, and import it back from CSV.

Import builds one `ExchangeAccountForm` per row, so an imported account passes exactly the
checks a typed one does (secret detection, date rules, choices). It is all or nothing: if
any row has a problem, every problem is reported with its row number and nothing is saved.

Row numbers are those a spreadsheet shows: the header is row 1, the first account row 2.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from config.lists import join_sentences

from . import services
from .forms import OTHER_EXCHANGE, ExchangeAccountForm
from .models import (
    MAX_ACCOUNTS_PER_USER,
    Exchange,
    ExchangeAccount,
    KycStatus,
    PhoneStatus,
    TwoFactorMethod,
)

FORMAT_NAME = "dormant-guard-accounts"
FORMAT_VERSION = 1

MAX_FILE_BYTES = 1024 * 1024  # 1 MB
MAX_ROWS = 1000

CSV_COLUMNS = (
    "exchange",
    "label",
    "login_hint",
    "opened_on",
    "last_login_on",
    "check_in_every_days",
    "holds_assets",
    "two_factor_method",
    "anti_phishing_code_set",
    "withdrawal_whitelist_on",
    "whitelist_reviewed_on",
    "password_changed_on",
    "password_is_strong",
    "password_is_unique",
    "email_in_use",
    "phone_status",
    "api_keys_present",
    "api_keys_reviewed_on",
    "devices_reviewed_on",
    "kyc_status",
    "notes",
    "archived",
)
# The only columns a hand-made file must have; the others fall back to the defaults below.
REQUIRED_COLUMNS = ("exchange", "last_login_on")

TEXT_COLUMNS = ("label", "login_hint", "notes")
DATE_COLUMNS = (
    "opened_on", "last_login_on", "whitelist_reviewed_on", "password_changed_on",
    "api_keys_reviewed_on", "devices_reviewed_on",
)
# Yes / no / blank ("not sure").
OPTIONAL_BOOLEAN_COLUMNS = (
    "anti_phishing_code_set", "withdrawal_whitelist_on", "password_is_strong",
    "password_is_unique", "email_in_use", "api_keys_present",
)
CHOICE_COLUMNS = {
    "two_factor_method": TwoFactorMethod,
    "phone_status": PhoneStatus,
    "kyc_status": KycStatus,
}
# What a blank cell (or a missing optional column) means.
BLANK_DEFAULTS = {
    "check_in_every_days": str(ExchangeAccount._meta.get_field("check_in_every_days").default),
    "holds_assets": "yes",
    "two_factor_method": TwoFactorMethod.UNKNOWN.value,
    "phone_status": PhoneStatus.UNKNOWN.value,
    "kyc_status": KycStatus.UNKNOWN.value,
    "archived": "no",
}

YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})
# The words "yes" and "no" are the file format, in every language.
YES_NO_MESSAGE = gettext_lazy("Use “yes”, “no” or leave it blank.")
DATE_MESSAGE = gettext_lazy("Use the date format YYYY-MM-DD, e.g. 2026-11-24.")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Spreadsheets run a cell that starts with = + - or @ as a formula, and some strip
# leading spaces and control characters first. A cell is not only what we write between
# commas: a spreadsheet set to split on ";" or tabs starts a new cell after each of
# those, and one that ignores quotes starts a new row after a line break. So every part
# of a text cell after one of these breaks is checked, not just its start.
CELL_BREAKS_RE = re.compile(r"([,;\t\r\n])")
# A part that would run: after spaces, control characters (and quotes we added before),
# a formula character or a control character.
RISKY_PART_RE = re.compile(r"['\s\x00-\x1f\x7f]*[=+\-@\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DELIMITERS = (",", ";", "\t")

_COLUMN_ORDER = {name: index for index, name in enumerate(CSV_COLUMNS)}
# Form field -> CSV column, for reporting the form's errors.
FORM_FIELD_COLUMNS = {"exchange_choice": "exchange", "other_exchange_name": "exchange"}


def _choice_help(choices) -> str:
    return ", ".join(choices.values)


def column_help() -> tuple[tuple[str, str], ...]:
    """Shown on the import page: (column, what it holds), in the reader's language."""
    def one_of(choices) -> str:
        return gettext("One of %(choices)s. Blank means unknown.") % {
            "choices": _choice_help(choices)
        }

    return (
        ("exchange", gettext(
            "The exchange's name or short name (e.g. Binance or binance). A name we don't "
            "know is kept as “Other” with that name. Required.")),
        ("label", gettext("Your own name for the account, e.g. Main. Optional.")),
        ("login_hint", gettext(
            "Which email or phone it uses, masked (j***@mail.com). Full addresses are "
            "masked for you.")),
        ("opened_on", gettext("When you opened it, YYYY-MM-DD. Optional.")),
        ("last_login_on", gettext("Your last login, YYYY-MM-DD; not in the future. Required.")),
        ("check_in_every_days", gettext("Days between check-ins, 7 to 730. Blank means 90.")),
        ("holds_assets", gettext("yes or no. Blank means yes.")),
        ("two_factor_method", one_of(TwoFactorMethod)),
        ("anti_phishing_code_set, withdrawal_whitelist_on, password_is_strong, "
         "password_is_unique, email_in_use, api_keys_present",
         gettext("yes, no, or blank for not sure.")),
        ("whitelist_reviewed_on, password_changed_on, api_keys_reviewed_on, "
         "devices_reviewed_on", gettext("Dates, YYYY-MM-DD, or blank.")),
        ("phone_status", one_of(PhoneStatus)),
        ("kyc_status", one_of(KycStatus)),
        ("notes", gettext(
            "Anything that helps you later — never passwords, codes, keys or recovery "
            "phrases (rows containing them are refused).")),
        ("archived", gettext("yes to import the account as archived. Blank means no.")),
    )


class InventoryFileError(ValueError):
    """The file as a whole can't be read (size, encoding, header, row count)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    form: ExchangeAccountForm
    archived: bool


@dataclass
class ImportResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _spreadsheet_safe(text: str) -> str:
    """Put a quote before every part of `text` a spreadsheet could run: `x;=1+2` becomes
    `x;'=1+2`. A part that already starts with quotes before such a start gets one more,
    so `_unquote` can always tell ours from the user's."""
    parts = CELL_BREAKS_RE.split(text)  # text, break, text, break, ...
    return "".join(
        "'" + part if index % 2 == 0 and RISKY_PART_RE.match(part) else part
        for index, part in enumerate(parts)
    )


def _unquote(text: str) -> str:
    """Undo `_spreadsheet_safe`: drop the quote it put before each part that could run."""
    parts = CELL_BREAKS_RE.split(text)
    return "".join(
        part[1:] if index % 2 == 0 and part.startswith("'") and RISKY_PART_RE.match(part[1:])
        else part
        for index, part in enumerate(parts)
    )


def account_row(account: ExchangeAccount) -> dict[str, str]:
    """One account as CSV cells (strings), keyed by CSV_COLUMNS."""
    row = {
        "exchange": account.exchange_name,
        "label": account.label,
        "login_hint": account.login_hint,
        "notes": account.notes,
        "check_in_every_days": str(account.check_in_every_days),
        "holds_assets": _yes_no(account.holds_assets),
        "two_factor_method": account.two_factor_method,
        "phone_status": account.phone_status,
        "kyc_status": account.kyc_status,
        "archived": _yes_no(account.is_archived),
    }
    row.update({name: _iso(getattr(account, name)) for name in DATE_COLUMNS})
    row.update({name: _yes_no(getattr(account, name)) for name in OPTIONAL_BOOLEAN_COLUMNS})
    return {name: row[name] for name in CSV_COLUMNS}


def accounts_to_csv(accounts: Iterable[ExchangeAccount]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for account in accounts:
        row = account_row(account)
        for name in ("exchange", *TEXT_COLUMNS):
            row[name] = _spreadsheet_safe(row[name])
        writer.writerow(row.values())
    return out.getvalue()


def accounts_to_json(
    accounts: Iterable[ExchangeAccount],
    check_ins_by_account: Mapping[int, Iterable[datetime.date]],
) -> dict:
    """A JSON-ready dict: JSON's own true/false/null and numbers, ISO dates."""
    items = []
    for account in accounts:
        item: dict = {
            "exchange": account.exchange_name,
            "exchange_slug": account.exchange.slug if account.exchange else None,
            "label": account.label,
            "login_hint": account.login_hint,
            "check_in_every_days": account.check_in_every_days,
            "holds_assets": account.holds_assets,
            "two_factor_method": account.two_factor_method,
            "phone_status": account.phone_status,
            "kyc_status": account.kyc_status,
            "notes": account.notes,
            "archived": account.is_archived,
            "archived_at": account.archived_at.isoformat() if account.archived_at else None,
            "next_check_in_on": _iso(account.next_check_in_on) or None,
        }
        item.update({name: _iso(getattr(account, name)) or None for name in DATE_COLUMNS})
        item.update({name: getattr(account, name) for name in OPTIONAL_BOOLEAN_COLUMNS})
        item["check_ins"] = sorted(
            day.isoformat() for day in check_ins_by_account.get(account.pk, ())
        )
        items.append(item)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "accounts": items,
    }


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def too_large_message() -> str:
    return gettext(
        "The file is larger than %(megabytes)s MB. Split it into smaller files of at most "
        "%(rows)s accounts."
    ) % {"megabytes": MAX_FILE_BYTES // 1024 // 1024, "rows": MAX_ROWS}


def decode_upload(data: bytes) -> str:
    """UTF-8 text (with or without Excel's byte-order mark), or a clear error."""
    if len(data) > MAX_FILE_BYTES:
        raise InventoryFileError(too_large_message())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InventoryFileError(gettext(
            "The file isn't UTF-8 text. In Excel choose “CSV UTF-8 (comma delimited)” when "
            "saving; in Numbers or LibreOffice choose UTF-8 as the character set."
        )) from None


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def _pick_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_header(header: list[str]) -> list[str]:
    columns = [_normalise_header(name) for name in header]
    problems = []
    unknown = [name for name in columns if name and name not in CSV_COLUMNS]
    if unknown:
        problems.append(gettext("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if "" in columns:
        problems.append(gettext("A column in the header row has no name."))
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        problems.append(
            gettext("Columns given twice: %(columns)s.") % {"columns": ", ".join(duplicates)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(gettext("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if problems:
        raise InventoryFileError(
            join_sentences([
                *problems,
                gettext(
                    "The first row must name the columns; the recognised columns are: "
                    "%(columns)s."
                ) % {"columns": ", ".join(CSV_COLUMNS)},
            ])
        )
    return columns


def _exchange_lookup() -> dict[str, str]:
    lookup = {}
    for slug, name in Exchange.objects.values_list("slug", "name"):
        lookup[name.casefold()] = slug
        lookup[slug.casefold()] = slug
    return lookup


def _parse_yes_no(value: str) -> bool | None:
    """True / False / None for blank; ValueError for anything else."""
    word = value.strip().casefold()
    if not word:
        return None
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(word)


def _choice_value(value: str, choices) -> str:
    """Accept a choice's value or its label, in any case; else pass it on for the form."""
    wanted = value.strip().casefold()
    for choice_value, label in choices.choices:
        if wanted in (choice_value.casefold(), str(label).casefold()):
            return choice_value
    return value.strip()


def _row_to_form_data(
    cells: Mapping[str, str], exchanges: Mapping[str, str]
) -> tuple[dict[str, str], bool, list[tuple[str, str]]]:
    """Map a row's cells to ExchangeAccountForm data; also the archived flag and the
    problems the form can't see (yes/no and date spelling)."""
    problems: list[tuple[str, str]] = []
    data: dict[str, str] = {}

    exchange = " ".join(_unquote(cells.get("exchange", "")).split())
    if exchange:
        slug = exchanges.get(exchange.casefold())
        data["exchange_choice"] = slug or OTHER_EXCHANGE
        data["other_exchange_name"] = "" if slug else exchange
    for name in TEXT_COLUMNS:
        data[name] = _unquote(cells.get(name, ""))

    for name in DATE_COLUMNS:
        value = cells.get(name, "").strip()
        if value and not ISO_DATE_RE.fullmatch(value):
            problems.append((name, str(DATE_MESSAGE)))
        data[name] = value

    for name in ("check_in_every_days", "two_factor_method", "phone_status", "kyc_status"):
        data[name] = cells.get(name, "").strip() or BLANK_DEFAULTS[name]
    for name, choices in CHOICE_COLUMNS.items():
        data[name] = _choice_value(data[name], choices)

    for name in (*OPTIONAL_BOOLEAN_COLUMNS, "holds_assets"):
        try:
            answer = _parse_yes_no(cells.get(name, ""))
        except ValueError:
            problems.append((name, str(YES_NO_MESSAGE)))
            answer = None
        if answer is None and name == "holds_assets":
            answer = True
        data[name] = "" if answer is None else ("true" if answer else "false")

    try:
        archived = bool(_parse_yes_no(cells.get("archived", "")))
    except ValueError:
        problems.append(("archived", str(YES_NO_MESSAGE)))
        archived = False
    return data, archived, problems


def _form_errors(form: ExchangeAccountForm) -> list[tuple[str, str]]:
    """The form's errors keyed by CSV column, reworded where the web wording misleads."""
    errors = []
    for field_name, field_errors in form.errors.as_data().items():
        column = FORM_FIELD_COLUMNS.get(field_name, field_name)
        if column == "__all__":
            column = ""
        for error in field_errors:
            if field_name == "exchange_choice" and error.code == "required":
                message = gettext("Give the exchange's name, e.g. Binance.")
            elif error.code == "invalid_choice" and column in CHOICE_COLUMNS:
                message = gettext("Not a known value. Use one of: %(choices)s.") % {
                    "choices": _choice_help(CHOICE_COLUMNS[column])
                }
            else:
                message = join_sentences(error.messages)
            errors.append((column, message))
    return errors


def parse_csv(text: str, owner) -> ImportResult:
    """Read and validate every row; raises InventoryFileError if the file as a whole is
    unusable. Nothing is saved here: see `import_rows`."""
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InventoryFileError(too_large_message())
    if not text.strip():
        raise InventoryFileError(gettext(
            "The file is empty. It needs a header row naming the columns, then one row per "
            "account."
        ))
    if text.lstrip().startswith(("{", "[")):
        raise InventoryFileError(gettext(
            "This looks like a JSON file. Import takes the CSV format: download your accounts "
            "as CSV for a template."
        ))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_pick_delimiter(text))
    result = ImportResult()
    exchanges = _exchange_lookup()
    try:
        columns = _read_header(next(reader))
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and rows of empty cells that spreadsheets leave
            if len(result.rows) >= MAX_ROWS:
                raise InventoryFileError(gettext(
                    "The file has more than %(rows)s accounts. Split it into smaller files."
                ) % {"rows": MAX_ROWS})
            result.rows.append(_parse_row(row_number, columns, cells, exchanges, owner, result))
    except csv.Error:
        # Python's own reason ("field larger than field limit", "line contains NUL") is
        # English and technical; say what usually causes it instead.
        raise InventoryFileError(gettext(
            "The file can't be read as CSV near row %(row)s: a quote may be left open, a "
            "cell may be too long, or the file may not be text. Save it again from your "
            "spreadsheet as CSV UTF-8."
        ) % {"row": reader.line_num}) from None
    if not result.rows:
        raise InventoryFileError(gettext("The file has a header row but no accounts."))
    _check_account_limit(owner, len(result.rows))
    return result


def _check_account_limit(owner, adding: int) -> None:
    existing = ExchangeAccount.objects.owned_by(owner).count()
    if existing + adding > MAX_ACCOUNTS_PER_USER:
        raise InventoryFileError(gettext(
            "You keep %(existing)s accounts here and this file adds %(adding)s: more than "
            "the %(limit)s one person can keep. Delete accounts you no longer need, or import "
            "fewer rows."
        ) % {"existing": existing, "adding": adding, "limit": MAX_ACCOUNTS_PER_USER})


def _parse_row(row_number, columns, cells, exchanges, owner, result) -> ParsedRow:
    if len(cells) > len(columns):
        extra = cells[len(columns):]
        if any(cell.strip() for cell in extra):
            result.errors.append(
                RowError(row_number, "", gettext(
                    "This row has more cells than the header has columns."
                ))
            )
    data, archived, problems = _row_to_form_data(dict(zip(columns, cells, strict=False)),
                                                 exchanges)
    form = ExchangeAccountForm(data, owner=owner)
    form_problems = _form_errors(form)
    seen_columns = {column for column, _ in problems}
    # A badly spelled date is reported once, in our words, not again by the form.
    problems += [(c, m) for c, m in form_problems if c not in seen_columns or c not in DATE_COLUMNS]
    problems.sort(key=lambda problem: _COLUMN_ORDER.get(problem[0], -1))
    result.errors += [RowError(row_number, column, message) for column, message in problems]
    return ParsedRow(row=row_number, form=form, archived=archived)


def import_rows(result: ImportResult, owner) -> list[ExchangeAccount]:
    """Save every parsed row in one transaction; refuses a result with errors."""
    if not result.is_valid:
        raise ValueError("Only a valid ImportResult can be imported.")
    created = []
    now = timezone.now()
    with transaction.atomic():
        for parsed in result.rows:
            account = parsed.form.save(commit=False)
            account.owner = owner
            if parsed.archived:
                account.archived_at = now
            created.append(services.create_account(account))
    return created
