"""Pages under load beside the framework ceiling: gunicorn (sync, one worker per core,
production settings) and wrk, on three pages in the same run:

- ceiling: the reference in bench/ceiling/ (a minimal Django project in this venv:
  startproject's middleware, database sessions, auth, a login_required view rendering
  a tiny template), on its own gunicorn with the same configuration;
- trivial: our archived-accounts page with nothing archived (login required, the base
  layout, one small query);
- dashboard: our dashboard for a user with 25 accounts.

Each page gets --duration seconds at --connections connections, in --slices rounds of
one slice per page; the order rotates every round (A B C, C A B, B C A, ...) so other
work on a shared machine hits every page alike. Ratios are computed per round (a page's
slice over the ceiling's slice of the same round) and reported as median, min and max,
beside the ratio of the pooled totals.

    .venv/bin/python bench/bench_load.py [--duration 60] [--connections 20] [--slices 6]
                                         [--skip-prepare]

Writes bench/results/load.json and prints a summary.
"""

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ceiling_ref  # noqa: E402
import harness  # noqa: E402
import prepare  # noqa: E402

DASHBOARD = "/dashboard/"
TRIVIAL = "/accounts/archived/"
WARMUP_SECONDS = 5
# Targets from issue 15: our pages as a share of the ceiling's req/s.
MIN_TRIVIAL_VS_CEILING = 0.70
MIN_DASHBOARD_VS_CEILING = 0.30
MAX_HTML_BYTES = 40 * 1024


def check_pages(client: harness.HttpClient, ceiling: harness.HttpClient) -> dict:
    """Every page answers 200 signed in, with what the benchmark claims to measure."""
    dashboard = client.get(DASHBOARD)
    trivial = client.get(TRIVIAL)
    reference = ceiling.get(ceiling_ref.PAGE)
    rows = len(re.findall(rb'<tr id="account-\d+"', dashboard.body))
    if dashboard.status != 200 or rows != prepare.LOAD_ACCOUNTS:
        raise SystemExit(f"dashboard: status {dashboard.status}, {rows} account rows")
    if trivial.status != 200 or b"No archived accounts." not in trivial.body:
        raise SystemExit(f"trivial page: status {trivial.status} or archived accounts shown")
    if reference.status != 200 or ceiling_ref.EMAIL.encode() not in reference.body:
        raise SystemExit(f"ceiling page: status {reference.status}, not signed in")
    return {"dashboard_html_bytes": len(dashboard.body), "trivial_html_bytes": len(trivial.body),
            "ceiling_html_bytes": len(reference.body), "dashboard_rows": rows}


def measure(pages: list[tuple[str, harness.Server, str, str, str]], args) -> dict:
    """Every page for `args.duration` seconds, in `args.slices` rounds of one slice each,
    rotating the order every round. pages: (label, server, path, cookie, database)."""
    for _, server, path, cookie, _ in pages:
        harness.wrk(server.base + path, cookie, WARMUP_SECONDS, args.connections)
    busy = harness.wait_until_quiet()
    seconds = args.duration // args.slices
    harness.log(f"wrk: {args.slices} rounds x {seconds}s per page, rotating, "
                f"{args.connections} connections")
    slices: dict[str, list[dict]] = {page[0]: [] for page in pages}
    for i in range(args.slices):
        shift = i % len(pages)
        order = pages[shift:] + pages[:shift]
        for label, server, path, cookie, db in order if i % 2 == 0 else order[::-1]:
            with harness.CpuMeter(server.pid, db) as meter:
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


