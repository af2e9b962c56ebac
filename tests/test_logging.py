"""Bearer tokens never reach a log line (issue 13).

Unsubscribe links, the calendar feed and allauth's reset and confirmation links work
without signing in: their URL is the credential. gunicorn's access log and the JSON log
used to write them with the path. Checked three ways: `redact` against every route of
the URL conf, Django's own log lines through the configured formatters, and a real
gunicorn (deploy/gunicorn.conf.py) serving requests, in plain and JSON format.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from config.logging import REDACTED, JsonFormatter, RedactingFormatter, redact
from tests.test_url_access import CONVERTER_RE, ROUTES, excluded_routes

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SECRET = "SeCrEtT0KEN-4f9Qz_Xy"
SAMPLE_VALUES = {"pk": "7", "check_in_pk": "8", "step_pk": "9", "state": "done", "uidb36": "1z"}


def is_secret_argument(name: str) -> bool:
    """URL arguments that are credentials: signed or random tokens, reset and confirmation
    keys; any whose name says "token" or "key" (a later "access_token" too)."""
    return "token" in name or "key" in name


def sample_path(route) -> str:
    """The route as a path, with SAMPLE_SECRET in its secret arguments."""

    def fill(match: re.Match) -> str:
        name = match.group("name")
        return SAMPLE_SECRET if is_secret_argument(name) else SAMPLE_VALUES.get(name, "7")

    if route.regex:  # allauth's re_path() routes: (?P<name>...) groups
        pattern = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, route.route)
        return "/" + pattern.lstrip("^").rstrip("$")
    return "/" + CONVERTER_RE.sub(fill, route.route)


ARGUMENT_RE = re.compile(r"<(?:\w+:)?(?P<path>\w+)>|\(\?P<(?P<regex>\w+)>")


def argument_names(route) -> set[str]:
    """Names of a route's arguments, for path() and re_path() routes alike."""
    return {m.group("path") or m.group("regex") for m in ARGUMENT_RE.finditer(route.route)}


ALL_ROUTES = ROUTES + excluded_routes()["allauth.urls"]
SECRET_ROUTES = [r for r in ALL_ROUTES if any(map(is_secret_argument, argument_names(r)))]
OTHER_ROUTES = [r for r in ALL_ROUTES if r not in SECRET_ROUTES]


# --- redact() against the URL conf ------------------------------------------------------------


def test_the_url_conf_has_the_secret_routes_we_know_of():
    names = {r.name for r in SECRET_ROUTES}
    assert {
        "reminder_unsubscribe", "reminder_unsubscribe_one_click", "reminder_calendar_feed",
        "account_confirm_email", "account_reset_password_from_key",
        "quiet_here_link", "handoff_confirm", "handoff_page",
    } <= names


@pytest.mark.parametrize("route", SECRET_ROUTES, ids=[r.name for r in SECRET_ROUTES])
def test_every_route_with_a_token_is_redacted(route):
    path = sample_path(route)
    assert SAMPLE_SECRET in path
    line = f'127.0.0.1 "GET {path} HTTP/1.1" 200 512 3ms "https://guard.example.com{path}"'
    redacted = redact(line)
    assert SAMPLE_SECRET not in redacted
    assert redacted.count(REDACTED) == 2


@pytest.mark.parametrize("route", OTHER_ROUTES, ids=[r.name or r.route for r in OTHER_ROUTES])
def test_routes_without_a_token_are_logged_as_they_are(route):
    path = sample_path(route)
    assert redact(f'"POST {path} HTTP/1.1" 302') == f'"POST {path} HTTP/1.1" 302'


@pytest.mark.parametrize("text", [
    "GET /dashboard/?status=overdue HTTP/1.1",
    "Location: /auth/login/?next=/reminders/unsubscribe/abc/",
    "https://guard.example.com/auth/login/?next=%2Fimport%2F&x=1",
])
def test_query_strings_are_redacted(text):
    redacted = redact(text)
    assert "?" + REDACTED in redacted
    assert not re.search(r"status=|next=|x=1", redacted)


# --- Django's own log lines, through the configured formatters ---------------------------------


@pytest.fixture
def log_output():
    """Everything logged during the test, through both formatters settings.LOGGING
    configures (plain and JSON)."""
    formatters = settings.LOGGING["formatters"]
    assert formatters["plain"]["()"] == "config.logging.RedactingFormatter"
    assert formatters["json"]["()"] == "config.logging.JsonFormatter"
    plain, as_json = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(plain), logging.StreamHandler(as_json)]
    handlers[0].setFormatter(RedactingFormatter(formatters["plain"]["format"]))
    handlers[1].setFormatter(JsonFormatter())
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    yield lambda: (plain.getvalue(), as_json.getvalue())
    for handler in handlers:
        root.removeHandler(handler)


def test_django_warnings_about_token_urls_carry_no_token(db, log_output):
    """404 and 400 answers are logged by django.request with the path, and with the
    request itself as an extra field (its repr holds the path too)."""
    client = Client(raise_request_exception=False)
    feed = reverse("reminder_calendar_feed", args=[SAMPLE_SECRET])
    unsubscribe = reverse("reminder_unsubscribe_one_click", args=[SAMPLE_SECRET])
    assert client.get(feed + "?t=" + SAMPLE_SECRET).status_code == 404
    assert client.post(unsubscribe).status_code == 400

    plain, as_json = log_output()
    assert "Not Found: /reminders/calendar/" + REDACTED in plain
    assert "Bad Request: /reminders/unsubscribe/" + REDACTED in plain
    entries = [json.loads(line) for line in as_json.splitlines()]
    requests = [e for e in entries if e["logger"] == "django.request"]
    assert len(requests) == 2
    assert all(REDACTED in e["request"] for e in requests)
    assert SAMPLE_SECRET not in plain + as_json


