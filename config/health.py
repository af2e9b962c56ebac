"""`/healthz/` for load balancers and orchestrators: is this process able to serve?

Anonymous, never cached, exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), and it
touches no session, so a probe gets no cookie. 200 `{"status": "ok"}` when the database
answers (and the shared cache, unless it is a dummy); otherwise 503 naming the failed
checks. A check that hangs is cut short: PostgreSQL by a per-transaction statement
timeout, connecting by `connect_timeout` in DATABASE_URL, Redis by the client's socket
timeouts (see the README's "Deploying" section).
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

DB_STATEMENT_TIMEOUT_MS = 2000
CACHE_KEY_PREFIX = "healthz:"
CACHE_PROBE_SECONDS = 10


def check_database() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SET LOCAL ends with the transaction: a persistent connection keeps no timeout.
            cursor.execute(f"SET LOCAL statement_timeout = {DB_STATEMENT_TIMEOUT_MS}")
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned an unexpected row")


def check_cache() -> None:
    if cache.__class__.__name__ == "DummyCache":
        return
    key, value = CACHE_KEY_PREFIX + secrets.token_hex(8), secrets.token_hex(8)
    cache.set(key, value, CACHE_PROBE_SECONDS)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return the value just stored")
    cache.delete(key)


@never_cache
@require_safe
def healthz(request):
    failed = []
    for name, check in (("database", check_database), ("cache", check_cache)):
        try:
            check()
        except Exception:
            # Details go to the log, not to whoever can reach the endpoint.
            logger.exception("Health check %r failed", name)
            failed.append(name)
    if failed:
        return JsonResponse({"status": "error", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})


# Mounted with `path("healthz/", include("config.health"))` in config/urls.py.
urlpatterns = [path("", healthz, name="healthz")]
