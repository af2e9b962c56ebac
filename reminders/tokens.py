"""The two credentials reminders hand out: unsubscribe links and calendar feed tokens.

Unsubscribe links are *signed* (django.core.signing with a salt of their own), not
stored: they only name a user id, every email must carry one, and a signature from
another salt or a tampered value is refused. They don't expire, because mail clients
and people use them long after the email arrived (RFC 8058 asks for that).

Calendar feed tokens are *random* (32 bytes from `secrets`) and stored only as their
SHA-256 hash, in a unique index. The token is a bearer credential that calendar apps
poll for years; the feed reveals which exchanges a person uses, which is exactly what
a phisher wants. With only hashes in the database, a leaked backup or a read-only SQL
injection yields no working feed URL. A fast unsalted hash is enough because the token
has 256 bits of entropy (nothing to brute-force), and it keeps lookup one index probe.
The cost: we can show the URL only once, right after it is created.
"""

import hashlib
import secrets

from django.core import signing

UNSUBSCRIBE_SALT = "reminders.unsubscribe"
FEED_TOKEN_BYTES = 32


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_id_from_unsubscribe_token(token: str) -> int | None:
    """The user id the token was signed for, or None when it is tampered or foreign."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return user_id if isinstance(user_id, int) else None


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
