"""Security headers and cookies as production sends them.

The test settings serve plain HTTP with DEBUG off. Here the production values are read
from `config.settings` itself, imported in a subprocess under production environment
variables (DEBUG off, SECURE_SSL_REDIRECT on, the `__Host-` cookies), and applied with
`override_settings`; requests then go over HTTPS (`secure=True`) like behind TLS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import reauthenticate, sign_in_staff
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.test_url_access import PROTECTED, build_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
ONE_YEAR = 365 * 24 * 3600
CONFIG_VARIABLES = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "BEHIND_PROXY", "SITE_URL",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "CSRF_TRUSTED_ORIGINS",
}
# The settings that decide headers and cookies; everything else stays as in tests.
HEADER_SETTINGS = [
    "DEBUG", "MIDDLEWARE", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_CSP", "SECURE_CSP_REPORT_ONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS",
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_PATH", "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", "PERMISSIONS_POLICY",
]
TUPLE_SETTINGS = {"SECURE_PROXY_SSL_HEADER"}


def production_env(**overrides: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "DEBUG": "false",
        "SECRET_KEY": "p" * 20 + "-production-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "testserver",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
        "SITE_URL": "https://testserver",
        **overrides,
    }


@cache
def production_settings(**env: str) -> dict:
    """`config.settings` as production loads it (a fresh interpreter, no .env values
    beyond what the environment sets first), reduced to the header settings."""
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {HEADER_SETTINGS!r} if hasattr(s, n)}}))"
    )
    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter)
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(**env),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    for name in TUPLE_SETTINGS & values.keys():
        values[name] = tuple(values[name]) if values[name] is not None else None
    return values


@pytest.fixture
def production(settings):
    """Apply production's header settings for one test."""
    with override_settings(**production_settings()):
        yield


@pytest.fixture
def world(owner, other_user):
    return build_world(owner, other_user)


def https_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None and user.is_staff:
        sign_in_staff(client, user, secure=True)  # the admin wants this session's code
    elif user is not None:
        client.force_login(user)
        reauthenticate(client, user)  # exports ask for the password again
    return client


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# --- Transport ----------------------------------------------------------------------------


def test_production_loads_the_values_this_module_checks():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True


def test_http_is_redirected_to_https(production, db):
    response = https_client().get("/dashboard/?status=overdue")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/dashboard/?status=overdue"


def test_health_probe_is_exempt_from_the_https_redirect(production, db):
    response = https_client().get("/healthz/")
    assert response.status_code == 200


def test_forwarded_proto_is_ignored_unless_behind_a_proxy(production, db):
    # Anyone can send X-Forwarded-Proto; without BEHIND_PROXY it must not count.
    response = https_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301


def test_forwarded_proto_is_trusted_behind_a_proxy(db):
    with override_settings(**production_settings(BEHIND_PROXY="true")):
        response = https_client().get("/", headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 200
        assert "Strict-Transport-Security" in response


def test_hsts_for_a_year_with_subdomains(production, db):
    response = https_client().get("/", secure=True)
    hsts = [part.strip() for part in response["Strict-Transport-Security"].split(";")]
    max_age = int(next(p for p in hsts if p.startswith("max-age=")).split("=")[1])
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in hsts


# --- Headers on every kind of page ---------------------------------------------------------


def page_kinds(world) -> dict[str, tuple[object, str]]:
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    return {
        "landing": (None, "/"),
        "login": (None, reverse("account_login")),
        "not found": (None, "/no-such-page/"),
        "dashboard": (world.owner, reverse("dashboard")),
        "account": (world.owner, reverse("account_detail", args=[world.account.pk])),
        "export": (world.owner, reverse("export_csv")),
        "mfa": (world.owner, reverse("mfa_index")),
        "admin": (staff, reverse("admin:index")),
    }


def test_every_kind_of_page_sends_the_security_headers(production, world):
    for kind, (user, url) in page_kinds(world).items():
        response = https_client(user).get(url, secure=True)
        assert response.status_code == (404 if kind == "not found" else 200), kind
        csp = csp_directives(response)
        assert csp["default-src"] in (["'none'"], ["'self'"]), kind
        script_src = csp.get("script-src", csp["default-src"])
        assert "'unsafe-inline'" not in script_src, kind
        assert "'unsafe-eval'" not in script_src, kind
        assert not any(s in ("*", "http:", "https:", "data:") for s in script_src), kind
        assert csp["frame-ancestors"] == ["'none'"], kind
        assert csp["form-action"] == ["'self'"], kind
        assert csp["object-src"] == ["'none'"], kind
        assert csp["base-uri"] in (["'none'"], ["'self'"]), kind
        assert response["X-Content-Type-Options"] == "nosniff", kind
        assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                               "no-referrer"), kind
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", kind
        assert response["X-Frame-Options"] == "DENY", kind
        assert "Strict-Transport-Security" in response, kind


def permissions_policy(response) -> dict[str, str]:
    """`Permissions-Policy: camera=(), publickey-credentials-get=(self)` as a dict."""
    header = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in header.split(","))


# Features the app never uses: no page may turn them on, nor anything a page embeds.
NEVER_USED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid",
              "bluetooth", "display-capture", "clipboard-read", "browsing-topics"]


