"""Session lifetime: an idle timeout and an absolute timeout, kept in the session.

Two timestamps (seconds since the epoch) live in the session: when the user signed in,
and when we last saw them. "Last seen" is written at most once a minute, so a busy user
does not cause a session write on every request.
"""

import time

from django.conf import settings

LOGIN_AT = "security.login_at"
SEEN_AT = "security.seen_at"
SEEN_RESOLUTION = 60  # seconds

DEFAULT_IDLE_TIMEOUT = 2 * 3600
DEFAULT_ABSOLUTE_TIMEOUT = 14 * 24 * 3600


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT))


def absolute_timeout() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_TIMEOUT", DEFAULT_ABSOLUTE_TIMEOUT))


def now() -> int:
    return int(time.time())


def start_clock(session) -> None:
    stamp = now()
    session[LOGIN_AT] = stamp
    session[SEEN_AT] = stamp


def expired_reason(session) -> str | None:
    """"idle" or "absolute" when the session has run out, else None (and "last seen"
    is refreshed when it is more than a minute old)."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        # Signed in before this check existed (or the stamps were lost): start now.
        start_clock(session)
        return None
    current = now()
    absolute, idle = absolute_timeout(), idle_timeout()
    if absolute > 0 and current - login_at > absolute:
        return "absolute"
    if idle > 0 and current - seen_at > idle:
        return "idle"
    if current - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT] = current
    return None
