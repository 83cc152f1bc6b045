"""Monthly aggregation speed: 100,000 meters × 30 days of 15-minute data (288 M readings).

Goal (issue #4): the monthly aggregates (energy, WBP/LWBP, kVArh, maximum demand per meter,
WIB calendar) on DuckDB in under 2 minutes on this machine, with the Spark local time beside it.

The synthetic lake is generated once in the real lake layout (``day=YYYY-MM-DD/part-0.parquet``)
and cached under ``--cache-dir`` (default ``$PELANGGAN_BENCH_DIR`` or
``~/.cache/pelanggan-bench``); about 2 GiB for the full size, so check ``df -h`` first. Each
engine runs in its own child process (fresh caches, its own peak RSS). Spark on the full size
can be slow on a small machine: ``--spark-days`` runs it on the first N days only, and the table
then shows the rows it read, so the rates stay comparable.

    .venv/bin/python benchmarks/aggregate_intervals.py
    .venv/bin/python benchmarks/aggregate_intervals.py --meters 1000 --days 3   # a smoke run
"""

# SQL here is assembled from integers and dates we generate, so the string-built queries are
# deliberate.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 120
MONTH_START = datetime(2024, 6, 1, 0, 0, tzinfo=UTC) - timedelta(hours=7)  # 1 June, WIB
INTERVAL_MINUTES = 15


def default_cache() -> Path:
    return Path(os.environ.get("PELANGGAN_BENCH_DIR", Path.home() / ".cache" / "pelanggan-bench"))


def generate(lake: Path, meters: int, days: int, threads: int) -> int:
    """Write the synthetic lake one UTC day at a time; return the number of readings."""
    import duckdb

    per_day = 24 * 60 // INTERVAL_MINUTES
    slots = days * per_day
    end = MONTH_START + timedelta(minutes=INTERVAL_MINUTES * slots)
    staging = lake.parent / (lake.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET memory_limit = '1GB'")
    con.execute("SET TimeZone = 'UTC'")
    day = MONTH_START.date()
    total = 0
    while datetime.combine(day, datetime.min.time(), tzinfo=UTC) < end:
        lo = max(MONTH_START, datetime.combine(day, datetime.min.time(), tzinfo=UTC))
        hi = min(end, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC))
        first = int((lo - MONTH_START).total_seconds()) // (60 * INTERVAL_MINUTES)
        last = int((hi - MONTH_START).total_seconds()) // (60 * INTERVAL_MINUTES)
        target = staging / "intervals" / f"day={day.isoformat()}"
        target.mkdir(parents=True)
        # A daily shape (more at night, a WIB evening peak) with per-meter variation; values
        # are exact decimals with 3 places.
        con.execute(f"""
            COPY (
              SELECT printf('52%09d', m) AS meter_number,
                     TIMESTAMPTZ '{MONTH_START.isoformat()}' + to_minutes({INTERVAL_MINUTES} * s)
                       AS interval_start,
                     {INTERVAL_MINUTES} AS interval_minutes,
                     CAST((20 + (m * 7919 + s * 104729) % 180
                           + CASE WHEN (s + 28) % 96 BETWEEN 68 AND 87 THEN 150 ELSE 0 END)
                          / 1000 AS DECIMAL(18,6)) AS kwh,
                     CAST(((m * 31 + s * 17) % 90) / 1000 AS DECIMAL(18,6)) AS kvarh,
                     'A' AS quality, 'benchmark' AS source_name
              FROM range({meters}) r(m), range({first}, {last}) t(s)
            ) TO '{target / "part-0.parquet"}' (FORMAT parquet, COMPRESSION snappy)
        """)
        total += meters * (last - first)
        day += timedelta(days=1)
    con.close()
    shutil.rmtree(lake, ignore_errors=True)
    staging.rename(lake)
    return total