def ratio_stats(runs: dict, page: str, reference: str) -> dict:
    """page / reference: of the pooled totals, and per round (median, min, max)."""
    pairs = zip(runs[page].get("per_slice_rps", []), runs[reference].get("per_slice_rps", []),
                strict=True)
    per_round = [round(a / b, 3) for a, b in pairs]
    pooled = runs[page]["rps"] / runs[reference]["rps"]
    if not per_round:
        per_round = [round(pooled, 3)]
    return {"pooled": round(pooled, 3), "median": round(statistics.median(per_round), 3),
            "min": min(per_round), "max": max(per_round), "per_round": per_round}


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
    parser.add_argument("--ceiling-db", default=ceiling_ref.DEFAULT_DB)
    parser.add_argument("--duration", type=int, default=60, help="seconds per page")
    parser.add_argument("--slices", type=int, default=6,
                        help="rounds, one slice of every page each (1: one run each)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, help="default: one per core")
    parser.add_argument("--port", type=int, default=harness.DEFAULT_PORT)
    parser.add_argument("--skip-prepare", action="store_true",
                        help="reuse the databases from bench/prepare.py and an earlier run")
    parser.add_argument("--label", default="load", help="result file name (bench/results/)")
    parser.add_argument("--attempts", type=int, default=3,
                        help="repeat the run while other processes disturb it (default 3)")
    parser.add_argument("--max-disturbance", type=float, default=0.10,
                        help="CPU share other processes may take during a clean run")
    args = parser.parse_args()
    if args.slices < 1 or args.duration % args.slices:
        parser.error("--duration must be a multiple of --slices")

    if not args.skip_prepare:
        prepare.prepare(args.db)
        ceiling_ref.prepare(args.ceiling_db)
    env = harness.production_env(args.db)
    harness.RESULTS.mkdir(exist_ok=True)
    app_log = harness.RESULTS / f"{args.label}-gunicorn.log"
    ceiling_log = harness.RESULTS / f"{args.label}-ceiling-gunicorn.log"
    with harness.gunicorn(env, args.port, args.workers, app_log) as server, \
            ceiling_ref.server(args.ceiling_db, args.port + 1, args.workers,
                               ceiling_log) as reference:
        client = harness.sign_in(server.base, prepare.load_email())
        ceiling_client = ceiling_ref.sign_in(reference.base)
        pages = check_pages(client, ceiling_client)
        # wrk sends every cookie the browser holds once it has shown a page after signing
        # in (the session, the CSRF cookie; the "signed in" message cookie is gone by
        # then), so no page sets a fresh cookie or shows a message on every answer.
        cookies = {}
        for label, c in (("app", client), ("ceiling", ceiling_client)):
            assert harness.session_cookie(c) is not None  # sign_in() raises otherwise
            cookies[label] = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        harness.log(f"signed in over HTTP to both servers; cookies: "
                    f"{[k for k in client.cookies]}, {[k for k in ceiling_client.cookies]}")
        plan = [
            ("ceiling", reference, ceiling_ref.PAGE, cookies["ceiling"], args.ceiling_db),
            ("trivial", server, TRIVIAL, cookies["app"], args.db),
            ("dashboard", server, DASHBOARD, cookies["app"], args.db),
        ]
        best = None
        for attempt in range(1, args.attempts + 1):
            runs = measure(plan, args)
            disturbance = max(run["others_cpu_share"] for run in runs.values())
            if best is None or disturbance < best[0]:
                best = (disturbance, attempt, runs)
            if disturbance <= args.max_disturbance:
                break
            harness.log(f"attempt {attempt}: other processes took {disturbance:.0%} of the "
                        "CPUs during a run")
        assert best is not None  # --attempts is at least 1
        disturbance, attempt, runs = best
        check_pages(client, ceiling_client)  # the sessions survived the run

    ratios = {
        "trivial_vs_ceiling": ratio_stats(runs, "trivial", "ceiling"),
        "dashboard_vs_ceiling": ratio_stats(runs, "dashboard", "ceiling"),
        "dashboard_vs_trivial": ratio_stats(runs, "dashboard", "trivial"),
    }
    errors = sum(r["non_2xx"] + r["socket_errors"] for r in runs.values())
    trivial, dashboard = ratios["trivial_vs_ceiling"], ratios["dashboard_vs_ceiling"]
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
        "ratios": ratios,
        "ratio": ratios["dashboard_vs_trivial"]["pooled"],
        "targets": {
            "trivial_vs_ceiling_at_least": MIN_TRIVIAL_VS_CEILING,
            "trivial_met": trivial["median"] >= MIN_TRIVIAL_VS_CEILING,
            "dashboard_vs_ceiling_at_least": MIN_DASHBOARD_VS_CEILING,
            "dashboard_met": dashboard["median"] >= MIN_DASHBOARD_VS_CEILING,
            "no_errors": errors == 0,
            "html_under_bytes": MAX_HTML_BYTES,
            "html_met": pages["dashboard_html_bytes"] < MAX_HTML_BYTES,
        },
    }
    harness.save_result(args.label, result)
    for label in ("ceiling", "trivial", "dashboard"):
        print(summary_line(label, runs[label]))
    for name, r in ratios.items():
        print(f"{name:<22} pooled {r['pooled']:.3f}  median {r['median']:.3f}  "
              f"range {r['min']:.3f}-{r['max']:.3f}  rounds {r['per_round']}")
    print(f"targets: trivial >= {MIN_TRIVIAL_VS_CEILING}, dashboard >= "
          f"{MIN_DASHBOARD_VS_CEILING} of the ceiling (median of rounds); dashboard HTML "
          f"{pages['dashboard_html_bytes']:,} bytes (target < {MAX_HTML_BYTES:,})")
    if not all(v for k, v in result["targets"].items() if k.endswith(("_met", "errors"))):
        print("TARGET MISSED")
        sys.exit(1)


if __name__ == "__main__":
    main()
