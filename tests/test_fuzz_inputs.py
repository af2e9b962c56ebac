"""Hostile input at every form and POST endpoint of our apps (hypothesis).

The endpoints come from the URL walk in tests/test_url_access.py, and the field names
(and valid values, so examples get past the first check) from the forms on the owner's
pages. Each example posts a mix of valid values, arbitrary unicode, NUL bytes, RTL
overrides, emoji, 10,000-character strings, huge integers, impossible dates,
secret-looking text and missing fields, and checks that:

- nothing answers 500;
- no row ends up holding a secret-looking value (`find_secret` over every CharField and
  TextField of our apps);
- a form that comes back with errors, or a 400/404/405, changed no data at all: the
  owner's saved account keeps every field after an invalid edit.

Every example runs in a savepoint that is rolled back, so each starts from the same
world. A second group fuzzes URL parameters (ids, step states, tokens), and a last group
is the manual attacker pass turned into tests: markup in every text field, shown on every
page; forged cross-site POSTs; tampered reminder tokens.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.inventory_io import CSV_COLUMNS
from accounts.models import ExchangeAccount
from accounts.secret_detection import find_secret
from tests.conftest import reauthenticate
from tests.factories import DEFAULT_PASSWORD
from tests.test_url_access import (
    CONVERTER_RE,
    PUBLIC,
    ROUTES,
    STAFF_ONLY,
    Route,
    build_world,
    changed_tables,
    excluded_routes,
    snapshot,
)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- What to throw -------------------------------------------------------------------------

SEED_PHRASE = (
    "abandon ability able about above absent absorb abstract absurd abuse access accident"
)
SECRET_LOOKING = [
    SEED_PHRASE,
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # 64 hex
    "password: hunter22!",
    "jane@mail.com:Tr0ub4dor&3",
    "JBSWY3DPEHPK3PXP",  # a TOTP seed
    "api key vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
    "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
]
NASTY = [
    "", " ", "\x00", "a\x00b", "label\x00", "\u202eevil\u202c", "\u200b", "\ufeff",
    "😀" * 40, "👨‍👩‍👧‍👦", "x" * 10_000, "é" * 5_000, "\r\n\t", "ǅ" * 80,
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}",
    "' OR 1=1 --", "../../etc/passwd", "%00", "javascript:alert(1)",
    str(2**63), str(10**30), "-1", "0", "-99999999999999999999", "1e309", "NaN",
    "Infinity", "0x10", "١٢", "²",
    "2026-02-30", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2026-13-01",
    "31/12/2026", "2026-1-1", "1970-01-01T00:00:00", "-2026-01-01",
    "true", "false", "yes", "on", "None", "null", "[]", "{}",
    *SECRET_LOOKING,
]
NO_SURROGATES = st.characters(exclude_categories=["Cs"])
ANY_TEXT = st.text(alphabet=NO_SURROGATES, max_size=300)


def values_for(valid: list[str]) -> st.SearchStrategy[str]:
    options = [
        st.sampled_from(NASTY),
        ANY_TEXT,
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.tuples(st.sampled_from(NASTY), ANY_TEXT).map("".join),
    ]
    if valid:
        options.insert(0, st.sampled_from(valid))
        options.append(st.tuples(st.sampled_from(valid), st.sampled_from(NASTY)).map("".join))
    return st.one_of(options)


def form_data(fields: dict[str, list[str]]) -> st.SearchStrategy[dict]:
    """Every known field optional (missing fields), sometimes repeated, plus junk keys."""
    optional = {
        name: st.one_of(values_for(valid), st.lists(values_for(valid), min_size=2, max_size=3))
        for name, valid in fields.items()
    }
    junk = st.dictionaries(st.text(NO_SURROGATES, min_size=1, max_size=20), ANY_TEXT, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=optional), junk).map(
        lambda pair: {**pair[1], **pair[0]}
    )


def csv_cell() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["binance", "Kraken", "Other Exchange", "2026-01-05", "yes", "90"]),
        values_for([]),
    )


def _csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _csv_bytes(rows) -> bytes:
    return _csv_text(rows).encode("utf-8")


CSV_FILES = st.one_of(
    # A proper header and rows of hostile cells: gets past the file checks to the rows.
    st.lists(
        st.lists(csv_cell(), min_size=len(CSV_COLUMNS), max_size=len(CSV_COLUMNS)),
        min_size=1, max_size=3,
    ).map(lambda rows: _csv_bytes([list(CSV_COLUMNS), *rows])),
    # Ragged rows without a proper header.
    st.lists(st.lists(csv_cell(), max_size=6), max_size=4).map(_csv_bytes),
    st.binary(max_size=2_000),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\x00" * 100, b"exchange,last_login_on\n" * 2]),
)


# --- The endpoints and their forms ------------------------------------------------------------


class FormHarvester(HTMLParser):
    """Collects every form on a page: its action and its fields with their valid values.
    Buttons with `formaction` (and `form="id"` for a form elsewhere on the page) count as
    forms posting to that action."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._by_id: dict[str, dict[str, list[str]]] = {}
        self._buttons: list[tuple[str, str | None, dict[str, list[str]] | None]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_url
            self._fields = {}
            self.forms.append((action.split("#")[0], self._fields))
            if attrs.get("id"):
                self._by_id[attrs["id"]] = self._fields
            return
        if tag == "button" and attrs.get("formaction"):
            self._buttons.append((attrs["formaction"], attrs.get("form"), self._fields))
        if self._fields is None:
            return
        name = attrs.get("name")
        if tag in ("input", "textarea", "button") and name:
            values = self._fields.setdefault(name, [])
            if attrs.get("value") is not None:
                values.append(attrs["value"])
        elif tag == "select" and name:
            self._select = name
            self._fields.setdefault(name, [])
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._fields[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None

    def close(self):
        super().close()
        for action, form_id, enclosing in self._buttons:
            fields = self._by_id.get(form_id) if form_id else enclosing
            self.forms.append((action.split("#")[0], fields or {}))


# Fields any endpoint might read besides its form's own (a redirect target, htmx's header
# is not a field): sent to every endpoint.
COMMON_FIELDS = {"next": ["/dashboard/"]}


def harvest_forms(client: Client, urls: list[str]) -> dict[str, dict[str, list[str]]]:
    """action URL -> {field name: valid values seen}, from the forms on `urls`."""
    found: dict[str, dict[str, list[str]]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormHarvester(url)
        parser.feed(response.content.decode())
        parser.close()
        for action, fields in parser.forms:
            merged = found.setdefault(action, {})
            for name, values in fields.items():
                merged.setdefault(name, []).extend(v for v in values if v not in merged[name])
    for fields in found.values():
        fields.pop("csrfmiddlewaretoken", None)
    return found


# Every route of ours that accepts a POST (probing says which).
POST_ROUTES = ROUTES
# Pages not in our URL walk whose forms post to our endpoints.
EXTRA_FORM_PAGES = ["/"]


@pytest.fixture
def world(owner, other_user):
    return build_world(owner, other_user)


def reauthenticated(user) -> Client:
    """A client of `user` who just re-entered their password (export/delete need it)."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


# --- Invariants -------------------------------------------------------------------------------

SCANNED_APPS = ("users", "accounts", "checklists", "reminders", "security")


def _is_machine_field(field) -> bool:
    """Hashes and random tokens we generate ourselves; no user text reaches them."""
    return not field.editable or field.name == "password"


@cache
def _text_fields(model) -> tuple[str, ...]:
    return tuple(
        f.name for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not _is_machine_field(f)
    )


@cache
def _flag(value: str) -> str | None:
    return find_secret(value)


def stored_secrets() -> set[tuple]:
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in SCANNED_APPS or not _text_fields(model):
            continue
        fields = _text_fields(model)
        for row in model._default_manager.values_list("pk", *fields):
            for name, value in zip(fields, row[1:], strict=True):
                if value and _flag(value):
                    found.add((model._meta.label, row[0], name, value[:80]))
    return found


# Tables a refused request may still write: the audit log records attempts by design.
MAY_CHANGE_ON_REFUSAL = {"security.securityevent"}


def shows_form_errors(response) -> bool:
    context = getattr(response, "context", None)
    if not context:
        return False
    for key in ("form", "check_in_form"):
        try:
            form = context[key]
        except KeyError:
            continue
        if getattr(form, "errors", None):
            return True
    return False


def account_fields(account_pk: int) -> dict:
    fields = ExchangeAccount.objects.filter(pk=account_pk).values().first()
    assert fields is not None, f"account {account_pk} is gone"
    return dict(fields)


def post_and_check(client, url, data, baseline_secrets, world, label):
    """POST inside a savepoint that is rolled back; assert the invariants."""
    with transaction.atomic():
        before = snapshot()
        account_before = account_fields(world.account.pk)
        response = client.post(url, data)
        status = response.status_code
        assert status < 500, f"POST {url} ({label}) answered {status} to {data!r:.2000}"
        new_secrets = stored_secrets() - baseline_secrets
        assert not new_secrets, f"POST {url} stored secret-looking text: {new_secrets}"
        refused = status in (400, 404, 405) or shows_form_errors(response)
        if refused:
            changed = set(changed_tables(before, snapshot())) - MAY_CHANGE_ON_REFUSAL
            assert not changed, f"refused POST {url} still changed {changed}: {data!r:.2000}"
            assert account_fields(world.account.pk) == account_before
        transaction.set_rollback(True)
    return response


# --- Fuzzing every form ----------------------------------------------------------------------


def route_ids(routes: list[Route]) -> list[str]:
    return [r.name for r in routes]


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_ids(POST_ROUTES))
def test_hostile_form_input_never_breaks_anything(world, route):
    signed_in = route.name not in PUBLIC
    client = reauthenticated(world.owner) if signed_in else Client(raise_request_exception=False)
    url = route.url(world)
    pages = [r.url(world) for r in ROUTES] + EXTRA_FORM_PAGES
    forms = harvest_forms(client, pages)
    fields = {**COMMON_FIELDS, **forms.get(url, {})}
    baseline = stored_secrets()

    if route.name == "import_accounts":
        @FUZZ
        @given(content=CSV_FILES, extra=form_data({}))
        def run(content, extra):
            upload = SimpleUploadedFile("accounts.csv", content, content_type="text/csv")
            post_and_check(client, url, {**extra, "file": upload}, baseline, world, route.name)
    else:
        @FUZZ
        @given(data=form_data(fields))
        def run(data):
            post_and_check(client, url, data, baseline, world, route.name)

    run()


def test_the_harvest_finds_the_main_forms(world):
    client = reauthenticated(world.owner)
    forms = harvest_forms(client, [r.url(world) for r in ROUTES])
    edit = reverse("account_edit", args=[world.account.pk])
    assert {"label", "notes", "login_hint", "check_in_every_days"} <= set(forms[edit])
    assert "on" in forms[reverse("check_in_add", args=[world.account.pk])]
    assert "safety_phrase" in forms[reverse("reminder_settings")]
    # The dashboard's one-click buttons post a shared form through formaction.
    assert "next" in forms[reverse("check_in_today", args=[world.account.pk])]


@pytest.mark.parametrize("target", [
    "a", "dashboard", "a\x00b", "ǅǅ", "home", "//evil.example", "https://evil.example/",
    "/\\evil.example", "javascript:alert(1)", "/dashboard/\x00", "",
])
def test_the_check_in_redirect_target_is_never_a_500_or_offsite(world, target):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.post(
        reverse("check_in_today", args=[world.account.pk]), {"next": target}
    )
    assert response.status_code == 302, f"next={target!r}: {response.status_code}"
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert location.isprintable(), location


@FUZZ
@given(label=st.sampled_from(NASTY), notes=st.sampled_from(NASTY), days=st.sampled_from(NASTY))
def test_invalid_edits_never_lose_saved_account_data(world, label, notes, days):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    url = reverse("account_edit", args=[world.account.pk])
    post_and_check(client, url, {
        "exchange_choice": "binance", "label": label, "notes": notes,
        "check_in_every_days": days, "two_factor_method": "sms", "phone_status": "unknown",
        "kyc_status": "unknown",
    }, stored_secrets(), world, "account_edit")


@pytest.mark.parametrize("field", ["label", "notes", "login_hint", "other_exchange_name"])
@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_a_nul_byte_is_a_form_error_not_a_500(world, field, value):
    """PostgreSQL refuses NUL in text (SQLite stores it): the form must stop it first
    (Django's CharField adds ProhibitNullCharactersValidator)."""
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    data = {
        "exchange_choice": "other" if field == "other_exchange_name" else "binance",
        "other_exchange_name": "Some exchange", "label": "Main", "notes": "",
        "login_hint": "", "check_in_every_days": "90", "two_factor_method": "sms",
        "phone_status": "unknown", "kyc_status": "unknown", "last_login_on": "2025-01-01",
        field: value,
    }
    for url in (reverse("account_create"), reverse("account_edit", args=[world.account.pk])):
        before = snapshot()
        response = client.post(url, data)
        assert response.status_code == 200, (url, response.status_code)
        assert "Null characters are not allowed." in response.context["form"].errors[field]
        assert changed_tables(before, snapshot()) == []


def test_a_nul_byte_in_an_imported_csv_is_refused(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    content = _csv_bytes([
        ["exchange", "label", "last_login_on"], ["binance", "A\x00B", "2025-01-01"],
    ])
    before = snapshot()
    response = client.post(reverse("import_accounts"), {
        "file": SimpleUploadedFile("a.csv", content, content_type="text/csv"),
    })
    assert response.status_code == 200
    assert changed_tables(before, snapshot()) == []


def test_a_nul_byte_in_the_reminder_safety_phrase_is_a_form_error(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    before = snapshot()
    response = client.post(reverse("reminder_settings"), {
        "enabled": "on", "frequency": "weekly", "warn_days": "14", "hour": "9",
        "time_zone": "UTC", "safety_phrase": "blue\x00heron",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["safety_phrase"]
    assert changed_tables(before, snapshot()) == []


# --- Malformed bodies: odd charsets, huge and nested JSON, broken multipart -------------------
#
# Sent raw to every POST URL (ours and allauth's), anonymous and signed in. Django's
# test client skips the CSRF check unless asked; a real browser's request goes through
# it, and the CSRF check is what read the body a second time (issue 13), so the charset
# bodies are sent both ways.

# Text marking our 400 page (templates/400.html), as opposed to Django's bare one.
BAD_REQUEST_MARKER = "We couldn't read that request"
FORM = "application/x-www-form-urlencoded"
NOT_UTF8_CHARSETS = ["latin-1", "ISO-8859-1", "utf-16", "windows-1252", "x-no-such-charset"]
NESTING = 20_000  # far past Python's recursion limit (1,000)
NESTED_JSON = ["[" * NESTING + "]" * NESTING, '{"a":' * NESTING + "1" + "}" * NESTING]
HUGE_JSON = "[" + ",".join(["1"] * 1_400_000) + "]"  # 2.8 MB: past DATA_UPLOAD_MAX_MEMORY_SIZE
BOUNDARY = "fuzzboundary"
BROKEN_MULTIPART = [
    (f"multipart/form-data; boundary={BOUNDARY}", b"no boundary in here at all"),
    (f"multipart/form-data; boundary={BOUNDARY}",
     f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="label"\r\n\r\nhalf'.encode()),
    (f"multipart/form-data; boundary={BOUNDARY}",
     f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--".encode()),
    (f"multipart/form-data; boundary={BOUNDARY}",
     f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{"n" * 20_000}"\r\n\r\n'
     f"x\r\n--{BOUNDARY}--".encode()),
    (f"multipart/form-data; boundary={BOUNDARY}",
     f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
     f"Content-Type: text/csv\r\n\r\n\xff\xfe\x00".encode("latin-1")),
    ("multipart/form-data", b"--x\r\n\r\n--x--"),  # no boundary parameter
    ("multipart/form-data; boundary=", b"--\r\n\r\n----"),
    ("multipart/form-data; boundary=" + "b" * 300, b"--b\r\n\r\n"),
]
JSON_FIELDS = ("credential", "label", "notes")


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def malformed_bodies() -> list[tuple[str, str, bytes]]:
    """(label, content type, body): each must be refused or handled, never a 500."""
    bodies = [
        (f"nested JSON in {name}", FORM, form_body({name: nested}))
        for name in JSON_FIELDS for nested in NESTED_JSON
    ]
    bodies += [
        ("nested JSON body", "application/json", NESTED_JSON[0].encode()),
        ("huge JSON in credential", FORM, form_body({"credential": HUGE_JSON})),
        ("huge JSON body", "application/json", HUGE_JSON.encode()),
        ("JSON with a lone surrogate", FORM, form_body({"credential": '"\\ud800"'})),
        ("invalid UTF-8", FORM, b"label=%FF%FE&notes=\xff\xfe"),
    ]
    bodies += [(f"broken multipart {n}", ct, body) for n, (ct, body) in enumerate(BROKEN_MULTIPART)]
    return bodies


MALFORMED = malformed_bodies()


def allauth_post_urls() -> list[str]:
    """allauth's routes, with placeholder values where they take one."""
    placeholders = {"key": "abc:def", "uidb36": "1", "pk": "999999"}
    return [
        reverse(route.name, kwargs={name: placeholders[name] for name in route.kwarg_names})
        for route in excluded_routes()["allauth.urls"]
    ]


def every_post_url(world) -> list[str]:
    return [route.url(world) for route in ROUTES] + allauth_post_urls()


def clients_for(world) -> dict[str, Client]:
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(world.owner)
    signed_in_csrf = Client(raise_request_exception=False, enforce_csrf_checks=True)
    signed_in_csrf.force_login(world.owner)
    return {
        "anonymous": Client(raise_request_exception=False),
        "anonymous, CSRF checked": Client(raise_request_exception=False,
                                           enforce_csrf_checks=True),
        "signed in": signed_in,
        "signed in, CSRF checked": signed_in_csrf,
    }


def test_every_post_url_is_fuzzed_with_malformed_bodies(world):
    urls = every_post_url(world)
    assert len(urls) >= len(ROUTES) + 30  # ours and allauth's
    assert reverse("mfa_login_webauthn") in urls and reverse("account_login") in urls
    assert len(MALFORMED) >= 15


@pytest.mark.parametrize("charset", NOT_UTF8_CHARSETS)
def test_a_form_post_naming_another_charset_is_a_400_with_our_page(world, charset):
    """Django refuses a form body that is not UTF-8 (BadRequest); its error view then read
    the body again through the CSRF check and the second failure became a 500."""
    answers = {}
    clients, urls = clients_for(world), every_post_url(world)
    before = snapshot()  # after signing in, which stamps last_login
    for who, client in clients.items():
        for url in urls:
            for content_type, body in (
                (f"{FORM}; charset={charset}", form_body({"label": "Main", "on": "2025-01-01"})),
                (f'multipart/form-data; boundary={BOUNDARY}; charset="{charset}"',
                 f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="label"\r\n\r\n'
                 f"Main\r\n--{BOUNDARY}--\r\n".encode()),
            ):
                # generic() sends the bytes as they are (post() re-encodes to the charset).
                response = client.generic("POST", url, body, content_type=content_type)
                page = response.content.decode(errors="replace")
                answers[(who, url, content_type)] = (
                    response.status_code, BAD_REQUEST_MARKER in page
                )
    wrong = sorted(
        ((*key, *answer) for key, answer in answers.items() if answer != (400, True)),
        key=lambda row: -row[3],  # 500s first
    )
    assert not wrong, f"{len(wrong)} answers were not a 400 with our page, e.g. {wrong[:5]}"
    assert changed_tables(before, snapshot()) == []


def test_utf8_named_explicitly_is_still_accepted(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    url = reverse("account_edit", args=[world.account.pk])
    for charset in ("utf-8", "UTF-8", '"utf-8"'):
        response = client.post(url, form_body({
            "exchange_choice": "binance", "label": "Renamed", "check_in_every_days": "90",
            "two_factor_method": "sms", "phone_status": "unknown", "kyc_status": "unknown",
        }), content_type=f"{FORM}; charset={charset}")
        assert response.status_code == 302, (charset, response.status_code)
    world.account.refresh_from_db()
    assert world.account.label == "Renamed"


@pytest.mark.parametrize("url_name", ["mfa_login_webauthn", "mfa_add_webauthn"])
@pytest.mark.parametrize("nested", NESTED_JSON, ids=["arrays", "objects"])
def test_a_deeply_nested_webauthn_credential_is_a_400_with_our_page(world, url_name, nested):
    """allauth parses `credential` with Django's forms.JSONField: 20,000 levels of nesting
    exhausted the stack (RecursionError) and answered 500."""
    client = Client(raise_request_exception=False)
    if url_name != "mfa_login_webauthn":
        client.force_login(world.owner)
        reauthenticate(client, world.owner)  # adding a key asks for the password first
    before = snapshot()
    response = client.post(reverse(url_name), {"credential": nested})
    assert response.status_code == 400
    assert BAD_REQUEST_MARKER in response.content.decode()
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_malformed_bodies_at_every_post_url_never_answer_500(world, who):
    client = clients_for(world)[who]
    failures = []
    for url in every_post_url(world):
        for label, content_type, body in MALFORMED:
            with transaction.atomic():
                response = client.generic("POST", url, body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append((url, label, response.status_code))
                transaction.set_rollback(True)
    assert not failures, f"{len(failures)} answers were 500s, e.g. {failures[:5]}"


# --- Fuzzing URL parameters --------------------------------------------------------------------

ROUTES_WITH_KWARGS = [r for r in ROUTES if r.kwarg_names]


def fuzzed_url(route: Route, world, values: dict[str, str], force: bool = False) -> str:
    """The route with its parameters replaced by `values`. A value the converter can't
    match (letters for an id) is swapped for the world's valid one, so the others still
    reach the view, unless `force`: then the URL simply doesn't resolve."""

    def fill(match: re.Match) -> str:
        name = match.group("name")
        converter = route.converters[name]
        value = values.get(name)
        if value is None or (not force and not re.fullmatch(converter.regex, value)):
            kwarg = route.kwarg(name)
            assert kwarg is not None  # the URL walk fails on unknown kwargs first
            return converter.to_url(kwarg.value(world))
        return quote(value, safe="")

    return "/" + CONVERTER_RE.sub(fill, route.route)


URL_VALUES = st.one_of(
    st.integers(min_value=0, max_value=10**40).map(str),
    st.sampled_from(["0", "00", "9" * 19, "9" * 30, "done", "skipped", "DONE", "undo"]),
    st.text(alphabet=NO_SURROGATES, min_size=1, max_size=200).filter(lambda s: "/" not in s),
    st.sampled_from(["x" * 5000, "eyJ1IjoxfQ:1tX:bad", ".eJyrVipVslIyNDJW0lEqBVIGRko",
                     "%00", "\x00", "../", "..", "a.ics"]),
)


@pytest.mark.parametrize("route", ROUTES_WITH_KWARGS, ids=route_ids(ROUTES_WITH_KWARGS))
def test_hostile_url_parameters_never_answer_500(world, route):
    owner = Client(raise_request_exception=False)
    owner.force_login(world.owner)
    anonymous = Client(raise_request_exception=False)
    baseline = stored_secrets()

    @FUZZ
    @given(values=st.fixed_dictionaries({name: URL_VALUES for name in route.kwarg_names}))
    def run(values):
        url = fuzzed_url(route, world, values)
        for client in (owner, anonymous):
            for method in ("get", "post"):
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    assert response.status_code < 500, f"{method.upper()} {url}: 500"
                    assert not stored_secrets() - baseline
                    transaction.set_rollback(True)

    run()


def _is_numeric(converter) -> bool:
    try:
        return isinstance(converter.to_python("7"), int)
    except (TypeError, ValueError):
        return False


INT_KWARGS = [
    (route, name) for route in ROUTES_WITH_KWARGS for name in route.kwarg_names
    if _is_numeric(route.converters[name])
]


@pytest.mark.parametrize(
    ("route", "kwarg"), INT_KWARGS, ids=[f"{r.name}-{k}" for r, k in INT_KWARGS]
)
@pytest.mark.parametrize("value", [2**31, 2**63, 10**30])
def test_out_of_range_ids_are_a_404_not_a_500(world, route, kwarg, value):
    """SQLite raises OverflowError for integers past 64 bits in a lookup Django doesn't
    range-check (a foreign key's `_id`); an id from the URL must never reach one (the
    `id` converter in config/converters.py stops them at 18 digits)."""
    client = Client(raise_request_exception=False)
    if route.name in STAFF_ONLY:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        from tests.conftest import sign_in_staff
        from tests.factories import UserFactory

        staff = UserFactory(email="editor@example.com", is_staff=True)
        TOTP.activate(staff, generate_totp_secret())
        sign_in_staff(client, staff)
    else:
        client.force_login(world.owner)
    url = fuzzed_url(route, world, {kwarg: str(value)}, force=True)
    for method in ("get", "post"):
        before = snapshot()
        status = getattr(client, method)(url).status_code
        # 404, or 405 for the wrong method; 302 for an idempotent no-op (undoing a step
        # that has no progress). Never a 500.
        assert status in (302, 404, 405), f"{method.upper()} {url}: {status}"
        assert changed_tables(before, snapshot()) == []


# --- The attacker pass: markup in every text field, shown on every page -------------------------

# Fits the 80-character text columns (PostgreSQL enforces max_length).
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>'
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg onload")


def test_markup_in_every_text_field_is_escaped_on_every_page(world):
    """Markup typed into any user-editable text field (stored directly, bypassing form
    checks) comes back escaped on every HTML page, the charts and the admin."""
    account = world.account
    for name in ("label", "notes", "login_hint"):
        setattr(account, name, XSS)
    account.save()
    other = ExchangeAccount.objects.create(
        owner=world.owner, exchange=None, other_exchange_name=XSS, label=XSS,
        last_login_on=account.last_login_on,
    )
    preference = world.reminder_preference
    preference.safety_phrase = XSS[:40]
    preference.save()
    step_progress = world.walkthrough.progress.first()
    step_progress.step_title = XSS
    step_progress.save()

    client = reauthenticated(world.owner)
    urls = [r.url(world) for r in ROUTES if r.name not in PUBLIC]
    urls += [reverse("account_detail", args=[other.pk]), reverse("security_events")]
    checked = 0
    for url in urls:
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or "html" not in content_type:
            continue
        html = response.content.decode()
        checked += 1
        for marker in RAW_MARKERS:
            assert marker not in html, f"GET {url} shows {marker!r} unescaped"
    assert checked >= 8


def test_markup_in_account_fields_is_escaped_in_the_admin(world):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.conftest import sign_in_staff
    from tests.factories import UserFactory

    world.account.label = XSS
    world.account.notes = XSS
    world.account.save()
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client = sign_in_staff(Client(raise_request_exception=False), staff)
    for url in (
        reverse("admin:accounts_exchangeaccount_changelist"),
        reverse("admin:accounts_exchangeaccount_change", args=[world.account.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        for marker in RAW_MARKERS:
            assert marker not in response.content.decode(), url


def test_markup_in_account_fields_is_escaped_in_reminder_emails(world):
    from django.core import mail

    world.account.label = XSS
    world.account.save()
    mail.outbox.clear()
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.post(reverse("reminder_send_test"))
    assert response.status_code == 302
    html_bodies = [
        body for message in mail.outbox
        for body, kind in getattr(message, "alternatives", []) if kind == "text/html"
    ]
    assert html_bodies, "the test reminder was not sent with an HTML part"
    shown = [marker for body in html_bodies for marker in RAW_MARKERS if marker in body]
    assert not shown, f"reminder email shows {shown} unescaped"


INJECTION = "Main\r\nBcc: victim@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected"


def test_line_breaks_in_a_label_inject_no_email_header_or_calendar_line(world):
    """A label is typed in a one-line input, but a crafted POST can carry CR/LF. It must
    not add an email header (subject) nor an iCalendar line (feed)."""
    from django.core import mail

    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.post(reverse("account_edit", args=[world.account.pk]), {
        "exchange_choice": "binance", "label": INJECTION, "check_in_every_days": "90",
        "two_factor_method": "sms", "phone_status": "unknown", "kyc_status": "unknown",
    })
    assert response.status_code in (200, 302)
    mail.outbox.clear()
    assert client.post(reverse("reminder_send_test")).status_code == 302
    assert mail.outbox, "the test reminder was not sent"
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.bcc == []
        assert message.message().get_all("Bcc") is None
    feed = Client().get(reverse("reminder_calendar_feed", args=[world.feed_token]))
    lines = feed.content.decode().splitlines()
    assert "SUMMARY:Injected" not in lines
    assert lines.count("BEGIN:VEVENT") == 1  # the owner's one active account


# --- Forged cross-site requests -------------------------------------------------------------------

# Views that accept a POST without a CSRF token, each with its reason.
CSRF_EXEMPT = {
    "reminder_unsubscribe_one_click": "RFC 8058 one-click unsubscribe: mail providers POST "
    "it from their servers without cookies; the signed token is the only authority",
}


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_a_forged_cross_site_post_is_refused(world, route):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(world.owner)
    url = route.url(world)
    before = snapshot()
    response = client.post(url, {"label": "forged", "on": "2025-01-01"})
    if route.name in CSRF_EXEMPT:
        assert response.status_code != 403
        return
    assert response.status_code == 403, f"forged POST {url} answered {response.status_code}"
    assert changed_tables(before, snapshot()) == []


def test_csrf_exempt_views_are_only_the_listed_ones(world):
    exempt = {
        r.name for r in ROUTES if getattr(resolve(r.url(world)).func, "csrf_exempt", False)
    }
    assert exempt == set(CSRF_EXEMPT)


# --- Reminder tokens: tampered, foreign, replayed -------------------------------------------------


def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(world):
    token = world.unsubscribe_token
    tampered = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace(":", ";", 1),
        "x" + token,
        token.split(":")[0],
    ]
    client = Client(raise_request_exception=False, enforce_csrf_checks=False)
    for bad in tampered:
        for name in ("reminder_unsubscribe", "reminder_unsubscribe_one_click"):
            before = snapshot()
            response = client.post(reverse(name, args=[bad]))
            assert response.status_code == 400, (name, bad, response.status_code)
            assert changed_tables(before, snapshot()) == []


def test_an_unsubscribe_token_signed_for_another_purpose_is_refused(world):
    from django.core import signing

    client = Client(raise_request_exception=False)
    for forged in (
        signing.dumps({"u": world.owner.pk}),  # default salt
        signing.dumps({"u": world.owner.pk}, salt="something.else", compress=True),
        signing.dumps({"u": str(world.owner.pk)}, salt="reminders.unsubscribe"),
        signing.dumps([world.owner.pk], salt="reminders.unsubscribe"),
    ):
        before = snapshot()
        response = client.post(reverse("reminder_unsubscribe_one_click", args=[forged]))
        assert response.status_code == 400, forged
        assert changed_tables(before, snapshot()) == []


def test_unsubscribe_pages_change_nothing_on_get(world):
    client = Client(raise_request_exception=False)
    before = snapshot()
    for name in ("reminder_unsubscribe", "reminder_unsubscribe_one_click"):
        response = client.get(reverse(name, args=[world.unsubscribe_token]))
        assert response.status_code in (200, 302)
    assert changed_tables(before, snapshot()) == []


def test_the_unsubscribe_page_post_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    before = snapshot()
    response = client.post(reverse("reminder_unsubscribe", args=[world.unsubscribe_token]))
    assert response.status_code == 403
    assert changed_tables(before, snapshot()) == []


def test_the_unsubscribe_page_shows_only_a_masked_address(world):
    response = Client().get(reverse("reminder_unsubscribe", args=[world.unsubscribe_token]))
    assert world.owner.email.encode() not in response.content


def test_a_wrong_or_revoked_calendar_token_is_404(world):
    from reminders import preferences

    client = Client(raise_request_exception=False)
    good = reverse("reminder_calendar_feed", args=[world.feed_token])
    assert client.get(good).status_code == 200
    wrong = reverse("reminder_calendar_feed", args=[world.feed_token[:-2] + "zz"])
    assert client.get(wrong).status_code == 404
    preferences.disable_feed(world.reminder_preference)
    assert client.get(good).status_code == 404


def test_the_calendar_feed_shows_only_its_owners_accounts(world):
    response = Client().get(reverse("reminder_calendar_feed", args=[world.feed_token]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Intruder's own" not in body
    assert "no-store" in response["Cache-Control"]
