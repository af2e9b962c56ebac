"""allauth's rate limits: sign-in, password reset and MFA are throttled, in a cache that
every process shares.

Limits are made small with `override_settings(ACCOUNT_RATE_LIMITS=...)`, which replaces
only the actions named (allauth keeps its defaults for the others). Two kinds of answer:

- per-IP and per-email request limits ("login", "signup", "reset_password",
  "webauthn_login", "reauthenticate") answer 429 Too Many Requests;
- the failed-attempt lock ("login_failed", also used for wrong MFA codes) keeps the form
  on the page with "Too many failed login attempts" and refuses even the right secret.
  The page says so (a guesser does learn that guessing stopped), but an address without
  an account locks the same way after the same misses, so the lock reveals nothing about
  which addresses have accounts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.test_enumeration import normalised

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOCKED_MESSAGE = b"Too many failed login attempts"
WRONG_PASSWORD = "not the password at all 1"


def client(ip: str = "203.0.113.7", **kwargs) -> Client:
    return Client(raise_request_exception=False, REMOTE_ADDR=ip, **kwargs)


def login(c: Client, email: str, password: str = WRONG_PASSWORD, **extra):
    return c.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def is_signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


# --- Sign-in ------------------------------------------------------------------------------


@override_settings(ACCOUNT_RATE_LIMITS={"login": "3/m/ip"})
def test_login_requests_per_ip_get_429(owner):
    c = client()
    for _ in range(3):
        assert login(c, owner.email).status_code == 200
    response = login(c, owner.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(c)
    # Another address is not affected.
    assert login(client("198.51.100.9"), owner.email, DEFAULT_PASSWORD).status_code == 302


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_failed_logins_lock_the_account_even_from_other_addresses(owner, other_user):
    for attempt in range(3):
        response = login(client(f"203.0.113.{attempt + 1}"), owner.email)
        assert response.status_code == 200
        assert LOCKED_MESSAGE not in response.content
    c = client("198.51.100.50")
    response = login(c, owner.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content
    assert not is_signed_in(c)
    # Another account is not locked.
    assert login(client(), other_user.email, DEFAULT_PASSWORD).status_code == 302


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip"})
def test_failed_logins_per_ip_lock_that_address(owner, other_user):
    attacker = client("203.0.113.66")
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        login(attacker, email)
    response = login(attacker, owner.email, DEFAULT_PASSWORD)
    assert LOCKED_MESSAGE in response.content
    assert not is_signed_in(attacker)


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_a_lock_looks_the_same_whether_or_not_the_address_has_an_account(owner):
    """SECURITY.md's claim, as the pages show it: the lock says it is a lock, for any
    address, so it can't be used to find out which addresses are registered."""
    pages = {}
    for email in (owner.email, "nobody-here@example.com"):
        for attempt in range(3):
            login(client(f"203.0.113.{attempt + 10}"), email)
        response = login(client("198.51.100.60"), email, DEFAULT_PASSWORD)
        assert response.status_code == 200
        assert LOCKED_MESSAGE in response.content
        pages[email] = normalised(response, email)
    assert pages[owner.email] == pages["nobody-here@example.com"]


def test_default_limits_lock_out_a_password_guesser(owner):
    """No override: allauth's defaults (5 failures per account in 5 minutes) apply."""
    c = client()
    for _ in range(5):
        login(c, owner.email)
    response = login(c, owner.email, DEFAULT_PASSWORD)
    assert LOCKED_MESSAGE in response.content
    assert not is_signed_in(c)


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/m/ip"})
def test_signups_per_ip_get_429(db):
    c = client()
    for n in range(2):
        c.post(reverse("account_signup"), {
            "email": f"new{n}@example.com", "password1": "a long new passphrase 9",
            "password2": "a long new passphrase 9",
        })
    response = c.post(reverse("account_signup"), {
        "email": "new9@example.com", "password1": "a long new passphrase 9",
        "password2": "a long new passphrase 9",
    })
    assert response.status_code == 429


