"""Audit-chain verification speed (`pelanggan audit verify`) on SQLite and PostgreSQL.

    python benchmarks/audit_verify.py --rows 1000000 [--database sqlite|postgres|both]

Goal (issue 3): ≥ 200,000 rows/s. Each database runs in its own process on a fresh database:
N hash-chained audit rows shaped like the real ones (record views, changes with nested values)
are bulk-inserted (COPY / executemany), then `verify_chain()` walks them; the table shows rows/s
for the verification (wall clock, and per CPU-second of the verifying process and its worker
processes: on a shared, busy machine the latter is the comparable figure; on PostgreSQL it leaves
out the server's share),
plus how fast `audit.record()` appends one row at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DEFAULT_PG, fresh_postgres, print_table, setup_django

CHUNK = 100_000


def _build(rows: int) -> float:
    from django.db import transaction

    from pelanggan.platform import audit
    from pelanggan.platform.bulk import db_value, insert_rows
    from pelanggan.platform.models import AuditEvent

    columns = audit._INSERT_COLUMNS
    start_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = audit.GENESIS_HASH
    started = time.perf_counter()
    for first in range(1, rows + 1, CHUNK):
        batch = []
        for seq in range(first, min(rows, first + CHUNK - 1) + 1):
            occurred = start_at + dt.timedelta(seconds=seq // 3, microseconds=(seq * 7919) % 10**6)
            if seq % 5:
                event, changes = "customers.record.viewed", {}
            else:
                event = "customers.terms.changed"
                changes = {"daya_va": {"old": 900, "new": 1300}, "reason": "PD 900 → 1.300 VA"}
            content = {
                "seq": seq,
                "occurred_at": occurred.isoformat(),
                "event_type": event,
                "actor_kind": "staff",
                "actor_id": 1000 + seq % 37,
                "actor_label": f"agent.{seq % 37}",
                "subject_type": "account",
                "subject_ids": [f"53110{seq:07d}"],
                "request_id": f"{seq:032x}",
                "changes": changes,
                "reason": "",
            }
            digest = audit.row_hash(prev_hash=prev, content=content)
            values = {
                **content,
                "occurred_at": db_value(occurred),
                "subject_ids": json.dumps(content["subject_ids"]),
                "changes": json.dumps(changes, sort_keys=True, separators=(",", ":")),
                "prev_hash": prev,
                "row_hash": digest,
            }
            batch.append(tuple(values[c] for c in columns))
            prev = digest
        with transaction.atomic():
            insert_rows(AuditEvent, columns, batch, returning_id=True)
    return time.perf_counter() - started


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the verification workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_one(database: str, rows: int, pg_url: str) -> dict[str, object]:
    url = fresh_postgres(pg_url, "pelanggan_bench_audit_h7") if database == "postgres" else None
    setup_django(database_url=url)
    from django.db import connection

    from pelanggan.platform import audit

    build_seconds = _build(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE platform_auditevent")
    timings, cpu = [], []
    for _ in range(2):  # the second run reads from a warm cache, like a routine nightly check
        started, started_cpu = time.perf_counter(), _cpu_seconds()
        report = audit.verify_chain(workers=audit.default_workers())  # as the CLI runs it
        timings.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - started_cpu)
        if not report.ok or report.rows_checked != rows:
            raise SystemExit(f"verification failed: {report}")
    audit.register("bench.audit.appended", "Benchmark event")
    appends = 2000
    started = time.perf_counter()
    for i in range(appends):
        audit.record(
            "bench.audit.appended",
            actor=audit.Actor("staff", 1, "agent.1"),
            subject_type="account",
            subject_ids=[i],
        )
    append_seconds = time.perf_counter() - started
    return {
        "database": database,
        "rows": rows,
        "build_seconds": build_seconds,
        "verify_cold": timings[0],
        "verify_warm": timings[1],
        "verify_warm_cpu": cpu[1],
        "appends_per_s": appends / append_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.database, args.rows, args.postgres_url)))
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        child = subprocess.run(  # noqa: S603 - this script, re-run per database
            [
                sys.executable,
                __file__,
                "--child",
                "--database",
                database,
                "--rows",
                str(args.rows),
                "--postgres-url",
                args.postgres_url,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print_table(
        f"Audit chain verification, {args.rows:,} rows (goal ≥ 200,000 rows/s)",
        [
            "database",
            "build s",
            "verify s (cold)",
            "rows/s (cold)",
            "rows/s (warm)",
            "rows/CPU-s (warm)",
            "appends/s",
        ],
        [
            [
                r["database"],
                round(r["build_seconds"], 1),
                round(r["verify_cold"], 2),
                int(r["rows"] / r["verify_cold"]),
                int(r["rows"] / r["verify_warm"]),
                int(r["rows"] / r["verify_warm_cpu"]),
                int(r["appends_per_s"]),
            ]
            for r in results
        ],
    )


if __name__ == "__main__":
    main()
