"""Settings for the test suite: production code paths (DEBUG off) served over plain HTTP.

Values a real deployment must provide are filled with fixed test values here, so the
suite runs with nothing configured. DATABASE_URL still comes from the environment,
which is how CI runs the same suite on PostgreSQL.
"""

import os

os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# A fixed key that protects nothing: it only exists in tests.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "mfL1jj2DOHEWoYE7mX_SkTFplkjHvKCcSjLGxZnoEZI=")
os.environ.setdefault("SITE_URL", "https://guard.example.com")
os.environ["TASKS_BACKEND"] = "immediate"
os.environ.pop("EMAIL_URL", None)

from config.settings import *  # noqa: E402, F403
from config.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}}
# One process runs the tests; a local-memory cache is shared by all of them and is
# cleared before each test (see tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# The live server for browser tests speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"

# Serve static files straight from the source folders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
