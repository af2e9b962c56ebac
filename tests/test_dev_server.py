"""`make run PORT=...` as a newcomer meets it: a real development server in a subprocess,
emails printed to its terminal, links copied from there exactly as printed.

One server (on a free port, with its own SQLite file) serves the whole module; each test
signs up its own user through the printed verification link.
"""

import http.cookiejar
import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives

from config.mail import ReadableConsoleBackend

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-and-unusual-passphrase-42"
START_TIMEOUT = 180  # seconds: migrating a fresh SQLite file on a busy machine
EMAIL_TIMEOUT = 30
# Settings the test suite sets in this process's environment; the server must not
# inherit them, it reads what a fresh checkout reads (.env written by `make run`).
SUITE_VARIABLES = {
    "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL",
    "FIELD_ENCRYPTION_KEYS", "EMAIL_URL", "DATABASE_URL", "CACHE_URL", "TASKS_BACKEND",
    "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
}
URL = re.compile(r"https?://[^\s<>\"]+")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EMAIL_SEPARATOR = "-" * 79


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DevServer:
    base: str
    database: Path
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))

    def printed_emails(self) -> list[str]:
        """Each email the console backend printed, as one string."""
        emails, current = [], None
        for line in list(self.output):
            if line.startswith("Subject: ") and current is None:
                current = [line]
            elif line == EMAIL_SEPARATOR and current is not None:
                emails.append("\n".join(current))
                current = None
            elif current is not None:
                current.append(line)
        return emails

    def wait_for_email(self, to: str, containing: str) -> str:
        deadline = time.monotonic() + EMAIL_TIMEOUT
        while time.monotonic() < deadline:
            for email in self.printed_emails():
                if f"To: {to}" in email and containing in email:
                    return email
            time.sleep(0.2)
        raise AssertionError(
            f"No email to {to} containing {containing!r} was printed. Output:\n"
            + "\n".join(self.output[-80:])
        )


