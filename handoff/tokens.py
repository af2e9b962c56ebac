"""The handoff's credentials.

- Confirmation and "I'm here" links are *signed* (django.core.signing, a salt each) and
  time-limited: they only name a row, and expire on their own.
- A contact's handoff link is a *random* bearer token (32 bytes from `secrets`) stored
  only as its SHA-256 hash, like the calendar feed token (reminders/tokens.py): a leaked
  backup yields no working link. The token has 256 bits, so a fast hash is enough.
"""

import datetime
import hashlib
import secrets

from django.core import signing

CONFIRM_SALT = "handoff.confirm"
HERE_SALT = "handoff.here"
CONFIRM_MAX_AGE = datetime.timedelta(days=14)
HERE_MAX_AGE = datetime.timedelta(days=31)
ACCESS_TOKEN_BYTES = 32
ACCESS_LIFETIME = datetime.timedelta(days=30)


def confirm_token(contact_id: int) -> str:
    return signing.dumps({"c": contact_id}, salt=CONFIRM_SALT)


def contact_id_from_confirm_token(token: str) -> int | None:
    return _load(token, CONFIRM_SALT, CONFIRM_MAX_AGE, "c")


def here_token(plan_id: int) -> str:
    return signing.dumps({"p": plan_id}, salt=HERE_SALT)


def plan_id_from_here_token(token: str) -> int | None:
    return _load(token, HERE_SALT, HERE_MAX_AGE, "p")


def _load(token: str, salt: str, max_age: datetime.timedelta, field: str) -> int | None:
    """The id the token was signed for; None when tampered, foreign or expired."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    value = payload.get(field) if isinstance(payload, dict) else None
    return value if isinstance(value, int) else None


def new_access_token() -> str:
    return secrets.token_urlsafe(ACCESS_TOKEN_BYTES)


def access_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
