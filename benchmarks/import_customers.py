"""Import speed of a DIL extract, encryption included, into SQLite and PostgreSQL.

    python benchmarks/import_customers.py --customers 200000 [--database sqlite|postgres|both]

Goal (issue 2): ≥ 5,000 customers/s on this 2-core machine into each database. Each database is
measured in its own process on a fresh database; the table shows customers/s for the whole
import (validation + encryption + writes) and for validation alone.
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

from _common import DEFAULT_PG, fresh_postgres, print_table, setup_django


def run_one(database: str, csv_path: Path, pg_url: str) -> dict[str, object]:
    url = fresh_postgres(pg_url, "pelanggan_bench_import") if database == "postgres" else None
    setup_django(database_url=url)
    from pelanggan.customers.services import clean_record, import_dil
    from pelanggan.customers.services.importer import _rows
    from pelanggan.customers.synthetic import DEMO_UNITS
    from pelanggan.platform import audit
    from pelanggan.security.services import ensure_unit

    for unit in DEMO_UNITS:
        ensure_unit(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            parent_code=unit.parent_code,
            idpel_prefix=unit.idpel_prefix or "",
        )
    rows = [row for _, row in _rows(csv_path)]
    today = dt.date(2026, 11, 22)
    started = time.perf_counter()
    for row in rows:
        clean_record(row, today=today)
    validate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = import_dil(path=csv_path, partial=False, actor=audit.Actor.system("bench"))
    seconds = time.perf_counter() - started
    if not report.committed or report.rows_created != len(rows):
        raise SystemExit(f"import failed: {report.problems[:3]}")
    started = time.perf_counter()
    again = import_dil(path=csv_path, partial=False, actor=audit.Actor.system("bench"))
    reimport_seconds = time.perf_counter() - started
    if again.rows_created or again.rows_unchanged != len(rows):
        raise SystemExit("re-import changed data")
    return {
        "database": database,
        "rows": len(rows),
        "seconds": seconds,
        "validate_seconds": validate_seconds,
        "reimport_seconds": reimport_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.database, args.csv, args.postgres_url)))
        return
    from pelanggan.customers.synthetic import generate_dil, write_csv

    csv_path = Path(tempfile.mkdtemp(prefix="pelanggan-bench-")) / "dil.csv"
    started = time.perf_counter()
    write_csv(
        csv_path, generate_dil(customers=args.customers, seed=7, as_of=dt.date(2026, 11, 22)).rows
    )
    print(f"generated {args.customers} rows in {time.perf_counter() - started:.1f} s -> {csv_path}")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        output = (
            subprocess.run(  # noqa: S603 - our own script
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--database",
                    database,
                    "--csv",
                    str(csv_path),
                    "--postgres-url",
                    args.postgres_url,
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        results.append(json.loads(output))
    rows = [
        [
            r["database"],
            r["rows"],
            round(r["seconds"], 1),
            round(r["rows"] / r["seconds"]),
            round(r["rows"] / r["validate_seconds"]),
            round(r["reimport_seconds"], 1),
            "≥ 5000",
        ]
        for r in results
    ]
    print_table(
        "DIL import (validation + AES-256-GCM encryption + blind indexes + writes)",
        ["database", "customers", "seconds", "customers/s", "validated/s", "re-import s", "goal/s"],
        rows,
    )


if __name__ == "__main__":
    main()
