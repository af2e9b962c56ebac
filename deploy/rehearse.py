"""Rehearse the production recipe on one machine, end to end, and say what happened.

    .venv/bin/python deploy/rehearse.py

Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379; uses
the scratch database smoke_rehearsal (dropped and recreated) and Redis database 1.
Runs, with DEBUG off and fresh secrets, exactly what the README's "Deploying" section
lists: migrate, createcachetable, collectstatic; gunicorn with deploy/gunicorn.conf.py
(JSON logs), Redis as the cache, TASKS_BACKEND=database with a `db_worker`, and one
`send_reminders` sweep whose email the worker delivers over SMTP to a local sink
(aiosmtpd, a dev dependency). Then /healthz/ is asked again of a gunicorn whose cache
and of one whose database are unreachable, which must answer 503 naming the check.
Every process it starts is stopped at the end.
"""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import harness  # noqa: E402

DB = "smoke_rehearsal"
PORT, BROKEN_PORT = 8770, 8771
SMTP_PORT = 8825
DEMO = "demo@example.com"
started: list[subprocess.Popen] = []


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def spawn(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        argv, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    started.append(process)
    return process


def stop_all() -> None:
    for process in reversed(started):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def health(base: str) -> tuple[int, dict]:
    response = harness.HttpClient(base).get("/healthz/")
    return response.status, json.loads(response.body)


def main() -> None:
    logs = harness.RESULTS / "rehearsal"
    logs.mkdir(parents=True, exist_ok=True)
    env = harness.production_env(
        DB,
        DATABASE_URL=f"{harness.PG_SERVER}/{DB}?connect_timeout=3",
        CACHE_URL="redis://127.0.0.1:6379/1?socket_connect_timeout=2&socket_timeout=2",
        TASKS_BACKEND="database",
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )
    python = harness.PYTHON

    step("release: migrate, createcachetable, load_guidance, collectstatic (fresh database "
         "smoke_rehearsal)")
    harness.recreate_database(DB)
    for command in (["migrate", "--noinput"], ["createcachetable"], ["load_guidance"],
                    ["collectstatic", "--noinput"], ["seed_demo"]):
        harness.manage(env, *command)
        print("   manage.py", " ".join(command), "ok")

    step("processes: SMTP sink, gunicorn, db_worker")
    smtp_log = logs / "smtp.log"
    spawn([python, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Debugging", "stdout",
           "-l", f"127.0.0.1:{SMTP_PORT}"], env, smtp_log)
    with harness.gunicorn({**env, "ACCESS_LOG": "-"}, PORT, log_path=logs / "web.log") as web:
        worker = spawn([python, "manage.py", "db_worker", "--queue-name", "*", "--no-reload",
                        "--interval", "0.5"], env, logs / "worker.log")
        print(f"   gunicorn {web.base} (pid {web.pid}), db_worker pid {worker.pid}")

        step("health, sign-in, dashboard over HTTP")
        print("   /healthz/ ->", *health(web.base))
        client = harness.sign_in(web.base, DEMO)
        page = client.get("/dashboard/")
        print(f"   signed in as {DEMO}; /dashboard/ -> {page.status}, {len(page.body):,} bytes")
        keys = subprocess.run(["redis-cli", "-n", "1", "--scan"],  # noqa: S607
                              capture_output=True, text=True, check=False).stdout.split()
        print(f"   Redis db 1 holds {len(keys)} keys (allauth rate limits live in the cache)")

        step("send_reminders: one sweep enqueues, db_worker delivers over SMTP")
        harness.django_shell(env, (
            "import datetime\n"
            "from django.utils import timezone\n"
            "from users.models import User\n"
            "from reminders.preferences import preference_for\n"
            "now = timezone.now()\n"
            f"pref = preference_for(User.objects.get(email={DEMO!r}), now)\n"
            "type(pref).objects.filter(pk=pref.pk).update(enabled=True, unsubscribed_at=None,"
            " next_digest_at=now - datetime.timedelta(minutes=1))\n"
        ))
        sweep = harness.manage(env, "send_reminders", capture=True)
        print("   " + sweep.strip().replace("\n", "\n   "))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and DEMO not in smtp_log.read_text():
            time.sleep(0.5)
        delivered = DEMO in smtp_log.read_text()
        subjects = [line for line in smtp_log.read_text().splitlines()
                    if line.startswith("Subject:")]
        print(f"   delivered to the SMTP sink: {delivered} {subjects[:1]}")

        step("JSON logs")
        lines = [json.loads(line) for line in (logs / "web.log").read_text().splitlines()
                 if line.startswith("{")]
        access = [x for x in lines if x.get("logger") == "gunicorn.access"]
        print(f"   web.log: {len(lines)} JSON lines, {len(access)} access lines; e.g.")
        print("   " + json.dumps(access[-1]) if access else "   (no access lines)")

    step("health when a dependency is down")
    for what, overrides in (
        ("cache", {"CACHE_URL": "redis://127.0.0.1:6390/1"}),
        ("database", {"DATABASE_URL": f"{harness.PG_SERVER}/smoke_no_such_db?connect_timeout=3"}),
    ):
        with harness.gunicorn({**env, **overrides}, BROKEN_PORT, workers=1,
                              log_path=logs / f"broken-{what}.log", wait=False) as broken:
            harness.wait_for(broken.base + "/healthz/", expect=503)
            print(f"   {what} unreachable: /healthz/ ->", *health(broken.base))

    stop_all()
    print(f"\nLogs in {logs.relative_to(ROOT)}/")
    if not delivered:
        sys.exit("the reminder email did not arrive")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