def test_every_kind_of_page_sends_a_permissions_policy(production, world):
    """Denies what the app never uses; passkeys and security keys (WebAuthn) need the
    publickey-credentials features, allowed for our own origin only."""
    for kind, (user, url) in page_kinds(world).items():
        response = https_client(user).get(url, secure=True)
        assert response.status_code in (200, 404), (kind, response.status_code)
        policy = permissions_policy(response)
        for feature in NEVER_USED:
            assert policy.get(feature) == "()", (kind, feature, policy.get(feature))
        assert policy["publickey-credentials-get"] == "(self)", kind
        assert policy["publickey-credentials-create"] == "(self)", kind
        assert not any("*" in allowed for allowed in policy.values()), kind


def test_csp_is_enforced_not_report_only(production, db):
    response = https_client().get("/", secure=True)
    assert "Content-Security-Policy" in response
    assert not production_settings().get("SECURE_CSP_REPORT_ONLY")


def test_error_pages_show_no_debug_details(production, world):
    response = https_client(world.owner).get("/accounts/999999/", secure=True)
    assert response.status_code == 404
    body = response.content.decode()
    for leak in ("Traceback", "URLconf", "settings.py", "DEBUG = True"):
        assert leak not in body


# --- Cookies ------------------------------------------------------------------------------


def test_session_cookie_is_host_only_secure_httponly_samesite(production, owner):
    client = https_client()
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": DEFAULT_PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    name = production_settings()["SESSION_COOKIE_NAME"]
    assert name.startswith("__Host-")
    cookie = response.cookies[name]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] in ("Lax", "Strict")
    # __Host- cookies must have Path=/ and no Domain, or browsers drop them.
    assert cookie["path"] == "/"
    assert not cookie["domain"]


def test_csrf_cookie_is_host_only_secure_samesite(production, db):
    response = https_client().get(reverse("account_login"), secure=True)
    name = production_settings()["CSRF_COOKIE_NAME"]
    assert name.startswith("__Host-")
    cookie = response.cookies[name]
    assert cookie["secure"] is True
    assert cookie["samesite"] in ("Lax", "Strict")
    assert cookie["path"] == "/"
    assert not cookie["domain"]


def test_signing_in_issues_a_new_session_id(production, owner):
    """Session fixation: a session id planted before sign-in must not survive it."""
    client = https_client()
    client.get(reverse("account_login"), secure=True)
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    name = production_settings()["SESSION_COOKIE_NAME"]
    client.cookies[name] = planted
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": DEFAULT_PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    assert response.cookies[name].value != planted


def test_a_foreign_host_header_is_refused(production, owner):
    """Reset links are built from the request's host: ALLOWED_HOSTS must stop a forged one
    before any email goes out."""
    from django.core import mail

    mail.outbox.clear()
    response = https_client().post(
        reverse("account_reset_password"), {"email": owner.email}, secure=True,
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    assert mail.outbox == []


# --- No caching of signed-in pages ------------------------------------------------------------

# Pages outside our URL walk that show account data (allauth's settings pages).
ALLAUTH_ACCOUNT_PAGES = [
    "account_email", "account_change_password", "mfa_index", "usersessions_list",
]


def is_no_store(response) -> bool:
    directives = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def signed_in_pages(world) -> list[str]:
    """Every page of ours the owner can GET (from the URL walk), plus allauth's."""
    urls = [route.url(world) for route in PROTECTED]
    urls += [reverse(name) for name in ALLAUTH_ACCOUNT_PAGES]
    return urls


def test_signed_in_pages_are_never_stored_by_browsers_or_proxies(production, world):
    client = https_client(world.owner)
    cached, pages = [], []
    for url in signed_in_pages(world):
        response = client.get(url, secure=True)
        if response.status_code == 200:
            pages.append(url)
            if not is_no_store(response):
                cached.append(url)
    assert {reverse("dashboard"), reverse("account_detail", args=[world.account.pk]),
            reverse("mfa_index")} <= set(pages)
    assert not cached, (
        "These signed-in pages can be stored by the browser (Cache-Control lacks no-store): "
        f"{cached}. Add 'config.middleware.NoStoreForSignedInMiddleware' to MIDDLEWARE "
        "right after AuthenticationMiddleware."
    )


def test_mfa_recovery_codes_are_never_stored(production, owner):
    secret = generate_totp_secret()
    TOTP.activate(owner, secret)
    RecoveryCodes.activate(owner)
    client = https_client(owner)
    # Showing the codes needs a fresh reauthentication.
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_reauthenticate"), {"code": code}, secure=True)
    assert response.status_code == 302
    response = client.get(reverse("mfa_view_recovery_codes"), secure=True)
    assert response.status_code == 200
    assert is_no_store(response)


NO_STORE_MIDDLEWARE = "config.middleware.NoStoreForSignedInMiddleware"


def middleware_with_no_store() -> list[str]:
    middleware = [m for m in settings.MIDDLEWARE if m != NO_STORE_MIDDLEWARE]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    return [*middleware[: auth + 1], NO_STORE_MIDDLEWARE, *middleware[auth + 1:]]


def test_no_store_middleware_covers_signed_in_pages_only(world):
    with override_settings(MIDDLEWARE=middleware_with_no_store()):
        signed_in = https_client(world.owner)
        for url in signed_in_pages(world):
            response = signed_in.get(url)
            assert is_no_store(response), url
            assert "private" in response["Cache-Control"], url
        anonymous = https_client().get("/")
        assert not is_no_store(anonymous)


def test_no_store_middleware_covers_the_sign_in_response(owner):
    with override_settings(MIDDLEWARE=middleware_with_no_store()):
        response = https_client().post(
            reverse("account_login"), {"login": owner.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        assert is_no_store(response)
