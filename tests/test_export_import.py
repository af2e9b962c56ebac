"""Inventory export (CSV, JSON) and CSV import: scoping, round trip, validation, limits."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from mnemonic import Mnemonic

from accounts import inventory_io
from accounts.inventory_io import CSV_COLUMNS, InventoryFileError, parse_csv
from accounts.models import CheckIn, ExchangeAccount, KycStatus, PhoneStatus, TwoFactorMethod
from accounts.services import create_account, record_check_in

from .conftest import reauthenticate
from .factories import ExchangeAccountFactory, ExchangeFactory

NOW = "2026-11-24T12:00:00Z"
TODAY = datetime.date(2026, 11, 24)
HEADER = ",".join(CSV_COLUMNS)

# Every stored field that an export/import round trip must reproduce.
ROUND_TRIP_FIELDS = [
    "exchange_id", "other_exchange_name", "label", "login_hint", "notes", "opened_on",
    "last_login_on", "check_in_every_days", "next_check_in_on", "holds_assets",
    "two_factor_method", "anti_phishing_code_set", "withdrawal_whitelist_on",
    "whitelist_reviewed_on", "password_changed_on", "password_is_strong", "password_is_unique",
    "email_in_use", "phone_status", "api_keys_present", "api_keys_reviewed_on",
    "devices_reviewed_on", "kyc_status",
]

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def csv_line(**values) -> str:
    """One CSV data row in CSV_COLUMNS order; unnamed columns stay blank."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values.get(c, "") for c in CSV_COLUMNS])
    return out.getvalue()


def upload(client, text: str | bytes, name: str = "accounts.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        reverse("import_accounts"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def snapshot(owner) -> list[dict]:
    rows = ExchangeAccount.objects.filter(owner=owner).order_by("id")
    return [
        {**{f: getattr(a, f) for f in ROUND_TRIP_FIELDS}, "archived": a.is_archived}
        for a in rows
    ]


@pytest.fixture
def owner_client(owner):
    """The owner, who just re-entered their password (exports ask for it)."""
    client = Client()
    client.force_login(owner)
    reauthenticate(client, owner)
    return client


@pytest.fixture
def other_client(other_user):
    client = Client()
    client.force_login(other_user)
    reauthenticate(client, other_user)
    return client


@pytest.fixture
def binance(db):
    return ExchangeFactory(slug="binance", name="Binance")


@pytest.fixture
def kraken(db):
    return ExchangeFactory(slug="kraken", name="Kraken")


@pytest.fixture
def varied_accounts(owner, binance, kraken):
    """Accounts using every kind of value: catalogue and Other exchanges, blanks, archived."""
    full = create_account(ExchangeAccount(
        owner=owner, exchange=binance, label="Main", login_hint="j***@mail.com",
        notes='Opened for DCA, "weekly"; see folder\nsecond line', opened_on=TODAY.replace(2019),
        last_login_on=datetime.date(2026, 10, 1), check_in_every_days=30, holds_assets=True,
        two_factor_method=TwoFactorMethod.SECURITY_KEY, anti_phishing_code_set=True,
        withdrawal_whitelist_on=False, whitelist_reviewed_on=datetime.date(2026, 3, 1),
        password_changed_on=datetime.date(2025, 1, 2), password_is_strong=True,
        password_is_unique=False, email_in_use=True, phone_status=PhoneStatus.NOT_IN_USE,
        api_keys_present=True, api_keys_reviewed_on=datetime.date(2026, 5, 5),
        devices_reviewed_on=datetime.date(2026, 6, 6), kyc_status=KycStatus.UPDATE_REQUESTED,
    ))
    record_check_in(full, datetime.date(2026, 11, 1))
    create_account(ExchangeAccount(
        owner=owner, other_exchange_name="Tiny DEX Gateway", label="", login_hint="+44 *** **23",
        last_login_on=datetime.date(2024, 2, 29), holds_assets=False,
    ))
    archived = create_account(ExchangeAccount(
        owner=owner, exchange=kraken, label="=old one", last_login_on=datetime.date(2023, 7, 1),
    ))
    archived.archived_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    archived.save()
    return owner


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["export_csv", "export_json", "import_accounts"])
def test_anonymous_is_sent_to_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_post_imports_nothing(anon_client, binance):
    response = upload(anon_client, HEADER + "\n" + csv_line(exchange="binance",
                                                          last_login_on="2026-11-01"))
    assert response.status_code == 302
    assert not ExchangeAccount.objects.exists()


