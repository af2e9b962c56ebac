#!/usr/bin/env bash
# Smoke test of the production recipe: a fresh PostgreSQL database (migrate,
# createcachetable, collectstatic, the demo user), gunicorn with deploy/gunicorn.conf.py
# and DEBUG off, then over plain HTTP: /healthz/, sign-in through the login form, the
# dashboard with the demo's accounts, every static file it links (hashed names,
# far-future caching, compressed), and JSON logs with URL tokens redacted. gunicorn is
# stopped on exit whatever happens.
#
# Production cookies are `__Host-` and Secure. curl >= 7.79 treats 127.0.0.1 as a secure
# origin and does send them back over http (7.88 verified), older curl and most HTTP
# libraries do not; the client below reads Set-Cookie itself and sends a plain Cookie
# header, so it behaves the same everywhere. SECURE_SSL_REDIRECT=false (a setting the app
# already reads) lets the pages answer over http without changing anything else.
#
# Usage: .ci/smoke.sh   (env: SMOKE_PG, SMOKE_DB, SMOKE_PORT)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PG=${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}
DB=${SMOKE_DB:-smoke_dormant_guard}
PORT=${SMOKE_PORT:-8766}
BASE="http://127.0.0.1:$PORT"
LOG=$(mktemp -t smoke-gunicorn.XXXXXX)
GUNICORN_PID=""
STARTED=$SECONDS

say() { printf 'smoke: %s\n' "$*"; }
fail() {
  printf '\nSMOKE TEST FAILED: %s\n' "$*" >&2
  if [ -s "$LOG" ]; then
    printf -- '--- gunicorn output (last 40 lines) ---\n' >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}
cleanup() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

case "$DB" in smoke_*) ;; *) fail "SMOKE_DB must start with smoke_ (it is dropped)";; esac

# Production settings, fresh secrets; the environment wins over any local .env file.
export DJANGO_SETTINGS_MODULE=config.settings
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SITE_URL=https://guard.example.com SECURE_SSL_REDIRECT=false
export SECRET_KEY
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export FIELD_ENCRYPTION_KEYS
FIELD_ENCRYPTION_KEYS=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export DATABASE_URL="$PG/$DB" CONN_MAX_AGE=60 CACHE_URL=dbcache://django_cache
export TASKS_BACKEND=immediate EMAIL_URL=consolemail:// LOG_FORMAT=json LOG_LEVEL=WARNING
export GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 ACCESS_LOG=-

say "fresh database $DB"
"$PY" - "$PG" "$DB" <<'EOF'
import sys
import psycopg
server, name = sys.argv[1:]
with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
EOF
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py createcachetable
"$PY" manage.py load_guidance >/dev/null
"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py seed_demo >/dev/null
EXPECTED=$("$PY" manage.py shell --no-imports -c '
import json
from accounts.models import ExchangeAccount
rows = ExchangeAccount.objects.filter(owner__email="demo@example.com", archived_at__isnull=True)
print(json.dumps({a.pk: a.exchange_name for a in rows.select_related("exchange")}))')

say "starting gunicorn on $BASE"
.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi >"$LOG" 2>&1 &
GUNICORN_PID=$!

"$PY" - "$BASE" "$EXPECTED" "$LOG" "$GUNICORN_PID" <<'EOF' || fail "HTTP checks (message above)"
import gzip
import http.client
import json
import os
import re
import sys
import time
import urllib.parse

base, expected, log_path, pid = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
url = urllib.parse.urlsplit(base)
cookies = {}


def fail(message):
    sys.exit(f"{message}")


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    for line in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return response, data


# 1. /healthz/ within 20 s, as a load balancer sees it.
deadline = time.monotonic() + 20
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        fail("gunicorn exited during start-up")
    try:
        response, data = request("GET", "/healthz/")
        if response.status == 200:
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        fail("/healthz/ did not answer 200 within 20 s")
    time.sleep(0.2)
if json.loads(data) != {"status": "ok"}:
    fail(f"/healthz/ body: {data!r}")
if response.getheader("Set-Cookie") or "no-store" not in response.getheader("Cache-Control", ""):
    fail("/healthz/ must set no cookie and forbid caching")
print("smoke: /healthz/ ok")

# 2. Sign in through the form, like a browser.
response, page = request("GET", "/auth/login/")
if response.status != 200:
    fail(f"GET /auth/login/ answered {response.status}")
csrf_cookie = response.getheader("Set-Cookie") or ""
if "__Host-csrftoken=" not in csrf_cookie or "Secure" not in csrf_cookie:
    fail(f"expected a Secure __Host-csrftoken cookie, got {csrf_cookie!r}")
token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
if not token:
    fail("no CSRF token in the login form")
form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(),
                               "login": "demo@example.com", "password": "demo-password-2024"})
