"""The framework-ceiling reference (bench/ceiling/): its database, user and server.

A minimal Django project in the same venv (startproject's middleware, database
sessions, auth, one login_required view rendering a tiny template), served by the same
gunicorn configuration against the same PostgreSQL server. bench_load.py measures it
beside the app's pages in one run, so "our page / ceiling" is what our code costs on
top of the framework on this machine at this moment.
"""

import os
import secrets
import subprocess
from pathlib import Path

import harness

CEILING_DIR = harness.BENCH / "ceiling"
DEFAULT_DB = "bench_ceiling"
EMAIL = "ceiling@example.com"
PAGE = "/"


def env(db: str = DEFAULT_DB) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    base.update({
        "DJANGO_SETTINGS_MODULE": "ceiling.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"{harness.PG_SERVER}/{db}",
        # deploy/gunicorn.conf.py imports config.logging from the project root.
        "PYTHONPATH": f"{CEILING_DIR}{os.pathsep}{harness.ROOT}",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return base


def manage(environ: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 (fixed argv: this interpreter and manage.py)
        [harness.PYTHON, "manage_ceiling.py", *args], cwd=CEILING_DIR, env=environ, check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(db: str = DEFAULT_DB) -> None:
    """A fresh database with the schema and one user (password harness.PASSWORD)."""
    harness.recreate_database(db)
    environ = env(db)
    manage(environ, "migrate", "--noinput")
    manage(environ, "shell", "-c", (
        "from django.contrib.auth.models import User\n"
        f"User.objects.create_user({EMAIL!r}, {EMAIL!r}, {harness.PASSWORD!r})\n"
    ))


def server(db: str, port: int, workers: int | None, log_path: Path | None = None):
    """gunicorn serving the reference, with deploy/gunicorn.conf.py like the app."""
    return harness.gunicorn(env(db), port, workers, log_path, app="ceiling.wsgi",
                            chdir=CEILING_DIR, health="/healthz/")


def sign_in(base: str) -> harness.HttpClient:
    return harness.sign_in(base, EMAIL, login_path="/login/", login_field="username")