@pytest.mark.parametrize("name", ["export_csv", "export_json"])
def test_exports_ask_for_the_password_again_first(owner, name):
    """A stolen session alone must not be enough to download the whole inventory: like the
    full data export, account exports need a fresh reauthentication."""
    ExchangeAccountFactory(owner=owner, label="Hidden until reauthenticated")
    client = Client()
    client.force_login(owner)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("account_reauthenticate") + "?next=" + reverse(name).replace("/", "%2F")
    )
    assert b"Hidden until" not in response.content

    reauthenticate(client, owner)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"Hidden until reauthenticated" in response.content


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def test_csv_export_has_own_accounts_only(owner_client, owner, other_user, binance):
    ExchangeAccountFactory(owner=owner, exchange=binance, label="Mine")
    ExchangeAccountFactory(owner=owner, exchange=binance, label="Mine archived",
                           archived_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    ExchangeAccountFactory(owner=other_user, exchange=binance, label="Someone else's")

    response = owner_client.get(reverse("export_csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="dormant-guard-accounts-2026-11-24.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [row["label"] for row in rows] == ["Mine", "Mine archived"]
    assert [row["archived"] for row in rows] == ["no", "yes"]
    assert rows[0]["exchange"] == "Binance"
    assert rows[0]["last_login_on"] == "2026-11-14"
    assert rows[0]["anti_phishing_code_set"] == ""
    assert rows[0]["holds_assets"] == "yes"
    assert "Someone else" not in text


def test_json_export_has_own_accounts_with_check_ins(owner_client, owner, other_user, binance):
    mine = create_account(ExchangeAccount(
        owner=owner, exchange=binance, label="Mine", last_login_on=datetime.date(2026, 9, 1),
        password_is_strong=False,
    ))
    record_check_in(mine, datetime.date(2026, 11, 20))
    ExchangeAccountFactory(owner=other_user, exchange=binance, label="Someone else's")

    response = owner_client.get(reverse("export_json"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        'attachment; filename="dormant-guard-accounts-2026-11-24.json"'
    )
    assert b'\n  "accounts"' in response.content  # pretty-printed
    payload = json.loads(response.content)
    assert payload["version"] == inventory_io.FORMAT_VERSION
    assert payload["exported_at"].startswith("2026-11-24T12:00:00")
    [account] = payload["accounts"]
    assert account["label"] == "Mine"
    assert account["exchange"] == "Binance"
    assert account["exchange_slug"] == "binance"
    assert account["last_login_on"] == "2026-11-20"
    assert account["check_ins"] == ["2026-09-01", "2026-11-20"]
    assert account["password_is_strong"] is False
    assert account["email_in_use"] is None
    assert account["archived"] is False
    assert "Someone else" not in response.content.decode()


def test_other_user_exports_none_of_the_owners_accounts(other_client, varied_accounts):
    csv_text = other_client.get(reverse("export_csv")).content.decode("utf-8-sig")
    assert csv_text.strip() == HEADER
    assert json.loads(other_client.get(reverse("export_json")).content)["accounts"] == []


@pytest.mark.parametrize(("name", "inventory_queries"), [("export_csv", 1), ("export_json", 2)])
def test_export_query_count_does_not_grow_with_accounts(
    owner_client, owner, name, inventory_queries
):
    def export_queries() -> list[str]:
        with CaptureQueriesContext(connection) as context:
            response = owner_client.get(reverse(name))
        assert response.status_code == 200
        return [query["sql"] for query in context.captured_queries]

    account = ExchangeAccountFactory(owner=owner)
    CheckIn.objects.create(account=account, on=account.last_login_on)
    export_queries()  # the first request also records the signed-in session
    one = export_queries()
    for _ in range(19):
        # A new exchange each time, so select_related is what keeps the count flat.
        account = ExchangeAccountFactory(owner=owner)
        CheckIn.objects.create(account=account, on=account.last_login_on)
    twenty = export_queries()

    assert ExchangeAccount.objects.filter(owner=owner).count() == 20
    assert len(one) == len(twenty)
    assert len([sql for sql in twenty if '"accounts_' in sql]) == inventory_queries


def test_export_is_get_only(owner_client):
    assert owner_client.post(reverse("export_csv")).status_code == 405


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def test_import_page_explains_columns_and_links_the_template(owner_client):
    response = owner_client.get(reverse("import_accounts"))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file"' in content
    assert f'href="{reverse("export_csv")}"' in content
    for column in ("exchange", "last_login_on", "two_factor_method", "archived"):
        assert f"<code>{column}</code>" in content


def test_round_trip_reproduces_the_accounts(owner_client, varied_accounts):
    owner = varied_accounts
    before = snapshot(owner)
    exported = owner_client.get(reverse("export_csv")).content

    ExchangeAccount.objects.filter(owner=owner).delete()
    response = upload(owner_client, exported)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert snapshot(owner) == before
    # Each imported account starts with its last login as its one check-in.
    assert sorted(CheckIn.objects.filter(account__owner=owner).values_list("on", flat=True)) == [
        datetime.date(2023, 7, 1), datetime.date(2024, 2, 29), datetime.date(2026, 11, 1),
    ]
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Imported 3 accounts."]


def test_round_trip_with_semicolons_and_excel_bom(owner, varied_accounts):
    before = snapshot(owner)
    text = inventory_io.accounts_to_csv(ExchangeAccount.objects.filter(owner=owner).order_by("id"))
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    ExchangeAccount.objects.filter(owner=owner).delete()

    result = parse_csv("\ufeff" + out.getvalue(), owner)
    assert result.errors == []
    inventory_io.import_rows(result, owner)

    assert snapshot(owner) == before


def test_bom_file_is_accepted(owner_client, owner, binance):
    text = HEADER + "\r\n" + csv_line(exchange="Binance", last_login_on="2026-11-01")
    response = upload(owner_client, b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert response.status_code == 302
    account = ExchangeAccount.objects.get(owner=owner)
    assert account.exchange == binance
    assert account.last_login_on == datetime.date(2026, 11, 1)


def test_blank_and_missing_optional_columns_take_defaults(owner, kraken):
    result = parse_csv("Exchange,Last login on\nkraken,2026-11-01\n", owner)
    [account] = inventory_io.import_rows(result, owner)
    account.refresh_from_db()
    assert account.exchange == kraken
    assert account.check_in_every_days == 90
    assert account.holds_assets is True
    assert account.two_factor_method == TwoFactorMethod.UNKNOWN
    assert account.anti_phishing_code_set is None
    assert not account.is_archived


def test_unknown_exchange_becomes_other(owner_client, owner):
    text = HEADER + "\n" + csv_line(exchange="  Moon   Exchange ", last_login_on="2026-11-01")
    response = upload(owner_client, text)

    assert response.status_code == 302
    account = ExchangeAccount.objects.get(owner=owner)
    assert account.exchange is None
    assert account.other_exchange_name == "Moon Exchange"


def test_choice_labels_and_yes_no_spellings_are_understood(owner, binance):
    text = HEADER + "\n" + csv_line(
        exchange="BINANCE", last_login_on="2026-11-01", two_factor_method="Authenticator app",
        kyc_status="verified", email_in_use="Y", api_keys_present="false", archived="YES",
    )
    [account] = inventory_io.import_rows(parse_csv(text, owner), owner)
    assert account.exchange == binance
    assert account.two_factor_method == TwoFactorMethod.AUTHENTICATOR
    assert account.kyc_status == KycStatus.VERIFIED
    assert account.email_in_use is True
    assert account.api_keys_present is False
    assert account.is_archived


def test_one_bad_row_imports_nothing_and_reports_each_error(owner_client, binance, kraken):
    seed_phrase = Mnemonic("english").generate(128)
    text = HEADER + "\n" + "".join([
        csv_line(exchange="binance", label="Fine", last_login_on="2026-11-01"),
        csv_line(exchange="binance", label="Bad", last_login_on="2026-12-25",
                 notes=f"backup: {seed_phrase}", two_factor_method="carrier pigeon",
                 holds_assets="maybe"),
        csv_line(exchange="kraken", label="Also fine", last_login_on="2026-10-01"),
    ])

    response = upload(owner_client, text)

    assert response.status_code == 200
    assert not ExchangeAccount.objects.exists()
    errors = {(e.row, e.column) for e in response.context["row_errors"]}
    assert errors == {
        (3, "last_login_on"), (3, "notes"), (3, "two_factor_method"), (3, "holds_assets"),
    }
    content = response.content.decode()
    assert "Nothing was imported" in content
    assert "in the future" in content
    assert "recovery (seed) phrase" in content
    assert "Use one of: unknown, none, sms" in content
    assert seed_phrase not in content  # the secret is never echoed back


def test_errors_are_reported_for_every_bad_row(owner, binance):
    text = HEADER + "\n" + "".join([
        csv_line(exchange="", last_login_on="2026-11-01"),
        csv_line(exchange="binance", last_login_on="24/11/2026"),
        csv_line(exchange="binance", last_login_on="2026-11-01", check_in_every_days="3",
                 opened_on="2027-01-01"),
    ])
    result = parse_csv(text, owner)
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "exchange"), (3, "last_login_on"),
        # Opened in the future, so the last login is also before the opening date.
        (4, "opened_on"), (4, "last_login_on"), (4, "check_in_every_days"),
    }
    [date_error] = [e for e in result.errors if e.row == 3]
    assert date_error.message == inventory_io.DATE_MESSAGE
    with pytest.raises(ValueError, match="valid"):
        inventory_io.import_rows(result, owner)


def test_missing_header_column_is_explained(owner_client):
    text = "exchange,label\nbinance,Main\n"
    response = upload(owner_client, text)

    assert response.status_code == 200
    assert not ExchangeAccount.objects.exists()
    [message] = response.context["form"].errors["file"]
    assert "Missing columns: last_login_on." in message
    assert "Missing columns: last_login_on." in response.content.decode()


def test_unknown_header_column_is_explained(owner):
    with pytest.raises(InventoryFileError, match=r"Unknown columns: password\."):
        parse_csv("exchange,last_login_on,password\nbinance,2026-11-01,hunter2\n", owner)


def test_no_header_row_is_explained(owner):
    with pytest.raises(InventoryFileError, match="Unknown columns"):
        parse_csv("binance,2026-11-01\n", owner)


def test_json_export_uploaded_by_mistake_is_explained(owner_client, varied_accounts):
    exported = owner_client.get(reverse("export_json")).content
    response = upload(owner_client, exported, name="accounts.json")
    assert "looks like a JSON file" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize("text", ["", "\ufeff\n", HEADER + "\n,,,\n"])
def test_empty_file_is_explained(owner, text):
    with pytest.raises(InventoryFileError, match="empty|no accounts"):
        parse_csv(text, owner)


def test_non_utf8_file_is_refused_clearly(owner_client):
    text = HEADER + "\n" + csv_line(exchange="Börse", last_login_on="2026-11-01")
    response = upload(owner_client, text.encode("latin-1"))

    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert "isn't UTF-8" in message
    assert not ExchangeAccount.objects.exists()


def test_missing_file_is_a_form_error(owner_client):
    response = owner_client.post(reverse("import_accounts"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_too_many_rows_are_refused(owner, binance, monkeypatch):
    monkeypatch.setattr(inventory_io, "MAX_ROWS", 3)
    text = HEADER + "\n" + csv_line(exchange="binance", last_login_on="2026-11-01") * 4
    with pytest.raises(InventoryFileError, match="more than 3 accounts"):
        parse_csv(text, owner)


def test_too_large_file_is_refused(owner_client):
    text = HEADER + "\n" + csv_line(exchange="binance", last_login_on="2026-11-01",
                                    notes="x" * (inventory_io.MAX_FILE_BYTES + 1))
    response = upload(owner_client, text)
    assert response.status_code == 200
    assert "larger than 1 MB" in response.context["form"].errors["file"][0]
    assert not ExchangeAccount.objects.exists()


def test_formula_like_cells_are_quoted_on_export_and_restored_on_import(owner, binance):
    account = create_account(ExchangeAccount(
        owner=owner, exchange=binance, label="=HYPERLINK(1)", last_login_on=TODAY,
    ))
    text = inventory_io.accounts_to_csv([account])
    assert ",'=HYPERLINK(1)," in text
    [imported] = inventory_io.import_rows(parse_csv(text, owner), owner)
    assert imported.label == "=HYPERLINK(1)"


# Labels and notes that would run in a spreadsheet once it splits the line into cells:
# by commas, by semicolons or tabs (other locales), or at a line break.
FORMULA_TEXTS = [
    "x;=1+2;y",
    "a,=HYPERLINK(\"http://evil.example\")",
    "tab\t@SUM(1+1)*cmd|' /C calc'!A0",
    "first line\n=cmd|' /C calc'!A0",
    "windows\r\n+1+1",
    "spaced; -2+3",
    ";@A1",
    "=at the start",
    "'=already quoted by me",
    "ctrl;\x01=1",
    "fine; text, with\tbreaks\nand lines",
]
RISKY_START = ("=", "+", "-", "@")


CONTROL_CHARACTERS = "".join(map(chr, range(32))) + "\x7f"


def runs_in_a_spreadsheet(cell: str) -> bool:
    """Would a spreadsheet run it: a formula start after any blanks and control
    characters (some strip them), or a control character first?"""
    return cell.lstrip(" " + CONTROL_CHARACTERS).startswith(RISKY_START) or (
        cell[:1] != "" and cell[0] in CONTROL_CHARACTERS
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_of_the_export_runs_whatever_the_separator(owner, binance, delimiter):
    """A label like `x;=1+2;y` used to export unchanged: a spreadsheet splitting on `;`
    saw a live `=1+2` cell. Parse the export as each locale would."""
    accounts = [
        create_account(ExchangeAccount(
            owner=owner, exchange=binance, label=text[:80], notes=text, last_login_on=TODAY,
        ))
        for text in FORMULA_TEXTS
    ]
    accounts.append(create_account(ExchangeAccount(
        owner=owner, other_exchange_name="=EXCHANGE;+1", last_login_on=TODAY,
    )))
    text = inventory_io.accounts_to_csv(accounts)

    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
    # A spreadsheet that ignores quotes sees every line on its own, too.
    cells += [cell for line in text.splitlines() for cell in line.split(delimiter)]
    assert len(cells) > len(FORMULA_TEXTS) * 4
    running = [cell for cell in cells if runs_in_a_spreadsheet(cell)]
    assert not running, f"cells a spreadsheet would run with {delimiter!r}: {running}"


def test_neutralised_cells_come_back_exactly_on_import(owner, binance):
    accounts = [
        create_account(ExchangeAccount(
            owner=owner, exchange=binance, label=text[:80], notes=text, last_login_on=TODAY,
        ))
        for text in FORMULA_TEXTS
    ]
    text = inventory_io.accounts_to_csv(accounts)
    assert "x;'=1+2;y" in text and "''=already quoted by me" in text
    ExchangeAccount.objects.filter(owner=owner).delete()

    imported = inventory_io.import_rows(parse_csv(text, owner), owner)

    def lines(text: str) -> str:  # forms may turn CR LF into LF, like browsers do
        return text.replace("\r\n", "\n")

    assert [lines(a.notes) for a in imported] == [lines(t) for t in FORMULA_TEXTS]
    assert [lines(a.label) for a in imported] == [lines(t[:80]) for t in FORMULA_TEXTS]


# --------------------------------------------------------------------------------------------
# Limits: accounts per user
# --------------------------------------------------------------------------------------------


def test_an_import_past_the_account_limit_is_refused_with_a_clear_message(
    owner_client, owner, binance, monkeypatch
):
    monkeypatch.setattr(inventory_io, "MAX_ACCOUNTS_PER_USER", 5)
    for _ in range(3):
        ExchangeAccountFactory(owner=owner, exchange=binance)
    text = HEADER + "\n" + csv_line(exchange="binance", last_login_on="2026-11-01") * 3

    response = upload(owner_client, text)

    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert message == (
        "You keep 3 accounts here and this file adds 3: more than the 5 one person can "
        "keep. Delete accounts you no longer need, or import fewer rows."
    )
    assert message in response.content.decode()
    assert ExchangeAccount.objects.filter(owner=owner).count() == 3


def test_an_import_up_to_the_account_limit_is_accepted(owner, binance, monkeypatch):
    monkeypatch.setattr(inventory_io, "MAX_ACCOUNTS_PER_USER", 5)
    for _ in range(3):
        ExchangeAccountFactory(owner=owner, exchange=binance)
    text = HEADER + "\n" + csv_line(exchange="binance", last_login_on="2026-11-01") * 2
    inventory_io.import_rows(parse_csv(text, owner), owner)
    assert ExchangeAccount.objects.filter(owner=owner).count() == 5


def test_adding_an_account_past_the_limit_is_a_form_error(owner_client, owner, monkeypatch):
    from accounts import forms

    monkeypatch.setattr(forms, "MAX_ACCOUNTS_PER_USER", 2)
    for _ in range(2):
        ExchangeAccountFactory(owner=owner)
    response = owner_client.post(reverse("account_create"), {
        "exchange_choice": "other", "other_exchange_name": "One too many",
        "last_login_on": "2026-11-01", "check_in_every_days": "90", "holds_assets": "on",
        "two_factor_method": "sms", "phone_status": "unknown", "kyc_status": "unknown",
    })
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert "You already keep 2 exchange accounts here, the most one person can." in error
    assert "the most one person can" in response.content.decode()
    assert ExchangeAccount.objects.filter(owner=owner).count() == 2


@pytest.mark.django_db
def test_an_unreadable_csv_names_the_row_and_the_usual_causes_in_the_readers_language(owner):
    text = "exchange,label,last_login_on\nbinance,ok,2026-01-01\nkraken," + "x" * 200_000 + "\n"
    with pytest.raises(InventoryFileError) as english:
        parse_csv(text, owner)
    assert "near row 3" in str(english.value)
    assert "field limit" not in str(english.value)  # Python's own English reason stays out
    with translation.override("ja"), pytest.raises(InventoryFileError) as japanese:
        parse_csv(text, owner)
    assert "CSV" in str(japanese.value) and "near row" not in str(japanese.value)