response, _ = request("POST", "/auth/login/", form.encode(), {
    "Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/auth/login/"})
if response.status != 302 or "__Host-sessionid" not in cookies:
    fail(f"sign-in failed: {response.status}, cookies {sorted(cookies)}")
print("smoke: signed in as demo@example.com (cookie __Host-sessionid)")

# 3. The dashboard shows every live demo account.
response, html = request("GET", "/dashboard/")
if response.status != 200:
    fail(f"GET /dashboard/ answered {response.status}")
text = html.decode()
missing = [f"{name} (#{pk})" for pk, name in expected.items()
           if f'id="account-{pk}"' not in text or name not in text]
if not expected or missing:
    fail(f"dashboard lacks demo accounts: {missing or 'no accounts seeded'}")
print(f"smoke: dashboard 200 with all {len(expected)} demo accounts, {len(html):,} bytes")

# 4. Every static file it links: 200, hashed name, cached for ever, compressed.
statics = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', text)))
if not statics:
    fail("the dashboard links no static files")
for path in statics:
    response, body = request("GET", path, headers={"Accept-Encoding": "gzip"})
    cache = response.getheader("Cache-Control", "")
    problems = []
    if response.status != 200:
        problems.append(f"status {response.status}")
    if not re.search(r"\.[0-9a-f]{12}\.\w+$", path):
        problems.append("name not hashed (collectstatic/manifest storage missing?)")
    if "immutable" not in cache or "max-age=315360000" not in cache:
        problems.append(f"Cache-Control {cache!r}")
    if response.getheader("Content-Encoding") == "gzip":
        gzip.decompress(body)
    elif path.endswith((".css", ".js", ".svg")):
        problems.append("not compressed")
    if problems:
        fail(f"{path}: {', '.join(problems)}")
print(f"smoke: {len(statics)} static files ok (hashed, immutable, gzip)")

# 5. Logs are JSON lines (LOG_FORMAT=json), access lines included, and a bearer token in
#    a URL (calendar feed, unsubscribe link) or a query string never reaches them.
secret = "smokeFeedTokenNotForLogs42"
response, _ = request("GET", f"/reminders/calendar/{secret}.ics?q={secret}",
                      headers={"Referer": f"{base}/reminders/unsubscribe/{secret}/"})
if response.status != 404:
    fail(f"GET of an unknown calendar feed answered {response.status}")
time.sleep(0.3)
lines = [line for line in open(log_path) if line.strip()]
try:
    entries = [json.loads(line) for line in lines]
except ValueError as error:
    fail(f"a log line is not JSON ({error}): {lines[:3]}")
if not any(e.get("logger") == "gunicorn.access" and e.get("path") == "/dashboard/"
           for e in entries):
    fail("no JSON access-log line for /dashboard/")
if any(secret in line for line in lines):
    fail("a bearer token from a URL reached the log")
if not any(e.get("path") == "/reminders/calendar/[redacted]" for e in entries):
    fail("no redacted access-log line for the calendar feed")
print(f"smoke: {len(entries)} log lines, all JSON, tokens redacted")
EOF

say "passed in $((SECONDS - STARTED)) s"
