"""allauth adapters: emails that name the product, MFA secrets encrypted at rest, and
ended sessions written to the security log.

allauth stores TOTP keys in clear unless the adapter encrypts them. We use Fernet
(authenticated encryption) from `cryptography` with keys from FIELD_ENCRYPTION_KEYS;
MultiFernet decrypts with any listed key, so a new key can be put first and old
secrets still read until they are re-saved.
"""

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        # Local development only (settings refuse to start without keys when DEBUG
        # is off): derive a stable key from SECRET_KEY.
        digest = hashlib.sha256(b"mfa-secrets:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_text(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt_text(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)


PRODUCT_NAME = "Dormant Guard"


@dataclass(frozen=True)
class ProductSite:
    """What allauth's email templates read as `current_site`."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Without django.contrib.sites, allauth names the site after the request's host
        # ("Hello from 127.0.0.1:8731!"). Name the product instead, with SITE_URL's host
        # as the domain. (Simpler than the sites framework: no table, no Site row to
        # keep in step with SITE_URL.)
        site = ProductSite(name=PRODUCT_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        super().send_mail(template_prefix, email, {"current_site": site, **context})


class SecurityLogUserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        """Sign out sessions (from the sessions page), and say so in the owner's
        security log: allauth sends no signal for it."""
        from security.events import record
        from security.models import SecurityEvent

        sessions = list(sessions)
        super().end_sessions(sessions)
        if sessions:
            record(
                allauth_context.request, sessions[0].user,
                SecurityEvent.Kind.SESSIONS_REVOKED, count=len(sessions),
            )
