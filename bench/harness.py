"""Shared plumbing for the benchmark scripts (standard library only, plus psycopg from the
project's venv): a production-like environment, a scratch PostgreSQL database, gunicorn
with deploy/gunicorn.conf.py, a sign-in over plain HTTP, and wrk.

Production cookies are `__Host-` and `Secure`. A browser (or curl's cookie jar) refuses
to send them to http://127.0.0.1, but the server never checks how a cookie arrived, so
`sign_in` reads Set-Cookie itself and sends the values back in a plain Cookie header,
and wrk gets the same header with `-H`. That signs in through the real login form
(CSRF, allauth, rate limits) with the production settings untouched.
"""

import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
# The server holding the benchmark databases; never point it at data you care about.
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DEFAULT_DB = "bench_dashboard"
DEFAULT_PORT = 8765
PASSWORD = "demo-password-2024"  # seed_demo's public demo password  # noqa: S105
# Names a script may drop and recreate: never `test` or anything else.
SCRATCH_DB_RE = re.compile(r"^(bench|smoke)_[a-z0-9_]+$")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def production_env(db_name: str = DEFAULT_DB, **overrides: str) -> dict[str, str]:
    """Settings as in production (DEBUG off, fresh secrets, persistent connections),
    except the HTTPS redirect, since the benchmark speaks plain HTTP to 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A Fernet key is 32 random bytes, urlsafe-base64 encoded.
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Required with DEBUG off; only used for links in emails and calendar feeds.
        "SITE_URL": "https://guard.example.com",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
        "DATABASE_URL": f"{PG_SERVER}/{db_name}",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "dbcache://django_cache"),
        "EMAIL_URL": "consolemail://",
        "TASKS_BACKEND": "immediate",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "plain",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return env


def recreate_database(name: str) -> None:
    if not SCRATCH_DB_RE.fullmatch(name):
        raise SystemExit(f"Refusing to drop {name!r}: scratch databases are bench_* or smoke_*.")
    import psycopg  # from the project's venv

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter and manage.py)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return result.stdout or ""


def prepare_database(env: dict[str, str], name: str) -> None:
    """An empty scratch database with the schema, the cache table and the static files."""
    recreate_database(name)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "load_guidance")
    manage(env, "collectstatic", "--noinput")


def seed_user(env: dict[str, str], prefix: str, accounts: int) -> str:
    """One synthetic user with exactly `accounts` live accounts; returns the email.

    seed_demo archives about 1 account in 20 at random; the benchmarks want the stated
    number on the dashboard and none on the archived page, so those are restored.
    """
    manage(env, "seed_demo", "--users", "1", "--accounts", str(accounts),
           "--prefix", prefix, "--reset", "--verbosity", "0")
    email = f"{prefix}-1@example.com"
    django_shell(env, (
        "from accounts.models import ExchangeAccount\n"
        f"ExchangeAccount.objects.filter(owner__email={email!r}).update(archived_at=None)\n"
    ))
    return email


def django_shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code, capture=True)


# ------------------------------------------------------------------------------ HTTP


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


@dataclass
class HttpClient:
    """Plain-HTTP client that keeps cookies whatever their Secure flag or prefix."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 10) -> Response:
        url = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(url.netloc, timeout=timeout)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in line.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers=headers)


def sign_in(base: str, email: str, password: str = PASSWORD, login_path: str = "/auth/login/",
            login_field: str = "login") -> HttpClient:
    """Sign in through the login form; the client then holds the session cookie.
    (The ceiling reference uses Django's LoginView: /login/ and "username".)"""
    client = HttpClient(base)
    page = client.get(login_path)
    if page.status != 200:
        raise RuntimeError(f"GET {login_path} answered {page.status}")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if not match:
        raise RuntimeError("no CSRF token in the login form")
    form = urllib.parse.urlencode({
        "csrfmiddlewaretoken": match.group(1).decode(), login_field: email, "password": password,
    }).encode()
    answer = client.request("POST", login_path, body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Referer": base + login_path,
    })
    if answer.status != 302 or not session_cookie(client):
        raise RuntimeError(f"sign-in as {email} failed: {answer.status} {answer.body[:300]!r}")
    return client


def session_cookie(client: HttpClient) -> tuple[str, str] | None:
    for name, value in client.cookies.items():
        if name.endswith("sessionid"):
            return name, value
    return None


# ---------------------------------------------------------------------------- gunicorn


def wait_for(url: str, seconds: float = 30, expect: int = 200,
             process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} (see its log)")
        try:
            parsed = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(parsed.netloc, timeout=5)
            conn.request("GET", parsed.path)
            if conn.getresponse().status == expect:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer {expect} within {seconds}s")
        time.sleep(0.2)