# --- A real gunicorn ---------------------------------------------------------------------------

LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
FEED_TOKEN = "FeedT0ken-" + "q" * 33
UNSUBSCRIBE_TOKEN = "eyJ1Ijo3fQ:1tX9Zq:UnSubTok3nSignature"
RESET_KEY = "1z-ResetK3y-abcdef0123456789"
CONFIRM_KEY = "ConfirmK3y:abcdef0123456789"
SECRETS = (FEED_TOKEN, UNSUBSCRIBE_TOKEN, RESET_KEY.split("-", 1)[1], CONFIRM_KEY, "s3cr3t-q")


def gunicorn_env(database: Path, log_format: str) -> dict[str, str]:
    """Test settings (no collectstatic needed, plain HTTP) under the real gunicorn config."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "GUNICORN_", "DATABASE_", "LOG_", "ACCESS_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "GUNICORN_BIND": "127.0.0.1:0",  # a free port, read back from the log
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": "INFO",
        "ACCESS_LOG": "-",
    }


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gunicorn") / "db.sqlite3"
    env = gunicorn_env(path, "plain")
    subprocess.run(  # noqa: S603 (fixed argv: this interpreter)
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )
    return path


class Gunicorn:
    def __init__(self, database: Path, log_format: str, log_path: Path):
        self.log_path = log_path
        self.log = log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT, env=gunicorn_env(database, log_format),
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited at start:\n{self.output()}")
            if match := LISTENING_RE.search(self.output()):
                return int(match.group(1))
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not start within 60 s:\n{self.output()}")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()

    def csrf_headers(self) -> dict[str, str]:
        """A CSRF cookie and its token, as a browser that opened a page would send."""
        cookie = self.request("GET", "/auth/login/").getheader("Set-Cookie", "")
        match = re.search(r"csrftoken=([^;]+)", cookie)
        assert match, f"no CSRF cookie in {cookie!r}"
        token = match.group(1)
        return {"Cookie": f"csrftoken={token}", "X-CSRFToken": token}

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        return self.output()


def exercise(server: Gunicorn) -> dict[str, int]:
    """Requests that put every kind of secret in the request line, the referrer, a query
    string and an error: what an attacker reading the logs would hope for."""
    referrer = {"Referer": f"http://127.0.0.1:{server.port}/reminders/unsubscribe/"
                           f"{UNSUBSCRIBE_TOKEN}/?s=s3cr3t-q"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    nested = "credential=" + "%5B" * 20_000 + "%5D" * 20_000
    requests = {
        "feed": ("GET", f"/reminders/calendar/{FEED_TOKEN}.ics?x=s3cr3t-q", None, {}),
        "unsubscribe": ("POST", f"/reminders/unsubscribe/{UNSUBSCRIBE_TOKEN}/one-click/",
                        b"", {**form, **referrer}),
        "reset": ("GET", f"/auth/password/reset/key/{RESET_KEY}/", None, {}),
        "confirm": ("GET", f"/auth/confirm-email/{CONFIRM_KEY}/", None, {}),
        # Issue 13's 500s, in a real process and past the CSRF check: a form body in
        # another charset, and JSON nested past the stack.
        "latin-1": ("POST", "/auth/login/", b"login=a%40b.c&password=x", {
            **server.csrf_headers(),
            "Content-Type": "application/x-www-form-urlencoded; charset=latin-1",
        }),
        "nested": ("POST", "/auth/2fa/webauthn/login/", nested.encode(),
                   {**server.csrf_headers(), **form}),
    }
    statuses = {
        name: server.request(method, path, body, headers).status
        for name, (method, path, body, headers) in requests.items()
    }
    time.sleep(0.5)  # let the worker flush its last access line
    return statuses


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_a_real_gunicorn_logs_no_token(database, tmp_path, log_format):
    server = Gunicorn(database, log_format, tmp_path / "gunicorn.log")
    try:
        statuses = exercise(server)
    finally:
        output = server.stop()

    assert statuses == {
        "feed": 404, "unsubscribe": 400, "reset": 200, "confirm": 200,
        "latin-1": 400, "nested": 400,
    }, output[-3000:]
    leaked = [secret for secret in SECRETS if secret in output]
    assert not leaked, f"{leaked} in the {log_format} log:\n{output[-3000:]}"
    for path in ("/reminders/calendar/", "/reminders/unsubscribe/",
                 "/auth/password/reset/key/", "/auth/confirm-email/"):
        assert path + REDACTED in output, (path, output[-3000:])
    assert "Internal Server Error" not in output
    if log_format == "json":
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        access = [e for e in lines if e["logger"] == "gunicorn.access"]
        assert {e["path"] for e in access} >= {
            "/reminders/calendar/" + REDACTED, "/auth/confirm-email/" + REDACTED + "/",
        }
        assert {e["status"] for e in access} >= {400, 404}
