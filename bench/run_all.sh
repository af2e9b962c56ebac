#!/usr/bin/env bash
# Every dashboard benchmark against a fresh bench_dashboard database (about 4 minutes on
# a quiet machine; longer when other work makes the load test wait or repeat).
# Results: bench/results/{scale,weight,load}.json, tables: bench/report.py.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0
"$PY" bench/prepare.py || exit 1
"$PY" bench/bench_scale.py --skip-prepare || status=1
"$PY" bench/bench_weight.py --skip-prepare || status=1
"$PY" bench/bench_load.py --skip-prepare || status=1
[ "$status" -eq 0 ] || echo "run_all: at least one target was missed (see above)"
exit "$status"
