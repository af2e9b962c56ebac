"""Production configuration: unsafe settings stop the process with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARIABLES = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "EMAIL_URL", "SITE_URL",
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE",
}
GOOD_SECRET = "s" * 20 + "-production-secret-" + "x" * 30


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Start from this process's environment minus anything that configures the app, so
    # only the values under test apply (the browser tests' async flag included).
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean["DATABASE_URL"] = "sqlite:///:memory:"
    return subprocess.run(  # noqa: S603 (fixed argv: this interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=60, check=False,
    )


def production_env(**overrides: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": GOOD_SECRET,
        "ALLOWED_HOSTS": "guard.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
        "SITE_URL": "https://guard.example.com",
        **overrides,
    }


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_manage("check", **production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr
    assert "SECRET_KEY must be a random value" in result.stderr


def test_debug_off_lists_every_missing_value_at_once():
    result = run_manage(
        "check", **production_env(SECRET_KEY="short", ALLOWED_HOSTS="", FIELD_ENCRYPTION_KEYS="")
    )
    assert result.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"):
        assert name in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stderr + result.stdout


def test_console_email_in_production_fails_the_deploy_check():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **production_env(EMAIL_URL="consolemail://")
    )
    assert result.returncode != 0
    assert "mail.E001" in result.stderr + result.stdout
