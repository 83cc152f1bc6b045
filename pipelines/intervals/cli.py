"""Command line: ``python -m pipelines.intervals ingest|aggregate|compact ...``.

A thin shell: it parses flags, calls one function and prints the result as JSON, so that
``pelanggan readings import`` can later wrap the same functions. The clock is read here, at the
edge, and passed on as ``as_of``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pipelines.intervals.aggregates import aggregate, month_bounds
from pipelines.intervals.ingest import compact, ingest_file
from pipelines.intervals.layout import MAPPINGS, mapping_by_name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines.intervals")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="validate a CSV/Parquet file into the lake")
    ingest.add_argument("file", type=Path)
    ingest.add_argument("--lake", type=Path, required=True)
    ingest.add_argument("--mapping", default="canonical", choices=sorted(MAPPINGS))
    ingest.add_argument("--source-name", help="defaults to the file name")
    ingest.add_argument("--as-of", help="ISO 8601 with offset; defaults to now")
    agg = commands.add_parser("aggregate", help="monthly or daily energy per meter")
    agg.add_argument("--lake", type=Path, required=True)
    agg.add_argument("--month", required=True, help="YYYY-MM (WIB calendar)")
    agg.add_argument("--grain", choices=["day", "month"], default="month")
    agg.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                     help="spark: the same SQL on a local PySpark session (optional extra)")
    comp = commands.add_parser("compact", help="merge each day's appended parts into one file")
    comp.add_argument("--lake", type=Path, required=True)
    comp.add_argument("--day", action="append", help="YYYY-MM-DD (UTC); repeat; default all")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ingest":
        as_of = datetime.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC)
        if as_of.tzinfo is None:
            print("--as-of needs an offset, e.g. 2024-01-01T00:00:00+07:00", file=sys.stderr)
            return 2
        report = ingest_file(
            args.file, lake_dir=args.lake, mapping=mapping_by_name(args.mapping),
            source_name=args.source_name or args.file.name, as_of=as_of,
        )
        print(json.dumps(asdict(report), indent=2, default=str))
        return 1 if report.rows_rejected or report.conflicts else 0
    if args.command == "compact":
        print(json.dumps({"compacted": compact(args.lake, args.day)}))
        return 0
    start, end = month_bounds(args.month)
    if args.engine == "spark":
        from pipelines.intervals.spark import aggregate_spark

        table = aggregate_spark(
            lake_dir=args.lake, grain=args.grain, period_from=start, period_to=end
        )
    else:
        table = aggregate(lake_dir=args.lake, grain=args.grain, period_from=start, period_to=end)
    print(json.dumps(table.to_pylist(), indent=2, default=str))
    return 0
