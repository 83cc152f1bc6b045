"""Optimistic single-scan ingestion for the common case: a clean CSV.

Most head-end files are clean: every row valid, every key unique, nothing conflicting with the
lake. For those, numbering every line and materialising a validated copy (the exact path in
``ingest``) costs more than the whole file-to-Parquet conversion, which would break the speed
goal of issue #4. This path lets DuckDB's typed CSV reader parse the file once, straight into
day partitions in a staging directory; rows that fail a semantic rule go to a ``_rejected``
bucket instead of a day. It then *gives up* (returns ``False``, having touched nothing in the
lake) as soon as it sees anything that needs a line number — a reader reject, a rejected bucket,
a repeated key, a conflict with the lake — and the caller reruns the file on the exact path.
Both paths apply the same rules, so a file's outcome does not depend on which one finished it.
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# engine.quote() / engine.ident(), so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.intervals import engine
from pipelines.intervals.engine import quote
from pipelines.intervals.layout import ALLOWED_INTERVAL_MINUTES, QUALITY_ACTUAL, ColumnMapping
from pipelines.intervals.reports import IngestReport
from pipelines.intervals.validation import KNOWN_METERS_TABLE

REJECTED_BUCKET = -1
MICROSECONDS_PER_DAY = 86_400_000_000
#: The day number below is a truncating division: starts before 1970 take the exact path.
EPOCH_SQL = "CAST('1970-01-01 00:00:00+00' AS TIMESTAMPTZ)"
#: Most (meter, day) bitmaps the duplicate check keeps in memory (~200 bytes each).
MAX_BITMAP_GROUPS = 500_000
#: Rows a thread buffers across all day partitions before it writes them out. DuckDB's default
#: (524,288) spends more CPU re-partitioning its buffers than small flushes cost; the writer
#: still merges small flushes of one day into row groups of ~120,000 rows (issue #4, measured
#: ~0.4 CPU-s less on 10 M rows).
LANDING_FLUSH_ROWS = 16_384
LAKE_COLUMNS = "meter_number, interval_start, interval_minutes, kwh, kvarh, quality, source_name"


def try_ingest_clean_csv(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    *,
    mapping: ColumnMapping,
    as_of: datetime,
    source_name: str,
    lake: Path,
    staging: Path,
    report: IngestReport,
    check_known_meters: bool = False,
) -> bool:
    """Ingest ``source`` if it is clean and return ``True``; otherwise change nothing, ``False``.

    With ``check_known_meters`` a meter missing from table ``known_meters`` makes the file
    unclean (the exact path then reports it as ``unknown_meter``).
    """
    header = [
        str(r[0]) for r in con.execute(
            f"DESCRIBE SELECT * FROM read_csv({quote(str(source))}, all_varchar = true, "
            "header = true)"
        ).fetchall()
    ]
    wanted = [mapping.meter_number_column, mapping.interval_start_column, mapping.kwh_column]
    if mapping.interval_minutes_fixed is None and mapping.interval_minutes_column:
        wanted.append(mapping.interval_minutes_column)
    if any(c not in header for c in wanted):
        return False  # the exact path raises the descriptive error
    if mapping.timestamp_format is not None and "%z" not in mapping.timestamp_format:
        return False  # strptime formats with naive zones are left to the exact path
    types = dict.fromkeys(header, "VARCHAR")
    types[mapping.interval_start_column] = "TIMESTAMPTZ"
    types[mapping.kwh_column] = "DECIMAL(18,6)"
    if mapping.kvarh_column in header:
        types[mapping.kvarh_column] = "DECIMAL(18,6)"
    if mapping.interval_minutes_fixed is None and mapping.interval_minutes_column in header:
        types[mapping.interval_minutes_column] = "INTEGER"
    type_sql = "{" + ", ".join(f"{quote(k)}: {quote(v)}" for k, v in types.items()) + "}"
    fmt = (
        f", timestampformat = {quote(mapping.timestamp_format)}"
        if mapping.timestamp_format else ""
    )
    reader = (
        f"read_csv({quote(str(source))}, header = true, columns = {type_sql}, auto_detect = false, "
        f"delim = ',', quote = '\"', ignore_errors = true, store_rejects = true, "
        f"rejects_table = 'fast_rejects', rejects_scan = 'fast_scans'{fmt})"
    )

    def col(name: str | None) -> str:
        return engine.ident(name) if name and name in header else "NULL"

    minutes = (
        str(mapping.interval_minutes_fixed) if mapping.interval_minutes_fixed is not None
        else col(mapping.interval_minutes_column)
    )
    scale = "" if mapping.energy_scale == 1 else f" * CAST({mapping.energy_scale} AS DECIMAL(18,9))"
    allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
    as_of_sql = f"CAST({quote(as_of.isoformat())} AS TIMESTAMPTZ)"
    # A cheap constant comparison first: only rows in the last hour before as_of need the
    # per-row interval arithmetic.
    horizon_sql = f"CAST({quote((as_of - timedelta(minutes=60)).isoformat())} AS TIMESTAMPTZ)"
    start = col(mapping.interval_start_column)
    kwh = col(mapping.kwh_column)
    meter = "__meter"
    unknown = (
        f" OR {meter} NOT IN (SELECT meter_number FROM {KNOWN_METERS_TABLE})"
        if check_known_meters else ""
    )
    # Without kvarh and quality columns in the file, the parts are written slim: kvarh is
    # empty and quality/source_name constant, so they are carried in the part's name instead
    # of in every row (see engine.slim_part_name; the readers restore them).
    has_kvarh = bool(mapping.kvarh_column) and mapping.kvarh_column in header
    has_quality = bool(mapping.quality_column) and mapping.quality_column in header
    slim = (
        not has_kvarh and not has_quality
        and engine.slim_part_name("part-0", quality=QUALITY_ACTUAL, source_name=source_name)
        is not None
    )
    # Constant text columns go through an ENUM: DuckDB's Parquet writer then emits the
    # dictionary directly instead of hashing the same string for every row (a third of the
    # write time on a clean file). The files hold plain strings either way.
    con.execute(f"CREATE TYPE landing_source AS ENUM ({quote(source_name)})")
    if has_quality:
        quality = (
            f"coalesce(NULLIF(upper(trim({col(mapping.quality_column)})), ''), "
            f"{quote(QUALITY_ACTUAL)})"
        )
    else:
        con.execute(f"CREATE TYPE landing_quality AS ENUM ({quote(QUALITY_ACTUAL)})")
        quality = f"CAST({quote(QUALITY_ACTUAL)} AS landing_quality)"
    # Partitions are first written under the integer UTC day number (cheap arithmetic on the
    # epoch, independent of the session zone) and renamed to day=YYYY-MM-DD afterwards.
    constant_columns = "" if slim else f"""
               CAST({col(mapping.kvarh_column)}{scale} AS DECIMAL(18,6)) AS kvarh,
               {quality} AS quality,
               CAST({quote(source_name)} AS landing_source) AS source_name,"""
    select = f"""
        SELECT {meter} AS meter_number,
               {start} AS interval_start,
               CAST({minutes} AS INTEGER) AS interval_minutes,
               CAST({kwh}{scale} AS DECIMAL(18,6)) AS kwh,{constant_columns}
               CASE WHEN {meter} IS NULL{unknown}
                      OR {start} IS NULL OR {start} < {EPOCH_SQL}
                      OR {minutes} IS NULL OR {minutes} NOT IN ({allowed})
                      OR {kwh} IS NULL OR {kwh} < 0
                      OR ({start} > {horizon_sql}
                          AND {start} + to_minutes(CAST({minutes} AS INTEGER)) > {as_of_sql})
                    THEN {REJECTED_BUCKET}
                    ELSE CAST(epoch_us({start}) // {MICROSECONDS_PER_DAY} AS INTEGER)
               END AS day
        FROM (SELECT *, NULLIF(trim({col(mapping.meter_number_column)}), '') AS {meter}
              FROM {reader})"""
    stage = staging / "stage"
    staging.mkdir(parents=True, exist_ok=True)
    # The typed reader interprets offset-less timestamps in the session zone.
    con.execute(f"SET TimeZone = {quote(mapping.naive_timezone)}")
    con.execute(f"SET partitioned_write_flush_threshold = {int(LANDING_FLUSH_ROWS)}")
    try:
        engine.copy_partitioned(con, select, stage)
    finally:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("RESET partitioned_write_flush_threshold")
    if (stage / f"day={REJECTED_BUCKET}").exists() or _scalar(
        con, "SELECT count(*) FROM fast_rejects"
    ):
        return False
    if not stage.is_dir():
        report.rows_read = 0
        return True
    epoch = date(1970, 1, 1)
    for part in list(stage.iterdir()):
        number = int(part.name.removeprefix("day="))
        day_dir = stage / f"day={(epoch + timedelta(days=number)).isoformat()}"
        part.rename(day_dir)
        if slim:
            for file in list(day_dir.glob("*.parquet")):
                name = engine.slim_part_name(
                    file.name.removesuffix(".parquet"), quality=QUALITY_ACTUAL,
                    source_name=source_name,
                )
                file.rename(day_dir / str(name))
    staged_glob = quote(str(stage / "day=*" / "*.parquet"))
    restored = (
        f", CAST(NULL AS DECIMAL(18,6)) AS kvarh, CAST({quote(QUALITY_ACTUAL)} AS VARCHAR) "
        f"AS quality, CAST({quote(source_name)} AS VARCHAR) AS source_name" if slim else ""
    )
    con.execute(
        f"CREATE VIEW staged AS SELECT *{restored} FROM read_parquet({staged_glob}, "
        "hive_partitioning = true, hive_types = {'day': VARCHAR})"
    )
    rows, repeated = _count_repeated_keys(con, files=staged_glob)
    if repeated:
        return False
    days = {p.name.removeprefix("day=") for p in stage.iterdir() if p.name.startswith("day=")}
    overlap = sorted(days & engine.existing_days(lake))
    report.rows_read = int(rows)
    rewrite: list[str] = []
    if overlap:
        con.execute(
            "CREATE TEMP TABLE lake_rows AS SELECT *, "
            "CAST(CAST(timezone('UTC', interval_start) AS DATE) AS VARCHAR) AS day "
            f"FROM {engine.lake_relation_sql(engine.lake_files(lake, overlap))}"
        )
        con.execute("""
            CREATE TEMP TABLE matched AS
            SELECT s.day, (s.kwh = l.kwh AND s.kvarh IS NOT DISTINCT FROM l.kvarh
                           AND s.interval_minutes = l.interval_minutes
                           AND s.quality = l.quality) AS same
            FROM staged s JOIN lake_rows l
              ON s.meter_number = l.meter_number AND s.interval_start = l.interval_start
        """)
        if _scalar(con, "SELECT count(*) FROM matched WHERE NOT same"):
            return False
        report.already_in_lake = _scalar(con, "SELECT count(*) FROM matched")
        per_day = dict(con.execute(
            "SELECT s.day, count(*) - coalesce(max(m.n), 0) FROM staged s "
            "LEFT JOIN (SELECT day, count(*) AS n FROM matched GROUP BY day) m USING (day) "
            "GROUP BY s.day"
        ).fetchall())
        rewrite = sorted(d for d in overlap if per_day.get(d, 0) > 0)
        if rewrite:
            listed = ", ".join(quote(d) for d in rewrite)
            engine.copy_partitioned(con, f"""
                SELECT {LAKE_COLUMNS}, day FROM staged s WHERE day IN ({listed})
                  AND NOT EXISTS (SELECT 1 FROM lake_rows l
                                  WHERE l.meter_number = s.meter_number
                                    AND l.interval_start = s.interval_start)
                UNION ALL SELECT {LAKE_COLUMNS}, day FROM lake_rows WHERE day IN ({listed})
                ORDER BY day, meter_number, interval_start""", staging / "merged")
            engine.swap_in_partitions(staging / "merged", lake, rewrite)
    fresh = sorted(days - set(overlap))
    engine.swap_in_partitions(stage, lake, fresh)
    report.rows_landed = int(rows) - report.already_in_lake
    report.days_written = sorted([*fresh, *rewrite])
    return True


def _count_repeated_keys(
    con: duckdb.DuckDBPyConnection, *, files: str | None = None
) -> tuple[int, int]:
    """Rows of view ``staged`` and an upper bound of its repeated keys (0 proves none).

    Preferred: one bitmap of minute slots per (meter, UTC day), ``bitstring_agg`` over
    1,440 bits. A day's rows of one meter hold distinct keys if their bitmap has as many bits
    set as there are rows (a repeated key sets one bit for two rows). Two starts within the
    same minute share a slot, so sub-minute data can only over-count (the file then takes the
    exact path), never hide a duplicate. The aggregate has one small state per (meter, day)
    instead of one per key, about four times cheaper than counting distinct key hashes. Its
    memory grows with the number of (meter, day) pairs (about 200 bytes each), so sparse files
    use the hash count instead, where a collision again only over-counts; so does a start
    whose slot leaves 0..1439 (before 1970, which ``try_ingest_clean_csv`` already sends to
    the exact path).

    ``files`` (a quoted glob of the staged day files, one UTC day per file) lets the number of
    (meter, day) pairs be bounded from the Parquet footers instead of by a scan.
    """
    minute = "epoch_us(interval_start) // 60000000"
    pairs = None
    if files:
        pairs = _pairs_bound_from_footers(con, files)
        if pairs is None:
            pairs = _pairs_bound_counting_plain_chunks(con, files)
    if pairs is None:
        pairs = _scalar(
            con,
            f"SELECT count(*) FROM (SELECT DISTINCT meter_number, {minute} // 1440 FROM staged)",
        )
    if pairs <= MAX_BITMAP_GROUPS:
        with contextlib.suppress(duckdb.OutOfRangeException):
            found = con.execute(f"""
                SELECT sum(n), sum(n - bit_count(slots)) FROM (
                  SELECT count(*) AS n,
                         bitstring_agg(CAST({minute} - ({minute} // 1440) * 1440 AS INTEGER),
                                       0, 1439) AS slots
                  FROM staged GROUP BY meter_number, {minute} // 1440)
            """).fetchone()
            return (int(found[0] or 0), int(found[1] or 0)) if found else (0, 0)
    found = con.execute(
        "SELECT sum(n), sum(n - k) FROM (SELECT count(*) AS n, "
        "count(DISTINCT hash(meter_number, interval_start)) AS k FROM staged GROUP BY day)"
    ).fetchone()
    return (int(found[0] or 0), int(found[1] or 0)) if found else (0, 0)


def _pairs_bound_from_footers(con: duckdb.DuckDBPyConnection, files: str) -> int | None:
    """At least the number of (meter, day) pairs in ``files``, or ``None`` if unknown.

    Each file holds one day, so the sum over its row groups of the distinct meter numbers is
    an upper bound. The writer records that count exactly for dictionary-encoded chunks (the
    dictionary's size) and leaves it out otherwise; a chunk without it makes the bound unknown.
    """
    found = con.execute(
        "SELECT bool_and(stats_distinct_count IS NOT NULL AND contains(encodings, 'DICTIONARY')),"
        f" sum(stats_distinct_count) FROM parquet_metadata({files}) "
        "WHERE path_in_schema = 'meter_number'"
    ).fetchone()
    if not found or not found[0]:
        return None
    return int(found[1])


def _pairs_bound_counting_plain_chunks(
    con: duckdb.DuckDBPyConnection, files: str
) -> int | None:
    """Like ``_pairs_bound_from_footers``, but a chunk without a dictionary count bounds its
    distinct meters by its row count. Still an upper bound; tight enough when only a few small
    row groups (the tail of a flushed partition) were written without a dictionary."""
    found = con.execute(
        "SELECT sum(CASE WHEN stats_distinct_count IS NOT NULL "
        "AND contains(encodings, 'DICTIONARY') THEN stats_distinct_count "
        f"ELSE row_group_num_rows END) FROM parquet_metadata({files}) "
        "WHERE path_in_schema = 'meter_number'"
    ).fetchone()
    return int(found[0]) if found and found[0] is not None else None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
