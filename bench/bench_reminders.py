"""Benchmark one full reminder sweep: digests per second and queries per digest.

    createdb -h 127.0.0.1 -U postgres bench_reminders        # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \\
        .venv/bin/python bench/bench_reminders.py --users 10000

What it does, every run:
1. migrates the database and seeds `--users` synthetic users with `--accounts` accounts
   each through `manage.py seed_demo --prefix bench-rem` (existing users are kept);
2. gives every bench user reminder preferences, a third of them due now (their
   `next_digest_at` just passed) and the rest due tomorrow, and deletes earlier logs;
3. starts a minimal SMTP sink (SinkProtocol below) on 127.0.0.1 in a separate process
   and points MAILERS at it;
4. waits (up to BENCH_QUIET_WAIT seconds) for the machine's CPUs to be mostly idle;
5. runs one sweep exactly as `send_reminders` does (ImmediateBackend: claim, render,
   send, record) and counts every SQL query it makes. `--processes 2` runs two
   sweepers at once, as two machines' cron jobs would; they split the users between
   them through FOR UPDATE SKIP LOCKED.

Besides digests per second it reports CPU time per digest: the sweepers', their
PostgreSQL backends' and the SMTP sink's, and how much CPU other processes took during
the run. On a shared machine the CPU figures move much less than the rate does.
`--profile out.txt` writes a pyinstrument profile of the (first) sweeper.

Production-like settings: DEBUG off, persistent connections, the SMTP backend. The
database must be PostgreSQL and its name must start with "bench": the script refuses the
`test` database (pytest's) and anything else.
"""

import argparse
import asyncio
import base64
import datetime
import multiprocessing
import os
import secrets
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-rem"
DUE_FRACTION = 1 / 3
DEFAULT_USERS = 10_000
DEFAULT_ACCOUNTS = 5
ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
SINK_READY_TIMEOUT = 10


def log(message: str) -> None:
    print(f"[bench_reminders] {message}", file=sys.stderr, flush=True)


# --- Environment ---------------------------------------------------------------------