# --- Password reset -------------------------------------------------------------------------


@override_settings(ACCOUNT_RATE_LIMITS={"reset_password": "20/m/ip,2/m/key"})
def test_password_reset_per_email_gets_429(owner):
    for n in range(2):
        response = client(f"203.0.113.{n + 1}").post(
            reverse("account_reset_password"), {"email": owner.email}
        )
        assert response.status_code == 302
    response = client("198.51.100.3").post(
        reverse("account_reset_password"), {"email": owner.email.upper()}
    )
    assert response.status_code == 429


@override_settings(ACCOUNT_RATE_LIMITS={"reset_password": "2/m/ip,5/m/key"})
def test_password_reset_per_ip_gets_429(owner):
    c = client()
    for email in ("x@example.com", "y@example.com"):
        assert c.post(reverse("account_reset_password"), {"email": email}).status_code == 302
    response = c.post(reverse("account_reset_password"), {"email": owner.email})
    assert response.status_code == 429


@override_settings(ACCOUNT_RATE_LIMITS={"reset_password_from_key": "2/m/ip"})
def test_password_reset_links_per_ip_get_429(db):
    c = client()
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"})
    for _ in range(2):
        assert c.post(url, {}).status_code != 429
    assert c.post(url, {}).status_code == 429


# --- MFA --------------------------------------------------------------------------------------