class Browser:
    """Cookies, CSRF tokens and redirects, as a browser would handle them."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))  # noqa: S310 (http:// built here)

    def post(self, url: str, data: dict[str, str], form_page: str = "") -> tuple[int, str, str]:
        """Fetch the page with the form (`url` unless given) for its CSRF token, then
        submit the form to `url`."""
        form_page = form_page or url
        status, _, page = self.get(form_page)
        assert status == 200, f"{form_page} answered {status}"
        token = CSRF.search(page)
        assert token, f"no CSRF token on {form_page}"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], **data}).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))  # noqa: S310

    def _open(self, request) -> tuple[int, str, str]:
        """(status, final URL after redirects, body)."""
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    """`make run PORT=<free port>` on a fresh SQLite file, as a newcomer starts it."""
    port = _free_port()
    database = tmp_path_factory.mktemp("dev-server") / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}
    env.update(DATABASE_URL=f"sqlite:///{database}", PYTHONUNBUFFERED="1")
    command = ["make", "--no-print-directory", "run", f"PORT={port}"]
    process = subprocess.Popen(  # noqa: S603, S607 (fixed argv, make from PATH)
        command,
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # runserver's autoreloader forks: stop the whole group
    )
    server = DevServer(base=f"http://127.0.0.1:{port}", database=database, process=process)
    threading.Thread(target=server.read_output, daemon=True).start()
    try:
        _wait_until_serving(server)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _wait_until_serving(server: DevServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            health = f"{server.base}/healthz/"
            with urllib.request.urlopen(health, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("`make run` did not start serving:\n" + "\n".join(server.output))


def _printed_link(email: str, path_prefix: str) -> str:
    """The link whose path starts with `path_prefix`, copied from its line as printed."""
    links = [
        link for line in email.splitlines() for link in URL.findall(line)
        if urllib.parse.urlsplit(link).path.startswith(path_prefix)
    ]
    assert links, f"no {path_prefix} link in the printed email:\n{email}"
    return links[0]


def _body(email: str) -> str:
    return email.partition("\n\n")[2]


def _sign_up_and_verify(server: DevServer, email: str) -> tuple[Browser, str]:
    """Sign up, copy the verification link from the terminal, confirm. Returns the
    (now signed-in) browser and the printed verification email."""
    browser = Browser()
    status, _, _ = browser.post(
        f"{server.base}/auth/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert status == 200, f"sign-up answered {status}"
    printed = server.wait_for_email(email, "/auth/confirm-email/")
    link = _printed_link(_body(printed), "/auth/confirm-email/")
    status, _, _ = browser.post(link, {})
    assert status == 200, f"confirming through {link} answered {status}"
    return browser, printed


def _is_verified(server: DevServer, email: str) -> bool:
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT verified FROM account_emailaddress WHERE email = ?", (email,)
        ).fetchone()
    return bool(row and row[0])


def test_the_sign_up_link_copied_as_printed_verifies_the_address(dev_server):
    browser, printed = _sign_up_and_verify(dev_server, "newcomer@example.com")

    assert _is_verified(dev_server, "newcomer@example.com")
    status, final_url, _ = browser.get(f"{dev_server.base}/dashboard/")
    assert (status, urllib.parse.urlsplit(final_url).path) == (200, "/dashboard/")  # signed in
    assert _printed_link(printed, "/auth/confirm-email/").startswith(f"{dev_server.base}/")


def test_the_printed_sign_up_email_names_the_product_not_the_host(dev_server):
    _, printed = _sign_up_and_verify(dev_server, "named@example.com")

    assert "Hello from Dormant Guard!" in printed
    assert "Thank you for using Dormant Guard!" in printed
    assert "Hello from 127.0.0.1" not in printed


def test_test_reminder_links_point_at_the_port_being_served(dev_server):
    browser, _ = _sign_up_and_verify(dev_server, "reminded@example.com")
    settings_url = f"{dev_server.base}/reminders/"

    status, _, page = browser.post(
        f"{dev_server.base}/reminders/test/", {}, form_page=settings_url
    )
    assert status == 200
    assert "Test reminder sent to reminded@example.com" in page
    digest = dev_server.wait_for_email("reminded@example.com", "/reminders/unsubscribe/")

    links = [link for line in digest.splitlines() for link in URL.findall(line)]
    assert len(links) >= 3  # settings and unsubscribe in the body, one-click in a header
    assert [link for link in links if not link.startswith(f"{dev_server.base}/")] == []
    status, _, page = browser.get(_printed_link(_body(digest), "/reminders/unsubscribe/"))
    assert status == 200
    assert "Unsubscribe" in page


def test_the_calendar_link_points_at_the_port_being_served(dev_server):
    browser, _ = _sign_up_and_verify(dev_server, "calendar@example.com")
    settings_url = f"{dev_server.base}/reminders/"

    status, asked, _ = browser.post(
        f"{dev_server.base}/reminders/calendar/new/", {}, form_page=settings_url
    )
    assert (status, urllib.parse.urlsplit(asked).path) == (200, "/auth/reauthenticate/")
    status, final, page = browser.post(asked, {"password": PASSWORD})  # resumes the POST
    assert status == 200, final
    feed = re.search(rf"{re.escape(dev_server.base)}/reminders/calendar/[\w-]+\.ics", page)
    assert feed, "the new calendar link is not on the page, or not on this port"
    status, _, calendar = browser.get(feed[0])
    assert status == 200
    assert calendar.startswith("BEGIN:VCALENDAR")


def test_the_console_backend_prints_a_long_link_whole_on_one_line():
    # Long lines and non-ASCII text: what makes the raw message quoted-printable.
    link = "http://127.0.0.1:8731/auth/confirm-email/Mg:1xY3Ev:" + "a=b_" * 30 + "/"
    message = EmailMultiAlternatives(
        subject="Bestätigen", body=f"Grüße! Open {link} to confirm.\n", to=["a@example.com"]
    )
    message.attach_alternative(f'<p><a href="{link}">Confirm</a></p>', "text/html")
    stream = io.StringIO()

    ReadableConsoleBackend(stream=stream).send_messages([message])

    printed = stream.getvalue().splitlines()
    assert f"Grüße! Open {link} to confirm." in printed
    assert "Subject: Bestätigen" in printed
    assert [line for line in printed if line.startswith("[text/html part not shown")]