def database_name(url: str) -> str:
    parsed = urlsplit(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://...).")
    name = parsed.path.lstrip("/")
    if not name.startswith("bench"):
        sys.exit(f"Refusing database {name!r}: use a scratch database named bench_*.")
    return name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure_environment(smtp_port: int) -> None:
    """Production settings with throwaway secrets, before Django reads them."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://guard.example.com",
        "TASKS_BACKEND": "immediate",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",  # one INFO line per task would cost more than the task
    })
    sys.path.insert(0, str(ROOT))


# --- The SMTP sink (a child process) ----------------------------------------------------


class SinkProtocol(asyncio.Protocol):
    """The smallest SMTP server a client can send to: it accepts every command, counts
    each message and keeps nothing. aiosmtpd, which the tests use, parses every command
    and took 2.5 ms of CPU per message, more than the sweeper being measured; a real
    mail server would be on another machine."""

    def __init__(self, received) -> None:
        self.received, self.buffer, self.in_data = received, b"", False

    def connection_made(self, transport) -> None:
        self.transport: Any = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    break
                self.buffer, self.in_data = self.buffer[end + 5:], False
                with self.received.get_lock():
                    self.received.value += 1
                replies.append(b"250 OK queued")
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                break
            self.buffer = rest
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(b"250-sink\r\n250 8BITMIME")
            elif verb == b"DATA":
                # A message's first line may follow at once; it then ends at "\r\n.\r\n".
                self.buffer, self.in_data = b"\r\n" + self.buffer, True
                replies.append(b"354 go ahead")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                replies.append(b"250 OK")
        if replies:
            self.transport.write(b"\r\n".join(replies) + b"\r\n")



def run_sink(port: int, received, ready) -> None:
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SinkProtocol(received), "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def start_sink(port: int):
    received = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=run_sink, args=(port, received, ready),
                                      daemon=True)
    process.start()
    if not ready.wait(SINK_READY_TIMEOUT):
        process.terminate()
        sys.exit("The SMTP sink didn't start.")
    return process, received


# --- Data ----------------------------------------------------------------------------


def seed(users: int, accounts: int) -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_guidance", verbosity=0)
    call_command("seed_demo", users=users, accounts=accounts, prefix=PREFIX, verbosity=0)
    log(f"seeded {users:,} users x {accounts} accounts in {time.monotonic() - started:.1f}s")


def make_a_third_due(users: int) -> int:
    """Fresh preferences for every bench user; every third one due a minute ago."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from reminders.models import ReminderLog, ReminderPreference

    now = timezone.now()
    ids = list(
        get_user_model().objects.filter(email__startswith=f"{PREFIX}-")
        .order_by("pk").values_list("pk", flat=True)[:users]
    )
    due_every = round(1 / DUE_FRACTION)
    rows = [
        ReminderPreference(
            user_id=user_id,
            time_zone=ZONES[n % len(ZONES)],
            hour=(now.hour + n) % 24,
            next_digest_at=now - datetime.timedelta(minutes=1) if n % due_every == 0
            else now + datetime.timedelta(days=1),
        )
        for n, user_id in enumerate(ids)
    ]
    with transaction.atomic():
        ReminderLog.objects.filter(user_id__in=ids).delete()
        ReminderPreference.objects.filter(user_id__in=ids).delete()
        ReminderPreference.objects.bulk_create(rows, batch_size=2000)
    return sum(1 for row in rows if row.next_digest_at and row.next_digest_at <= now)


# --- The measurement --------------------------------------------------------------------


class QueryCounter:
    """Counts every SQL statement (cheaper and unbounded, unlike DEBUG's query log)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def sweep(batch_size: int):
    from django.db import connection

    from reminders.sweep import run_sweep

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        report = run_sweep(batch_size=batch_size)
    return report, counter.count


def _ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _sweeper_process(batch_size: int, start, results, profile: str | None) -> None:
    import resource

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before = _ticks(backend)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
    start.wait()
    before = resource.getrusage(resource.RUSAGE_SELF)
    if profiler:
        profiler.start()
    report, queries = sweep(batch_size)
    if profiler and profile:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    backend_cpu = (_ticks(backend) - backend_before) / os.sysconf("SC_CLK_TCK")
    results.put((report.found, report.nothing_due, report.delivery.as_dict(), queries,
                 report.errors, cpu, backend_cpu))


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def parallel_sweeps(processes: int, batch_size: int, sink_pid: int,
                    profile: str | None = None) -> dict:
    """`processes` sweepers at once, as several machines running cron would; they share
    the work through FOR UPDATE SKIP LOCKED. Forked after closing this process's
    database connections, so each child opens its own."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes + 1), context.Queue()
    children = [
        context.Process(target=_sweeper_process,
                        args=(batch_size, start, results, profile if n == 0 else None))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    start.wait()
    sink_before, machine_before = _ticks(sink_pid), _machine_ticks()
    began = time.perf_counter()
    collected = [results.get() for _ in children]
    elapsed = time.perf_counter() - began
    machine_after, tick = _machine_ticks(), os.sysconf("SC_CLK_TCK")
    sink_cpu = (_ticks(sink_pid) - sink_before) / tick
    for child in children:
        child.join()
    total: dict[str, Any] = {"found": 0, "nothing_due": 0, "sent": 0, "failed": 0, "retrying": 0,
             "queries": 0, "errors": [], "elapsed": elapsed, "cpu": 0.0, "db_cpu": 0.0,
             "sink_cpu": sink_cpu}
    for found, nothing_due, delivery, queries, errors, cpu, db_cpu in collected:
        total["found"] += found
        total["nothing_due"] += nothing_due
        total["sent"] += delivery["sent"]
        total["failed"] += delivery["failed"]
        total["retrying"] += delivery["retrying"]
        total["queries"] += queries
        total["errors"] += errors
        total["cpu"] += cpu
        total["db_cpu"] += db_cpu
    busy = (machine_after[0] - machine_before[0]) / tick
    capacity = (machine_after[1] - machine_before[1]) / tick
    ours = total["cpu"] + total["db_cpu"] + sink_cpu
    total["others_share"] = max(0.0, busy - ours) / max(capacity, 1e-9)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument(
        "--processes", type=int, default=1,
        help="sweepers running at once, as on several machines (default 1)",
    )
    parser.add_argument("--profile", help="write a pyinstrument profile of a sweeper here")
    parser.add_argument("--quiet-below", type=float, default=0.25,
                        help="wait until other work keeps the CPUs below this share")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    db = database_name(url)
    port = free_port()
    sink, received = start_sink(port)
    configure_environment(port)

    import django

    django.setup()
    seed(args.users, args.accounts)
    due = make_a_third_due(args.users)
    log(f"{due:,} of {args.users:,} users due; sweeping with batches of {args.batch_size}")

    sys.path.insert(0, str(ROOT / "bench"))
    from harness import wait_until_quiet

    busy_before = wait_until_quiet(args.quiet_below)
    result = parallel_sweeps(args.processes, args.batch_size, sink.pid, args.profile)
    sink.terminate()
    sent, elapsed = result["sent"], result["elapsed"]
    per_digest = {name: 1000 * result[name] / max(sent, 1)
                  for name in ("cpu", "db_cpu", "sink_cpu")}
    print(f"database            {db} (PostgreSQL), {args.users:,} users x {args.accounts} "
          f"accounts, {args.processes} sweeper process(es), batches of {args.batch_size}")
    print(f"users due           {result['found']:,}")
    print(f"digests sent        {sent:,}  (SMTP sink received {received.value:,})")
    print(f"nothing due         {result['nothing_due']:,}")
    print(f"failed / retrying   {result['failed']} / {result['retrying']}")
    print(f"elapsed             {elapsed:.2f} s")
    print(f"digests per second  {sent / elapsed:.0f}")
    print(f"queries             {result['queries']:,} total, "
          f"{result['queries'] / max(sent, 1):.2f} per digest")
    print(f"CPU ms per digest   sweeper {per_digest['cpu']:.2f}, its PostgreSQL backend "
          f"{per_digest['db_cpu']:.2f}, SMTP sink {per_digest['sink_cpu']:.2f}")
    print(f"one sweeper's CPU   {1000 / max(per_digest['cpu'], 1e-9):.0f} digests/s if it "
          "never waited")
    print(f"other processes     {busy_before:.0%} of the CPUs busy before, "
          f"{result['others_share']:.0%} during the run")
    print(f"load average        {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if result["errors"]:
        sys.exit("Delivery tasks failed:\n" + "\n".join(result["errors"]))


if __name__ == "__main__":
    main()
