"""Ingestion speed and memory: bare DuckDB CSV→Parquet COPY versus ``ingest_file`` with VEE
validation into a fresh lake, on the same generated CSV of canonical readings.

Goals (issue #4): ingest_file reaches at least half the rows/s of the bare COPY, and the
ingesting process peaks under 1 GiB resident. Each measurement runs in its own child process so
that ``ru_maxrss`` of one does not hide the other. The two alternate for ``--rounds`` rounds on
the same file with the same thread count, and the table shows the best and the median wall time
of each (the machine is shared, so single runs are noisy) and the CPU seconds they used. The
ratio is taken from the medians.

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
import statistics
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["copy", "ingest"])
    parser.add_argument("--csv")
    parser.add_argument("--out")
    args = parser.parse_args()

    if args.child:
        run = child_copy if args.child == "copy" else child_ingest
        result = run(args.csv, args.out, args.memory_limit, args.threads)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mib"] = usage.ru_maxrss / 1024
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
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
        copies, ingests = [], []
        for _ in range(args.rounds):
            copies.append(run_child("copy", csv_path, args.memory_limit, args.threads))
            ingests.append(run_child("ingest", csv_path, args.memory_limit, args.threads))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = args.rows
    header = ["step", "rows", "best s", "median s", "median rows/s", "CPU s", "peak RSS MiB"]
    table = [
        _row("duckdb COPY csv→parquet", rows, copies),
        _row("ingest_file (validate+dedupe+lake)", rows, ingests),
    ]
    ratio = _median(copies, "seconds") / _median(ingests, "seconds")
    peak = max(r["peak_rss_mib"] for r in ingests)
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print(f"\nmemory_limit={args.memory_limit} threads={args.threads} rounds={args.rounds}")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    best_ratio = min(r["seconds"] for r in copies) / min(r["seconds"] for r in ingests)
    print(f"\nspeed ratio ingest/COPY (medians): {ratio:.2f}, best-of: {best_ratio:.2f} "
          f"(goal ≥ {GOAL_RATIO}) {'PASS' if ratio >= GOAL_RATIO else 'FAIL'}")
    print(f"peak RSS of the ingesting process: {peak:.0f} MiB (goal < {GOAL_RSS_MIB}) "
          f"{'PASS' if peak < GOAL_RSS_MIB else 'FAIL'}")


def _median(results: list[dict[str, float]], key: str) -> float:
    return float(statistics.median(r[key] for r in results))


def _row(label: str, rows: int, results: list[dict[str, float]]) -> list[str]:
    median = _median(results, "seconds")
    return [
        label, f"{rows:,}", f"{min(r['seconds'] for r in results):.2f}", f"{median:.2f}",
        f"{rows / median:,.0f}", f"{_median(results, 'cpu_seconds'):.2f}",
        f"{max(r['peak_rss_mib'] for r in results):.0f}",
    ]

if __name__ == "__main__":
    main()
