"""Print Markdown tables from bench/results/*.json (what BENCHMARKS.md is made from).

    .venv/bin/python bench/report.py                      # load, scale, weight
    .venv/bin/python bench/report.py --before load-before --after load   # one comparison
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


def read(label: str) -> dict | None:
    path = harness.RESULTS / f"{label}.json"
    return json.loads(path.read_text()) if path.exists() else None


def load_rows(label: str, data: dict) -> list[str]:
    rows = []
    for page, run in data["runs"].items():
        lat = run["latency_ms"]
        rows.append(
            f"| {label} | {page} (`{run['url'].split('127.0.0.1', 1)[1].split('/', 1)[1]}`) "
            f"| {run['rps']:,.0f} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} "
            f"| {run['non_2xx']} / {run['socket_errors']} | {run['bytes_per_response']:,} "
            f"| {run['others_cpu_share']:.0%} |"
        )
    for name, title in (("trivial_vs_ceiling", "trivial / ceiling"),
                        ("dashboard_vs_ceiling", "dashboard / ceiling"),
                        ("dashboard_vs_trivial", "dashboard / trivial")):
        if r := data.get("ratios", {}).get(name):
            rows.append(f"| {label} | **{title}** (median of rounds, range; pooled) "
                        f"| **{r['median']:.2f}** ({r['min']:.2f}-{r['max']:.2f}; "
                        f"{r['pooled']:.2f}) | | | | | | |")
    if "ratios" not in data:
        rows.append(f"| {label} | **ratio dashboard / trivial** | **{data['ratio']:.2f}** "
                    "| | | | | | |")
    return rows


def print_load(labels: list[str]) -> None:
    print("| run | page | req/s | p50 ms | p95 ms | p99 ms | non-2xx / socket errors "
          "| bytes/response | other processes' CPU |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in labels:
        if data := read(label):
            print("\n".join(load_rows(label, data)))
    print()


def print_scale(labels: list[str]) -> None:
    print("| run | accounts | median ms | p90 ms | CPU ms (this process) | queries | HTML bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label in labels:
        data = read(label)
        if not data:
            continue
        for path, m in data["trivial_page"].items():
            print(f"| {label} | trivial page `{path}` | {m['median_ms']:.2f} | {m['p90_ms']:.2f} "
                  f"| {m.get('cpu_median_ms', 0):.2f} | {m['queries']} | {m['html_bytes']:,} |")
        for size, m in data["dashboard"].items():
            print(f"| {label} | {size} | {m['median_ms']:.2f} | {m['p90_ms']:.2f} "
                  f"| {m.get('cpu_median_ms', 0):.2f} | {m['queries']} | {m['html_bytes']:,} |")
    print()


def print_weight(labels: list[str]) -> None:
    print("| run | requests | HTML bytes (as sent) | static bytes (compressed) "
          "| total with headers | HTML gzipped by a proxy | third-party URLs |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label in labels:
        data = read(label)
        if not data:
            continue
        statics = sum(s["body_bytes"] for s in data["statics"])
        print(f"| {label} | {data['requests']} | {data['html_bytes']:,} | {statics:,} "
              f"| {data['total_bytes']:,} | {data['html_gzipped_bytes']:,} "
              f"| {', '.join(data['third_party_urls']) or 'none'} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", nargs="*", default=["load-before", "load"])
    parser.add_argument("--scale", nargs="*", default=["scale-before", "scale"])
    parser.add_argument("--weight", nargs="*", default=["weight-before", "weight"])
    args = parser.parse_args()
    print_load(args.load)
    print_scale(args.scale)
    print_weight(args.weight)


if __name__ == "__main__":
    main()
