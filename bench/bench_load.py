"""Dashboard under load: gunicorn (sync, one worker per core, production settings) and
wrk, on the dashboard of a user with 25 accounts and on a trivial signed-in page of the
same app (the archived-accounts page with nothing archived: one small query, the base
layout and a line of text), in the same run so the ratio compares like with like.
Each page gets --duration seconds at --connections connections, by default in six
alternating 10-second slices whose latency distributions are merged (see README).

    .venv/bin/python bench/bench_load.py [--duration 60] [--connections 20] [--slices 6]
                                         [--skip-prepare]

Writes bench/results/load.json and prints a summary.
"""

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import prepare  # noqa: E402

DASHBOARD = "/dashboard/"
TRIVIAL = "/accounts/archived/"
WARMUP_SECONDS = 5
# Targets from the issue.
MIN_RATIO = 0.25
MAX_HTML_BYTES = 40 * 1024


def check_pages(client: harness.HttpClient) -> dict:
    """Both pages answer 200 signed in, with what the benchmark claims to measure."""
    dashboard = client.get(DASHBOARD)
    trivial = client.get(TRIVIAL)
    rows = len(re.findall(rb'<tr id="account-\d+"', dashboard.body))
    if dashboard.status != 200 or rows != prepare.LOAD_ACCOUNTS:
        raise SystemExit(f"dashboard: status {dashboard.status}, {rows} account rows")
    if trivial.status != 200 or b"No archived accounts." not in trivial.body:
        raise SystemExit(f"trivial page: status {trivial.status} or archived accounts shown")
    return {"dashboard_html_bytes": len(dashboard.body), "trivial_html_bytes": len(trivial.body),
            "dashboard_rows": rows}


def measure_pair(server: harness.Server, cookie: str, args) -> dict:
    """Both pages for `args.duration` seconds each, in `args.slices` alternating slices
    (A B B A A B ...), so that other work on a shared machine hits both alike."""
    pages = [("dashboard", DASHBOARD), ("trivial", TRIVIAL)]
    for _, path in pages:
        harness.wrk(server.base + path, cookie, WARMUP_SECONDS, args.connections)
    busy = harness.wait_until_quiet()
    seconds = args.duration // args.slices
    harness.log(f"wrk: {args.slices} x {seconds}s per page, alternating, "
                f"{args.connections} connections")
    slices: dict[str, list[dict]] = {label: [] for label, _ in pages}
    for i in range(args.slices):
        for label, path in pages if i % 2 == 0 else pages[::-1]:
            with harness.CpuMeter(server.pid, args.db) as meter:
                run = harness.wrk(server.base + path, cookie, seconds, args.connections)
            run.update(ours_cpu_share=meter.ours_share, others_cpu_share=meter.others_share)
            slices[label].append(run)
    runs = {}
    for label, parts in slices.items():
        merged = harness.merge_wrk(parts)
        merged.update(
            cpu_busy_before=busy,
            ours_cpu_share=round(sum(p["ours_cpu_share"] for p in parts) / len(parts), 3),
            others_cpu_share=round(sum(p["others_cpu_share"] for p in parts) / len(parts), 3),
        )
        if len(parts) > 1:
            merged["per_slice_others_cpu_share"] = [p["others_cpu_share"] for p in parts]
        runs[label] = merged
    return runs


def summary_line(name: str, run: dict) -> str:
    lat = run["latency_ms"]
    return (f"{name:<10} {run['rps']:>8.1f} req/s  p50 {lat['p50']:>6.1f} ms  "
            f"p95 {lat['p95']:>6.1f} ms  p99 {lat['p99']:>6.1f} ms  "
            f"non-2xx {run['non_2xx']}  socket errors {run['socket_errors']}  "
            f"{run['bytes_per_response']} B/response  "
            f"(other processes: {run['others_cpu_share']:.0%} CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=harness.DEFAULT_DB)
    parser.add_argument("--duration", type=int, default=60, help="seconds per page")
    parser.add_argument("--slices", type=int, default=6,
                        help="alternate the pages in this many slices (1: one run each)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, help="default: one per core")
    parser.add_argument("--port", type=int, default=harness.DEFAULT_PORT)
    parser.add_argument("--skip-prepare", action="store_true",
                        help="reuse the database from bench/prepare.py")
    parser.add_argument("--label", default="load", help="result file name (bench/results/)")
    parser.add_argument("--attempts", type=int, default=3,
                        help="repeat the pair while other processes disturb it (default 3)")
    parser.add_argument("--max-disturbance", type=float, default=0.10,
                        help="CPU share other processes may take during a clean run")
    args = parser.parse_args()
    if args.slices < 1 or args.duration % args.slices:
        parser.error("--duration must be a multiple of --slices")

    if not args.skip_prepare:
        prepare.prepare(args.db)
    env = harness.production_env(args.db)
    log_path = harness.RESULTS / f"{args.label}-gunicorn.log"
    harness.RESULTS.mkdir(exist_ok=True)
    with harness.gunicorn(env, args.port, args.workers, log_path) as server:
        client = harness.sign_in(server.base, prepare.load_email())
        session = harness.session_cookie(client)
        assert session is not None  # sign_in() raises when there is none
        name, value = session
        cookie = f"{name}={value}"
        harness.log(f"signed in over HTTP; wrk sends the cookie {name}")
        pages = check_pages(client)
        best = None
        for attempt in range(1, args.attempts + 1):
            runs = measure_pair(server, cookie, args)
            disturbance = max(run["others_cpu_share"] for run in runs.values())
            if best is None or disturbance < best[0]:
                best = (disturbance, attempt, runs)
            if disturbance <= args.max_disturbance:
                break
            harness.log(f"attempt {attempt}: other processes took {disturbance:.0%} of the "
                        "CPUs during a run")
        assert best is not None  # --attempts is at least 1
        disturbance, attempt, runs = best
        check_pages(client)  # the session survived the run

    ratio = runs["dashboard"]["rps"] / runs["trivial"]["rps"]
    errors = sum(r["non_2xx"] + r["socket_errors"] for r in runs.values())
    result = {
        "machine": harness.machine(),
        "workers": args.workers or "one per core",
        "slices": args.slices,
        "accounts": prepare.LOAD_ACCOUNTS,
        "trivial_page": TRIVIAL,
        **pages,
        "runs": runs,
        "attempt": attempt,
        "others_cpu_share_max": disturbance,
        "clean": disturbance <= args.max_disturbance,
        "ratio": round(ratio, 3),
        "targets": {
            "ratio_at_least": MIN_RATIO, "ratio_met": ratio >= MIN_RATIO,
            "no_errors": errors == 0,
            "html_under_bytes": MAX_HTML_BYTES,
            "html_met": pages["dashboard_html_bytes"] < MAX_HTML_BYTES,
        },
    }
    harness.save_result(args.label, result)
    print(summary_line("dashboard", runs["dashboard"]))
    print(summary_line("trivial", runs["trivial"]))
    print(f"ratio dashboard/trivial = {ratio:.3f} (target >= {MIN_RATIO}); "
          f"dashboard HTML {pages['dashboard_html_bytes']:,} bytes (target < {MAX_HTML_BYTES:,})")
    if not all(v for k, v in result["targets"].items() if k.endswith(("_met", "errors"))):
        print("TARGET MISSED")
        sys.exit(1)


if __name__ == "__main__":
    main()
