"""Encrypt allauth's MFA secrets (TOTP keys) at rest.

allauth stores them in clear unless the adapter encrypts them. We use Fernet
(authenticated encryption) from `cryptography` with keys from FIELD_ENCRYPTION_KEYS;
MultiFernet decrypts with any listed key, so a new key can be put first and old
secrets still read until they are re-saved.
"""

import base64
import hashlib
from functools import cache

from allauth.mfa.adapter import DefaultMFAAdapter
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
