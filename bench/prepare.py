"""Create the benchmark database and its users (drops and recreates it every time).

    .venv/bin/python bench/prepare.py [--db bench_dashboard]

Users (password demo-password-2024, all accounts live, none archived):
    bench-load-1@example.com      25 accounts  (bench_load.py, bench_weight.py)
    bench-scale-N-1@example.com   N accounts for N in 1, 25, 100, 500 (bench_scale.py)
and the ceiling reference's database, bench_ceiling, with its one user (bench_load.py).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ceiling_ref  # noqa: E402
import harness  # noqa: E402

LOAD_PREFIX = "bench-load"
LOAD_ACCOUNTS = 25
SCALE_SIZES = (1, 25, 100, 500)


def load_email() -> str:
    return f"{LOAD_PREFIX}-1@example.com"


def scale_prefix(size: int) -> str:
    return f"bench-scale-{size}"


def prepare(db: str) -> None:
    started = time.monotonic()
    env = harness.production_env(db)
    harness.prepare_database(env, db)
    harness.seed_user(env, LOAD_PREFIX, LOAD_ACCOUNTS)
    for size in SCALE_SIZES:
        harness.seed_user(env, scale_prefix(size), size)
    harness.log(f"prepared {db} in {time.monotonic() - started:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=harness.DEFAULT_DB)
    parser.add_argument("--ceiling-db", default=ceiling_ref.DEFAULT_DB)
    args = parser.parse_args()
    prepare(args.db)
    ceiling_ref.prepare(args.ceiling_db)  # bench_load.py's reference (bench/ceiling/)


if __name__ == "__main__":
    main()
