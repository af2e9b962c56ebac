"""Settings, read from the environment (and from a local `.env` file if present).

Local use needs nothing: `make run` writes a `.env` with DEBUG on and fresh keys.
With DEBUG off, unsafe or missing production values stop the process at start with
one message that lists every problem, rather than running half-configured.
Every variable is documented in the README's configuration table.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # real environment variables win

DEBUG = env.bool("DEBUG", default=False)

# Only ever used with DEBUG on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"  # noqa: S105
_MIN_SECRET_KEY_LENGTH = 50


def _production_problems() -> list[str]:
    problems = []
    key = env.str("SECRET_KEY", default="")
    if len(key) < _MIN_SECRET_KEY_LENGTH or key.startswith("django-insecure"):
        problems.append(
            f"SECRET_KEY must be a random value of at least {_MIN_SECRET_KEY_LENGTH} "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not env.list("ALLOWED_HOSTS", default=[]):
        problems.append("ALLOWED_HOSTS must list the host names the site is served on.")
    if not env.str("SITE_URL", default="").startswith("https://"):
        problems.append(
            "SITE_URL must be the site's https:// address (used in emails and calendar links)."
        )
    if not env.list("FIELD_ENCRYPTION_KEYS", default=[]):
        problems.append(
            "FIELD_ENCRYPTION_KEYS must hold at least one Fernet key (it encrypts MFA "
            "secrets at rest): python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'."
        )
    return problems


if not DEBUG and (problems := _production_problems()):
    raise ImproperlyConfigured(
        "Refusing to start with DEBUG off:\n  - " + "\n  - ".join(problems)
        + "\nFor local development set DEBUG=true (`make run` writes a .env that does)."
    )

SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address of the site, for links in emails and calendar feeds. Production sets
# it; in development it follows PORT, which `make run PORT=8731` passes on.
SITE_URL = env.str(
    "SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")

# Fernet keys, newest first; older keys still decrypt, so keys can be rotated.
# In DEBUG without keys, one is derived from SECRET_KEY so local runs need no setup.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin with our site (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_tasks_db",
    "simple_history",
    "users",
    "accounts",
    "checklists",
    "reminders",
    "security",
    "handoff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a request body (sessions don't; CSRF does).
    "config.bad_requests.RejectMalformedRequestsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "security.middleware.SessionSecurityMiddleware",
    "users.middleware.UserLanguageMiddleware",
    "config.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # {% load fragments %}: the base layout's parts, rendered once per process.
            "libraries": {"fragments": "config.fragments"},
        },
    },
]

# --- Data -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Persistent connections: opening one per request costs more than most pages.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# The default cache lives in the database, so allauth's rate limits are shared by
# every process without extra services; point CACHE_URL at Redis to scale.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://django_cache")}

# Tasks run inline unless a worker backend is chosen, so one process is enough locally.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_task_backend = env.str("TASKS_BACKEND", default="immediate")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}

# --- Email ----------------------------------------------------------------------------


def _mailer_from_url(url: str) -> dict:
    """Turn EMAIL_URL (smtp+tls://user:pass@host:587, consolemail://) into a mailer."""
    parsed = env.email_url_config(url)
    options = {
        "host": parsed.get("EMAIL_HOST"),
        "port": parsed.get("EMAIL_PORT"),
        "username": parsed.get("EMAIL_HOST_USER") or None,
        "password": parsed.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": parsed.get("EMAIL_USE_TLS", False),
        "use_ssl": parsed.get("EMAIL_USE_SSL", False),
        "timeout": env.int("EMAIL_TIMEOUT", default=20),
    }
    backend = parsed["EMAIL_BACKEND"]
    if DEBUG and backend == "django.core.mail.backends.console.EmailBackend":
        # Links on one line, as sent. Only in development: with DEBUG off the stock
        # console backend stays, so `check --deploy` still flags it (mail.E001).
        backend = "config.mail.ReadableConsoleBackend"
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


# Notification channels (reminders/netguard.py): off refuses loopback, private and
# link-local targets; on allows them (a self-hosted ntfy on the LAN). Cloud metadata
# addresses are refused either way.
NOTIFY_ALLOW_PRIVATE_NETWORKS = env.bool("NOTIFY_ALLOW_PRIVATE_NETWORKS", default=False)

MAILERS = {"default": _mailer_from_url(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Dormant Guard <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and sign-in (django-allauth) ----------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # confirming changes state: it takes a POST
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# Hashes the password for a taken address too, so timing doesn't reveal it.
ACCOUNT_FORMS = {"signup": "users.forms.SignupForm"}
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Adding or removing an email address (a recovery channel) asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Dormant Guard] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Off: tracking rewrites the session row on every request (4 queries per page).
USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ADAPTER = "users.adapters.SecurityLogUserSessionsAdapter"

ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
MFA_ADAPTER = "users.adapters.EncryptingMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_TOTP_ISSUER = "Dormant Guard"
# Browsers only allow WebAuthn on http:// for localhost, which is what DEBUG serves.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# --- Static files ---------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Time and language ----------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Our own date formats per language ("26 Oct 2025", "2025年10月26日"), over Django's.
FORMAT_MODULE_PATH = ["config.formats"]
# The language picker's choice outlives the browser session; a signed-in user's choice
# is also stored on the user (users.middleware) and wins on every device.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Security headers -----------------------------------------------------------------

# No inline scripts anywhere: every script is a static file, so 'self' is enough; the
# nonce is there for the rare server-rendered JSON bootstrap.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Browser features the app never uses are switched off for our pages and anything they
# could embed; passkeys and security keys (WebAuthn) are the only ones allowed, for us.
_NEVER_USED = [
    "accelerometer", "ambient-light-sensor", "autoplay", "bluetooth", "browsing-topics",
    "camera", "clipboard-read", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "hid", "identity-credentials-get", "idle-detection",
    "interest-cohort", "local-fonts", "magnetometer", "microphone", "midi",
    "otp-credentials", "payment", "picture-in-picture", "screen-wake-lock", "serial",
    "sync-xhr", "usb", "web-share", "window-management", "xr-spatial-tracking",
]
PERMISSIONS_POLICY = {
    **dict.fromkeys(_NEVER_USED, []),
    "publickey-credentials-get": "self",
    "publickey-credentials-create": "self",
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
# Signed out after this long without a request, and this long after signing in at most
# (seconds; 0 turns a check off). Enforced by security.middleware.SessionSecurityMiddleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=14 * 24 * 3600)

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    if env.bool("BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # allauth's rate limits and the security log read the client address from the
        # X-Forwarded-For entry our one proxy appends, never the client-written part.
        ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The __Host- prefix pins the cookies to this exact host, over HTTPS, path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging --------------------------------------------------------------------------

# Plain lines by default; LOG_FORMAT=json writes one JSON object per line to stdout for a
# log collector (deploy/gunicorn.conf.py formats gunicorn's own lines the same way).
_LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if _LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Both redact bearer tokens in URLs (unsubscribe, calendar feed, reset links) and
    # query strings from every line: see config/logging.py.
    "formatters": {
        "plain": {"()": "config.logging.RedactingFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "null": {"class": "logging.NullHandler"},
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if _LOG_FORMAT == "json" else "ext://sys.stderr",
            "formatter": _LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django.tasks logs two INFO lines per delivered batch: noise at INFO.
        "django.tasks": {"level": "WARNING"},
        # runserver's request lines carry paths: through our (redacting) handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Apprise's lines can name a channel's topic, webhook path or host (tokens):
        # never to our handlers. reminders/channels.py reads what it needs (the HTTP
        # status) from the records privately and stores its own wording.
        "apprise": {"handlers": ["null"], "level": "WARNING", "propagate": False},
        # urllib3's debug lines name the request path (a Telegram bot token, a webhook
        # secret): kept out at any LOG_LEVEL.
        "urllib3": {"handlers": ["null"], "level": "ERROR", "propagate": False},
    },
}
