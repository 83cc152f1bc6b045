"""What personal-data encryption costs on the DIL import, measured in one run.

    python benchmarks/encryption_cost.py --customers 50000 [--database sqlite|postgres|both]

The same generated extract is imported with the foundation's import benchmark
(`import_customers.run_one`: fresh database, full import, idempotent re-import) twice per
database: once as in production (AES-256-GCM per value, HMAC blind indexes) and once inside
`crypto.plaintext_for_benchmark()`, where values are stored as they are and the index columns
hold the plain normalised value. Each run is its own process on a fresh database; the modes
alternate (`--repeat` times) and the best time of each counts, so a busy machine skews both. Goal
(issue 3): encrypted ≤ 2 × plain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import import_customers
from _common import DEFAULT_PG, fresh_postgres, print_table

DATABASE_NAME = "pelanggan_bench_encryption_cost"


def run_child(database: str, csv_path: Path, pg_url: str, *, plaintext: bool) -> dict[str, object]:
    # Our own database name, so a concurrent import benchmark is never dropped under us.
    import_customers.fresh_postgres = lambda url, _name: fresh_postgres(url, DATABASE_NAME)
    if not plaintext:
        result = import_customers.run_one(database, csv_path, pg_url)
    else:
        from pelanggan.platform import crypto

        with crypto.plaintext_for_benchmark():
            result = import_customers.run_one(database, csv_path, pg_url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM customers_person ORDER BY id LIMIT 1")
        stored = cursor.fetchone()[0]
    if stored.startswith("enc1:") == plaintext:
        raise SystemExit(f"plaintext={plaintext} but the stored value says otherwise")
    return {**result, "plaintext": plaintext}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs; best counts")
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plaintext", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_child(args.database, args.csv, args.postgres_url, plaintext=args.plaintext)
        print(json.dumps(result))
        return
    from pelanggan.customers.synthetic import generate_dil, write_csv

    csv_path = Path(tempfile.mkdtemp(prefix="pelanggan-bench-")) / "dil.csv"
    started = time.perf_counter()
    write_csv(
        csv_path, generate_dil(customers=args.customers, seed=7, as_of=dt.date(2026, 11, 22)).rows
    )
    print(f"generated {args.customers} rows in {time.perf_counter() - started:.1f} s")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    table = []
    for database in databases:
        seconds: dict[bool, float] = {}
        for plaintext in [False, True] * max(1, args.repeat):
            command = [sys.executable, __file__, "--child", "--database", database]
            command += ["--csv", str(csv_path), "--postgres-url", args.postgres_url]
            command += ["--plaintext"] if plaintext else []
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            child = subprocess.run(  # noqa: S603 - this script, re-run per mode
                command, check=True, capture_output=True, text=True, env=env
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            seconds[plaintext] = min(seconds.get(plaintext, float("inf")), result["seconds"])
        ratio = seconds[False] / seconds[True]
        table.append(
            [
                database,
                args.customers,
                round(seconds[False], 1),
                round(seconds[True], 1),
                round(args.customers / seconds[False]),
                round(args.customers / seconds[True]),
                f"{ratio:.2f}×",
                "≤ 2×",
            ]
        )
    print_table(
        "DIL import: encrypted (AES-256-GCM + HMAC blind indexes) vs plain text",
        ["database", "customers", "enc s", "plain s", "enc/s", "plain/s", "ratio", "goal"],
        table,
    )


if __name__ == "__main__":
    main()