@dataclass
class Server:
    base: str
    pid: int


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int = DEFAULT_PORT, workers: int | None = None,
             log_path: Path | None = None, wait: bool = True, app: str = "config.wsgi",
             chdir: Path = ROOT, health: str = "/healthz/") -> Iterator[Server]:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:port; yields its URL and pid.
    `app` and `chdir` serve another project (the ceiling reference) with the same config."""
    # No access log unless asked for: writing a line per request would be measured too.
    server_env = {"ACCESS_LOG": "off", **env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        server_env["WEB_CONCURRENCY"] = str(workers)
    log_file = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(  # noqa: S603
        [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), app],
        cwd=chdir, env=server_env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if wait:
            wait_for(base + health, process=process)
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


# ------------------------------------------------------------------------- machine load


def cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of all cores busy over `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return idle, sum(fields)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(limit: float = 0.2, max_wait: float | None = None) -> float:
    """Wait (up to BENCH_QUIET_WAIT seconds, default 180) until other work leaves the CPUs
    mostly idle, so a shared machine disturbs the numbers less; returns the busy fraction
    last seen, which the results record."""
    if max_wait is None:
        max_wait = float(os.environ.get("BENCH_QUIET_WAIT", "180"))
    deadline = time.monotonic() + max_wait
    while True:
        busy = cpu_busy()
        if busy <= limit or time.monotonic() > deadline:
            if busy > limit:
                log(f"machine still {busy:.0%} busy after {max_wait:.0f}s; measuring anyway")
            return round(busy, 3)
        log(f"machine {busy:.0%} busy with other work; waiting")
        time.sleep(4)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _process_ticks(pid: int, with_reaped_children: bool = False) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    # utime, stime (and cutime, cstime: children already exited and reaped) in ticks.
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def _children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(entry.name))
    return pids


class CpuMeter:
    """How much CPU *other* work took during a run: the machine's busy ticks minus those
    of gunicorn (master, workers, and workers recycled meanwhile), the PostgreSQL
    backends serving this database, and child processes this script waited for (wrk).
    On a shared machine this tells a clean run from a disturbed one."""

    def __init__(self, gunicorn_pid: int, db_name: str) -> None:
        self.gunicorn_pid, self.db_name = gunicorn_pid, db_name

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            ).fetchall()
        return [pid for (pid,) in rows]

    def _ours(self) -> int:
        import resource

        waited = resource.getrusage(resource.RUSAGE_CHILDREN)
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        return (
            _process_ticks(self.gunicorn_pid, with_reaped_children=True)
            + sum(_process_ticks(pid) for pid in _children(self.gunicorn_pid))
            + sum(_process_ticks(pid) for pid in self._backends())
            + round((waited.ru_utime + waited.ru_stime) * ticks_per_second)
        )

    def __enter__(self) -> "CpuMeter":
        self.machine0, self.ours0 = _machine_ticks(), self._ours()
        return self

    def __exit__(self, *exc) -> None:
        ours = self._ours() - self.ours0
        busy1, total1 = _machine_ticks()
        busy, total = busy1 - self.machine0[0], max(1, total1 - self.machine0[1])
        self.ours_share = round(ours / total, 3)
        self.others_share = round(max(0, busy - ours) / total, 3)


# --------------------------------------------------------------------------------- wrk

WRK_SCRIPT = BENCH / "wrk_report.lua"


def wrk(url: str, cookie: str, duration: int = 60, connections: int = 20,
        threads: int = 2) -> dict:
    """wrk with --latency; returns req/s, latency percentiles (ms) and every error kind."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk).")
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "--timeout", "10s", "-s", str(WRK_SCRIPT), "-H", f"Cookie: {cookie}", url]
    output = subprocess.run(argv, check=True, text=True, capture_output=True).stdout  # noqa: S603
    lines = output.splitlines()

    def tagged(tag: str):
        return json.loads(next(x for x in lines if x.startswith(tag + " ")).split(" ", 1)[1])

    raw, quantiles = tagged("BENCH_JSON"), tagged("BENCH_QUANTILES")
    seconds = raw["duration_us"] / 1e6
    socket_errors = sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    return {
        "url": url,
        "duration_s": round(seconds, 1),
        "connections": connections,
        "threads": threads,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "latency_ms": {p: round(raw[p] / 1000, 2) for p in
                       ("mean", "p50", "p75", "p90", "p95", "p99", "max")},
        "bytes_per_response": round(raw["bytes"] / max(1, raw["requests"])),
        "non_2xx": raw["non2xx"],
        "socket_errors": socket_errors,
        "errors": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
        "bytes": raw["bytes"],
        "quantiles_us": quantiles,
        "wrk_output": "\n".join(x for x in lines if not x.startswith("BENCH_")),
    }


def merge_wrk(slices: list[dict]) -> dict:
    """One result from several wrk runs of the same URL: totals add up, percentiles come
    from the pooled quantile points (each weighted by its run's request count)."""
    if len(slices) == 1:
        return slices[0]
    requests = sum(s["requests"] for s in slices)
    seconds = sum(s["duration_s"] for s in slices)
    points = sorted(
        (value, s["requests"] / len(s["quantiles_us"]))
        for s in slices for value in s["quantiles_us"]
    )

    def percentile(p: float) -> float:
        target, seen = p / 100 * requests, 0.0
        for value, weight in points:
            seen += weight
            if seen >= target:
                return value / 1000
        return points[-1][0] / 1000

    errors = {k: sum(s["errors"][k] for s in slices) for k in slices[0]["errors"]}
    return {
        "url": slices[0]["url"],
        "duration_s": round(seconds, 1),
        "connections": slices[0]["connections"],
        "threads": slices[0]["threads"],
        "slices": len(slices),
        "requests": requests,
        "rps": round(requests / seconds, 1),
        "latency_ms": {
            "mean": round(sum(s["latency_ms"]["mean"] * s["requests"] for s in slices)
                          / max(1, requests), 2),
            **{f"p{p}": round(percentile(p), 2) for p in (50, 75, 90, 95, 99)},
            "max": max(s["latency_ms"]["max"] for s in slices),
        },
        "bytes_per_response": round(sum(s["bytes"] for s in slices) / max(1, requests)),
        "non_2xx": sum(s["non_2xx"] for s in slices),
        "socket_errors": sum(errors.values()),
        "errors": errors,
        "per_slice_rps": [s["rps"] for s in slices],
    }


def save_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    log(f"wrote {path.relative_to(ROOT)}")
    return path


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg = row[0] if row else "unknown"
    except Exception as error:  # noqa: BLE001 (reported, not fatal)
        pg = f"unknown ({error.__class__.__name__})"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": sys.version.split()[0],
        "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout  # noqa: S607
                .split("\n")[0] if shutil.which("wrk") else "not installed"),
    }
