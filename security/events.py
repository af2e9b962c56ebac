"""Record security events: `record(request_or_none, user, kind, **details)`.

Other apps call this for their own security-relevant actions, e.g.::

    from security.events import record
    from security.models import SecurityEvent
    record(request, request.user, SecurityEvent.Kind.CALENDAR_TOKEN_REGENERATED)

Each event is one row and one log line on the "security" logger. Details are small and
never secret: keys that look like credentials are dropped, strings are cut short, and
every value in the log line is JSON-encoded with control characters escaped, so a
crafted user agent cannot start a forged log line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import USER_AGENT_MAX_LENGTH, SecurityEvent

logger = logging.getLogger("security")

# Detail keys that could carry a credential. Matching keys are dropped, never stored.
SENSITIVE_KEY = re.compile(
    r"pass|token|secret|session|cookie|signature|otp|code|(^|_)key$|^key", re.IGNORECASE
)
MAX_DETAIL_KEYS = 10
MAX_DETAIL_STRING = 100
MAX_DETAIL_LIST = 10
REF_LENGTH = 16
WARNING_KINDS = {SecurityEvent.Kind.LOGIN_FAILED}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, read the way allauth reads it for rate limits and sessions
    (its adapter's get_client_ip): REMOTE_ADDR, or, behind our proxy
    (ALLAUTH_TRUSTED_PROXY_COUNT, set with BEHIND_PROXY), the X-Forwarded-For entry our
    proxy appended. Entries to its left come from the client and can say anything.
    """
    try:
        address = get_account_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):  # no address, or a short header
        address = None
    return _valid_ip(address) or _valid_ip(request.META.get("REMOTE_ADDR"))


def _valid_ip(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    """The User-Agent header without control characters, cut to the column's length."""
    raw = request.META.get("HTTP_USER_AGENT", "")
    return "".join(ch for ch in raw if ch.isprintable())[:USER_AGENT_MAX_LENGTH]


def pseudonym(purpose: str, value: str) -> str:
    """A keyed hash: the same value maps to the same reference, but without SECRET_KEY
    the reference cannot be turned back into the value or checked against guesses."""
    return salted_hmac(f"security.{purpose}", value, algorithm="sha256").hexdigest()[:REF_LENGTH]


def clean_details(details: dict) -> dict:
    cleaned: dict = {}
    for key, value in details.items():
        if value is None:
            continue
        if SENSITIVE_KEY.search(str(key)):
            logger.warning("security_event dropped a detail that looks like a credential")
            continue
        if len(cleaned) >= MAX_DETAIL_KEYS:
            break
        cleaned[str(key)[:40]] = _clean_value(value)
    return cleaned


def _clean_value(value):
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_clean_value(v) for v in value[:MAX_DETAIL_LIST]]
    return str(value)[:MAX_DETAIL_STRING]


def record(request: HttpRequest | None, user, kind: str, **details) -> SecurityEvent:
    """Store one event and write one log line. `user` may be None or anonymous."""
    kind = SecurityEvent.Kind(kind)  # ValueError for a kind we don't know
    if user is not None and (not getattr(user, "is_authenticated", False) or user.pk is None):
        user = None
    event = SecurityEvent.objects.create(
        user=user,
        kind=kind,
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        details=clean_details(details),
    )
    log_event(event)
    return event


def log_value(value) -> str:
    """JSON with every non-ASCII and control character escaped: always one line."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True).replace("\x7f", "\\u007f")


def log_event(event: SecurityEvent) -> None:
    level = logging.WARNING if event.kind in WARNING_KINDS else logging.INFO
    logger.log(
        level,
        "security_event kind=%s id=%s user=%s ip=%s ua=%s details=%s",
        event.kind, event.pk, event.user_id if event.user_id else "-",
        event.ip or "-", log_value(event.user_agent), log_value(event.details),
    )


# --- Showing events ------------------------------------------------------------------

_BROWSERS = [  # order matters: Edge and Opera also say "Chrome", Chrome says "Safari"
    ("Edg", "Edge"), ("OPR", "Opera"), ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"),
    ("Chrome", "Chrome"), ("Chromium", "Chromium"), ("Safari", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
    ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
]


def describe_user_agent(ua: str) -> str:
    """"Firefox on Linux": enough to recognise one's own device, no fingerprinting."""
    if not ua:
        return gettext("Unknown device")
    browser = next((name for token, name in _BROWSERS if token in ua), None)
    system = next((name for token, name in _SYSTEMS if token in ua), None)
    if browser and system:
        # Translators: a browser on an operating system, e.g. "Firefox on Linux".
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or gettext("Other browser or app")


# How someone signed in, as a noun phrase that follows "with" ("with password").
_METHOD_NAMES = {
    "password": pgettext_lazy("sign-in method", "password"),
    "totp": pgettext_lazy("sign-in method", "authenticator app"),
    "recovery_codes": pgettext_lazy("sign-in method", "recovery code"),
    "webauthn": pgettext_lazy("sign-in method", "security key or passkey"),
    "code": pgettext_lazy("sign-in method", "emailed code"),
    "mfa": pgettext_lazy("sign-in method", "two-factor"),
    "socialaccount": pgettext_lazy("sign-in method", "another site"),
    "email_verification": pgettext_lazy("sign-in method", "email link"),
}
_EMAIL_CHANGES = {
    "added": _("address added"), "removed": _("address removed"),
    "primary": _("primary address changed"), "verified": _("address verified"),
}


def _method(name) -> str:
    return str(_METHOD_NAMES.get(name, name))


def describe_details(event: SecurityEvent) -> str:
    d = event.details or {}
    Kind = SecurityEvent.Kind
    if event.kind == Kind.LOGIN and d.get("methods"):
        methods = " + ".join(_method(m) for m in d["methods"])
        return gettext("with %(methods)s") % {"methods": methods}
    if event.kind == Kind.LOGIN_FAILED:
        if d.get("step") == "two_factor":
            return gettext("wrong two-factor code")
        return gettext("wrong password")
    if event.kind == Kind.LOGOUT and d.get("reason") == "idle":
        return gettext("automatically, after inactivity")
    if event.kind == Kind.LOGOUT and d.get("reason") == "absolute":
        return gettext("automatically, session too old")
    if event.kind in (Kind.MFA_ADDED, Kind.MFA_REMOVED) and d.get("method"):
        return _method(d["method"])
    if event.kind == Kind.EMAIL_CHANGED and d.get("change"):
        return str(_EMAIL_CHANGES.get(d["change"], ""))
    if event.kind == Kind.SESSIONS_REVOKED and "count" in d:
        count = d["count"]
        return ngettext("%(count)d session", "%(count)d sessions", count) % {"count": count}
    return ""