def current_code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def wrong_code(secret: str) -> str:
    valid = {current_code(secret, offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


@pytest.fixture
def mfa_user(owner):
    secret = generate_totp_secret()
    TOTP.activate(owner, secret)
    return owner, secret


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_wrong_mfa_codes_lock_the_second_step(mfa_user):
    user, secret = mfa_user
    c = client()
    response = login(c, user.email, DEFAULT_PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    for _ in range(3):
        response = c.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        assert response.status_code == 200
        assert not is_signed_in(c)
    response = c.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert LOCKED_MESSAGE in response.content
    assert not is_signed_in(c)


def test_default_limits_lock_out_an_mfa_code_guesser(mfa_user):
    user, secret = mfa_user
    c = client()
    login(c, user.email, DEFAULT_PASSWORD)
    for _ in range(5):
        c.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
    response = c.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert LOCKED_MESSAGE in response.content
    assert not is_signed_in(c)


@override_settings(MFA_RATE_LIMITS={"webauthn_login": "2/m/ip"})
def test_passkey_logins_per_ip_get_429(db):
    c = client()
    for _ in range(2):
        assert c.post(reverse("mfa_login_webauthn"), {}).status_code != 429
    assert c.post(reverse("mfa_login_webauthn"), {}).status_code == 429


@override_settings(ACCOUNT_RATE_LIMITS={"reauthenticate": "2/m/user"})
def test_reauthentication_per_user_gets_429(owner):
    c = client()
    c.force_login(owner)
    for _ in range(2):
        c.post(reverse("account_reauthenticate"), {"password": WRONG_PASSWORD})
    response = c.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_the_429_page_is_our_own_page(owner):
    """Ours (templates/429.html), not allauth's bare fallback: it says to wait, that
    nothing changed, and nothing about the account."""
    with override_settings(ACCOUNT_RATE_LIMITS={"login": "1/m/ip"}):
        c = client()
        login(c, owner.email)
        response = login(c, owner.email)
    assert response.status_code == 429
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert "<h1>Too many requests</h1>" in page
    assert "Nothing was changed." in page and "Wait a few minutes" in page
    assert 'class="site-header"' in page  # the site's own layout
    assert owner.email not in page
    assert "Traceback" not in page


# --- The cache is shared by every process ---------------------------------------------------

CACHE_VARIABLES = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "BEHIND_PROXY", "SITE_URL",
}


def production_value(code: str, **env: str):
    """Evaluate `code` against `config.settings` imported under a clean production
    environment in a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if k not in CACHE_VARIABLES}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "DEBUG": "false",
        "SECRET_KEY": "r" * 20 + "-production-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "guard.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
        "SITE_URL": "https://guard.example.com",
        **env,
    }
    script = f"import json, config.settings as s; print(json.dumps({code}))"
    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter)
        [sys.executable, "-c", script], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cache_is_the_database_unless_cache_url_is_set():
    default = production_value("s.CACHES['default']")
    assert default["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert default["LOCATION"] == "django_cache"

    redis = production_value("s.CACHES['default']", CACHE_URL="redis://10.0.0.5:6379/0")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_production_never_uses_a_per_process_or_dummy_cache():
    backend = production_value("s.CACHES['default']['BACKEND']")
    assert "locmem" not in backend.lower()
    assert "dummy" not in backend.lower()


CACHE_TABLE = "rate_limit_shared_cache"


@pytest.fixture
def database_cache(db):
    cache_settings = {"default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE,
    }}
    with override_settings(CACHES=cache_settings):
        call_command("createcachetable", verbosity=0)
        yield


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "2/5m/key"})
def test_failed_attempts_are_counted_in_the_shared_database_cache(database_cache, owner):
    for _ in range(2):
        login(client(), owner.email)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")  # noqa: S608 (constant)
        keys = [row[0] for row in cursor.fetchall()]
    assert any("login_failed" in key for key in keys), keys
    # A request served by any other process reads the same rows: still locked.
    response = login(client("198.51.100.77"), owner.email, DEFAULT_PASSWORD)
    assert LOCKED_MESSAGE in response.content


# --- Behind a proxy, the client's address must come from the proxy's header -----------------


def test_behind_a_proxy_rate_limits_use_the_clients_address():
    """Behind a TLS-terminating proxy every request arrives from the proxy's address. If
    allauth isn't told to read X-Forwarded-For, all visitors share one per-IP bucket: one
    attacker sending 30 login POSTs a minute locks everyone out of signing in."""
    values = production_value(
        "{'count': getattr(s, 'ALLAUTH_TRUSTED_PROXY_COUNT', 0),"
        " 'header': getattr(s, 'ALLAUTH_TRUSTED_CLIENT_IP_HEADER', None)}",
        BEHIND_PROXY="true",
    )
    assert values["count"] >= 1 or values["header"], (
        "With BEHIND_PROXY on, set ALLAUTH_TRUSTED_PROXY_COUNT (or "
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER) in config/settings.py"
    )


@override_settings(ACCOUNT_RATE_LIMITS={"login": "2/m/ip"}, ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_with_a_trusted_proxy_each_client_has_its_own_bucket(owner):
    proxy = "10.0.0.2"
    attacker = client(proxy, headers={"X-Forwarded-For": "203.0.113.99"})
    for _ in range(3):
        response = login(attacker, owner.email)
    assert response.status_code == 429
    visitor = client(proxy, headers={"X-Forwarded-For": "198.51.100.20"})
    assert login(visitor, owner.email, DEFAULT_PASSWORD).status_code == 302


@override_settings(ACCOUNT_RATE_LIMITS={"login": "2/m/ip"})
def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(owner):
    """Directly exposed (no proxy configured), X-Forwarded-For is attacker-controlled and
    must not give each request a fresh bucket."""
    for n in range(2):
        login(client(headers={"X-Forwarded-For": f"192.0.2.{n}"}), owner.email)
    response = login(client(headers={"X-Forwarded-For": "192.0.2.200"}), owner.email)
    assert response.status_code == 429


def test_distinct_users_do_not_share_the_failed_login_lock(owner, other_user):
    """Sanity check for the key: locking one email doesn't lock the next."""
    UserFactory(email="third@example.com")
    with override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "1/5m/key"}):
        login(client(), owner.email)
        assert LOCKED_MESSAGE in login(client(), owner.email, DEFAULT_PASSWORD).content
        assert login(client(), other_user.email, DEFAULT_PASSWORD).status_code == 302