def child(engine: str, lake: str, days: int, threads: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))  # run as a script: the repository root is not on the path
    from pipelines.intervals.aggregates import aggregate

    period_from = MONTH_START
    period_to = MONTH_START + timedelta(days=days)
    started = time.perf_counter()
    if engine == "duckdb":
        table = aggregate(lake_dir=lake, grain="month", period_from=period_from,
                          period_to=period_to, memory_limit="1GB", threads=threads)
        startup = 0.0
    else:
        from pipelines.intervals.spark import aggregate_spark, spark_session

        session = spark_session(master=f"local[{threads}]", driver_memory="2g")
        startup = time.perf_counter() - started
        started = time.perf_counter()
        table = aggregate_spark(lake_dir=lake, grain="month", period_from=period_from,
                                period_to=period_to, session=session)
    seconds = time.perf_counter() - started
    intervals = sum(table.column("intervals").to_pylist())
    checksum = str(sum(table.column("kwh_total").to_pylist()))
    return {"seconds": seconds, "startup": startup, "rows": table.num_rows,
            "intervals": intervals, "checksum": checksum}


def run_child(engine: str, lake: Path, days: int, threads: int, timeout: int
              ) -> dict[str, object] | None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, __file__, "--child", engine, "--lake", str(lake),
             "--days", str(days), "--threads", str(threads)],
            check=False, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if result.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{result.stderr[-4000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache-dir", type=Path, default=default_cache())
    parser.add_argument("--spark-days", type=int, default=None,
                        help="run Spark on the first N days only (default: all)")
    parser.add_argument("--spark-timeout", type=int, default=900)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--child", choices=["duckdb", "spark"])
    parser.add_argument("--lake")
    args = parser.parse_args()

    if args.child:
        result = child(args.child, args.lake, args.days, args.threads)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    lake = args.cache_dir / f"lake-{args.meters}x{args.days}d"
    readings = args.meters * args.days * (24 * 60 // INTERVAL_MINUTES)
    if not (lake / "intervals").is_dir():
        started = time.perf_counter()
        generate(lake, args.meters, args.days, args.threads)
        print(f"generated {readings:,} readings into {lake} "
              f"in {time.perf_counter() - started:.0f} s")
    size = sum(f.stat().st_size for f in lake.rglob("*.parquet")) / 2**30
    print(f"lake {lake}: {readings:,} readings, {size:.2f} GiB")

    rows: list[list[str]] = []
    duck = run_child("duckdb", lake, args.days, args.threads, timeout=3600)
    assert duck is not None
    rows.append(_line("DuckDB", args.days, readings, duck))
    if not args.no_spark:
        spark_days = args.spark_days or args.days
        spark = run_child("spark", lake, spark_days, args.threads, timeout=args.spark_timeout)
        spark_readings = readings * spark_days // args.days
        if spark is None:
            rows.append(["Spark local", f"{spark_days}", f"{spark_readings:,}",
                         f"> {args.spark_timeout} (timed out)", "", "", "", ""])
        else:
            rows.append(_line("Spark local", spark_days, spark_readings, spark))
            if spark_days == args.days:
                same = spark["checksum"] == duck["checksum"]
                print(f"DuckDB and Spark kWh totals equal: {same}")
    header = ["engine", "days", "readings", "seconds", "start-up s", "readings/s", "meters",
              "driver peak RSS MiB"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\nmonthly aggregation, {args.meters:,} meters, threads={args.threads}")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    seconds = float(str(duck["seconds"]))
    print(f"\nDuckDB: {seconds:.1f} s (goal < {GOAL_SECONDS} s for 288 M readings) "
          f"{'PASS' if seconds < GOAL_SECONDS else 'FAIL'}")


def _line(engine: str, days: int, readings: int, result: dict[str, object]) -> list[str]:
    seconds = float(str(result["seconds"]))
    if int(float(str(result["intervals"]))) != readings:
        raise SystemExit(f"{engine} counted {result['intervals']} intervals, not {readings}")
    return [engine, str(days), f"{readings:,}", f"{seconds:.1f}",
            f"{float(str(result['startup'])):.1f}", f"{readings / seconds:,.0f}",
            f"{int(float(str(result['rows']))):,}",
            f"{float(str(result['peak_rss_mib'])):.0f}"]


if __name__ == "__main__":
    main()
