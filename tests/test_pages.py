"""The landing page, the dashboard's access rules and the shared layout."""

from html.parser import HTMLParser

import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests.test_url_access import build_world, html_pages

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_landing_page(anon_client):
    response = anon_client.get("/")
    assert response.status_code == 200
    assert b"Create a free account" in response.content


def test_signed_in_user_is_sent_from_landing_to_dashboard(owner_client):
    response = owner_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_dashboard_requires_login(anon_client):
    response = anon_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_shows_user_menu(owner_client, owner):
    response = owner_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert owner.email.encode() in response.content
    assert reverse("account_logout").encode() in response.content


def test_pages_send_a_csp_without_unsafe_inline_scripts(anon_client):
    response = anon_client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp


class _ScriptsAndStyles(HTMLParser):
    """Collects what the CSP would have to allow: every script, style and stylesheet."""

    def __init__(self) -> None:
        super().__init__()
        self.static = static("")  # "/static/": this app's own files
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"style= attribute on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        # A JSON data block (allauth's i18n strings) is never executed: not a script.
        if tag == "script" and attributes.get("type") != "application/json":
            self._in_script = True
            src = attributes.get("src") or ""
            self.scripts.append(src)
            if not src:
                self.problems.append(f"inline <script {attributes}>")
            elif not src.startswith(self.static):
                self.problems.append(f"script from {src}")
        if tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            href = attributes.get("href") or ""
            if not href.startswith(self.static):
                self.problems.append(f"stylesheet from {href}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"script content {data.strip()[:40]!r}")


def test_pages_load_only_local_scripts_and_styles(owner, other_user):
    pages = html_pages(build_world(owner, other_user))
    assert {"/", reverse("dashboard"), reverse("account_login")} <= set(pages)
    found = {}
    for url, html in pages.items():
        parser = _ScriptsAndStyles()
        parser.feed(html)
        found[url] = parser

    assert {url: p.problems for url, p in found.items() if p.problems} == {}
    # The parser does see scripts: every page loads htmx and app.js.
    assert {url for url, p in found.items() if len(p.scripts) < 2} == set()


def test_guidance_is_public(anon_client):
    assert anon_client.get(reverse("guidance")).status_code == 200
