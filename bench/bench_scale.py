"""Dashboard at scale: the same page for users with 1, 25, 100 and 500 accounts, on
PostgreSQL with production settings, measured in-process with Django's test client
(median of --repeat requests after a warm-up) and its queries counted with
CaptureQueriesContext. The query count must not grow with the accounts, and the time
no faster than linearly.

    .venv/bin/python bench/bench_scale.py [--repeat 50] [--skip-prepare] [--profile 25]

--profile N prints a pyinstrument profile of the dashboard for the N-account user
(needs `pip install pyinstrument`; not a project dependency).
Writes bench/results/scale.json and prints a table.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import prepare  # noqa: E402

DASHBOARD = "/dashboard/"
TRIVIAL = "/accounts/archived/"
WARMUP = 5


def setup_django(db: str) -> None:
    os.environ.update(harness.production_env(db, ALLOWED_HOSTS="127.0.0.1"))
    sys.path.insert(0, str(harness.ROOT))
    import django

    django.setup()


def measure(client, path: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    # Copy now: the next request clears the connection's query log.
    queries = [q["sql"] for q in captured.captured_queries]
    timings, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p90_ms": round(statistics.quantiles(timings, n=10)[-1], 2),
        # This process's CPU only (not PostgreSQL's): steadier on a busy machine.
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "queries": len(queries),
        "sql": queries,
        "html_bytes": len(response.content),
        "rows": response.content.count(b'<tr id="account-'),
    }


def signed_in_client(email: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(email=email))
    return client


def profile(size: int, repeat: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs: .venv/bin/pip install pyinstrument") from None
    client = signed_in_client(f"{prepare.scale_prefix(size)}-1@example.com")
    for _ in range(WARMUP):
        client.get(DASHBOARD)
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(repeat):
            client.get(DASHBOARD)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=harness.DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--skip-prepare", action="store_true")
    parser.add_argument("--profile", type=int, metavar="N", help="profile the N-account user")
    parser.add_argument("--label", default="scale")
    args = parser.parse_args()

    if not args.skip_prepare:
        prepare.prepare(args.db)
    busy = harness.wait_until_quiet()
    setup_django(args.db)
    if args.profile:
        profile(args.profile, args.repeat)
        return

    baseline = measure(signed_in_client(prepare.load_email()), TRIVIAL, args.repeat)
    sizes = {}
    for size in prepare.SCALE_SIZES:
        client = signed_in_client(f"{prepare.scale_prefix(size)}-1@example.com")
        sizes[size] = measure(client, DASHBOARD, args.repeat)
        assert sizes[size]["rows"] == size, (size, sizes[size]["rows"])

    first, last = sizes[prepare.SCALE_SIZES[0]], sizes[prepare.SCALE_SIZES[-1]]
    counts = {m["queries"] for m in sizes.values()}
    # Linear at worst: time per extra account at 500 no more than at 25 (plus noise).
    per_account = {
        size: (m["median_ms"] - first["median_ms"]) / (size - 1)
        for size, m in sizes.items() if size > 1
    }
    result = {
        "machine": harness.machine(),
        "repeat": args.repeat,
        "cpu_busy_before": busy,
        "trivial_page": {TRIVIAL: baseline},
        "dashboard": {str(size): m for size, m in sizes.items()},
        "ms_per_extra_account": {str(k): round(v, 3) for k, v in per_account.items()},
        "queries_flat": len(counts) == 1,
        "growth_at_most_linear": per_account[prepare.SCALE_SIZES[-1]]
        <= 1.2 * max(per_account.values()),
        "time_ratio_last_first": round(last["median_ms"] / first["median_ms"], 1),
    }
    harness.save_result(args.label, result)
    print(f"{'page':<24} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>7} {'queries':>8} "
          f"{'HTML bytes':>11}")
    rows = [(f"trivial ({TRIVIAL})", baseline)]
    rows += [(f"dashboard, {size} acc.", m) for size, m in sizes.items()]
    for name, m in rows:
        print(f"{name:<24} {m['median_ms']:>10.2f} {m['p90_ms']:>8.2f} {m['cpu_median_ms']:>7.2f} "
              f"{m['queries']:>8} {m['html_bytes']:>11,}")
    print("ms per extra account:", result["ms_per_extra_account"])
    print(f"queries flat: {result['queries_flat']}; "
          f"growth at most linear: {result['growth_at_most_linear']}")
    if not (result["queries_flat"] and result["growth_at_most_linear"]):
        print("TARGET MISSED")
        sys.exit(1)


if __name__ == "__main__":
    main()
