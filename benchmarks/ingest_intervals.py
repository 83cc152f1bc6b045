"""Ingestion speed and memory: bare DuckDB CSV→Parquet COPY versus ``ingest_file`` with VEE
validation into a fresh lake, on the same generated CSV of canonical readings.

Goals (issue #4): ingest_file reaches at least half the rows/s of the bare COPY, and the
ingesting process peaks under 1 GiB resident. Each measurement runs in its own child process so
that ``ru_maxrss`` of one does not hide the other.

    .venv/bin/python benchmarks/ingest_intervals.py --rows 10000000
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# literals we generate, so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 0.5
GOAL_RSS_MIB = 1024


def generate(path: Path, rows: int, threads: int) -> None:
    """Write ``rows`` canonical 15-minute readings (WIB offsets, 2 000 meters) with DuckDB."""
    import duckdb

    meters = 2000
    per_meter = -(-rows // meters)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""
        COPY (
          SELECT printf('52%09d', m) AS meter_number,
                 strftime(TIMESTAMP '2024-01-01 00:00:00' + to_minutes(15 * i),
                          '%Y-%m-%dT%H:%M:%S') || '+07:00' AS interval_start,
                 15 AS interval_minutes,
                 round(0.05 + ((m * 7919 + i * 104729) % 1000) / 1000.0, 3) AS kwh
          FROM range({meters}) r(m), range({per_meter}) s(i)
          WHERE m * {per_meter} + i < {rows}
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    con.close()


def child_copy(csv_path: str, out_dir: str, memory_limit: str, threads: int) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{out_dir}/x.parquet' (FORMAT parquet)"
    )
    return {"seconds": time.perf_counter() - started}


def child_ingest(csv_path: str, out_dir: str, memory_limit: str, threads: int) -> dict[str, float]:
    from datetime import UTC, datetime

    sys.path.insert(0, str(ROOT))  # run as a script: the repository root is not on the path
    from pipelines.intervals.ingest import ingest_file

    started = time.perf_counter()
    report = ingest_file(
        csv_path,
        lake_dir=Path(out_dir) / "lake",
        source_name="benchmark",
        as_of=datetime(2030, 1, 1, tzinfo=UTC),
        memory_limit=memory_limit,
        threads=threads,
    )
    seconds = time.perf_counter() - started
    if report.rows_rejected or report.conflicts:
        raise SystemExit(f"benchmark data should be clean: {report.rejected_by_reason}")
    return {"seconds": seconds, "landed": float(report.rows_landed)}


def run_child(kind: str, csv_path: Path, memory_limit: str, threads: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; return its timings and peak RSS (MiB)."""
    out_dir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    try:
        result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, __file__, "--child", kind, "--csv", str(csv_path),
             "--out", str(out_dir), "--memory-limit", memory_limit, "--threads", str(threads)],
            check=False, capture_output=True, text=True, cwd=ROOT,
        )
        if result.returncode != 0:
            raise SystemExit(f"{kind} failed:\n{result.stderr}")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="512MB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", choices=["copy", "ingest"])
    parser.add_argument("--csv")
    parser.add_argument("--out")
    args = parser.parse_args()

    if args.child:
        run = child_copy if args.child == "copy" else child_ingest
        result = run(args.csv, args.out, args.memory_limit, args.threads)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-intervals-"))
    try:
        csv_path = work / "readings.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows, args.threads)
        size_mib = csv_path.stat().st_size / 2**20
        print(f"generated {args.rows:,} readings ({size_mib:,.0f} MiB) "
              f"in {time.perf_counter() - started:.1f} s")
        copy = run_child("copy", csv_path, args.memory_limit, args.threads)
        ingest = run_child("ingest", csv_path, args.memory_limit, args.threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = args.rows
    copy_rate = rows / copy["seconds"]
    ingest_rate = rows / ingest["seconds"]
    ratio = ingest_rate / copy_rate
    header = ["step", "rows", "seconds", "rows/s", "peak RSS MiB"]
    table = [
        ["duckdb COPY csv→parquet", f"{rows:,}", f"{copy['seconds']:.2f}",
         f"{copy_rate:,.0f}", f"{copy['peak_rss_mib']:.0f}"],
        ["ingest_file (validate+dedupe+lake)", f"{rows:,}", f"{ingest['seconds']:.2f}",
         f"{ingest_rate:,.0f}", f"{ingest['peak_rss_mib']:.0f}"],
    ]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print(f"\nmemory_limit={args.memory_limit} threads={args.threads}")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\nspeed ratio ingest/COPY: {ratio:.2f} (goal ≥ {GOAL_RATIO}) "
          f"{'PASS' if ratio >= GOAL_RATIO else 'FAIL'}")
    print(f"peak RSS of children: {children_rss:.0f} MiB (goal < {GOAL_RSS_MIB}) "
          f"{'PASS' if children_rss < GOAL_RSS_MIB else 'FAIL'}")


if __name__ == "__main__":
    main()
