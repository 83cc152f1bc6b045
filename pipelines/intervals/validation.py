"""Row validation shared by file and batch ingestion: the validating projection and its rules.

Every value is read as text and parsed with ``try_cast`` so that one bad value rejects one row,
not the whole input. Each row gets at most one ``reason``: the first failed rule in a fixed order
(``missing_meter``, ``unknown_meter``, ``unparseable_timestamp``, ``invalid_interval_minutes``,
``missing_or_unparseable_kwh``, ``negative_kwh``, ``unparseable_kvarh``, ``future_timestamp``).
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# engine.quote() / engine.ident(), so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.intervals.engine import ident, quote
from pipelines.intervals.layout import ALLOWED_INTERVAL_MINUTES, QUALITY_ACTUAL, ColumnMapping

_OFFSET_PATTERN = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"
#: Name of the one-column table (``meter_number``) holding the known meters, when checked.
KNOWN_METERS_TABLE = "known_meters"


def _text(column: str, present: list[str]) -> str:
    return f"CAST({ident(column)} AS VARCHAR)" if column in present else "CAST(NULL AS VARCHAR)"


def timestamp_sql(text: str, mapping: ColumnMapping) -> str:
    """Text → TIMESTAMPTZ: explicit offsets are honoured, naive values read in the mapping zone."""
    zone = quote(mapping.naive_timezone)
    if mapping.timestamp_format is not None:
        fmt = quote(mapping.timestamp_format)
        if "%z" in mapping.timestamp_format or "%Z" in mapping.timestamp_format:
            return f"CAST(try_strptime({text}, {fmt}) AS TIMESTAMPTZ)"
        return f"timezone({zone}, try_strptime({text}, {fmt}))"
    return (
        f"CASE WHEN regexp_matches({text}, {quote(_OFFSET_PATTERN)}) "
        f"THEN try_cast({text} AS TIMESTAMPTZ) "
        f"ELSE timezone({zone}, try_cast({text} AS TIMESTAMP)) END"
    )


def _energy_sql(text: str, mapping: ColumnMapping) -> str:
    value = f"try_cast({text} AS DECIMAL(18,6))"
    if mapping.energy_scale == 1:
        return value
    return f"CAST({value} * CAST({mapping.energy_scale} AS DECIMAL(18,9)) AS DECIMAL(18,6))"


def staged_select_sql(
    raw: str,
    present: list[str],
    mapping: ColumnMapping,
    *,
    as_of: datetime,
    source_name: str,
    check_known_meters: bool = False,
) -> str:
    """The validating projection: parsed canonical columns, ``line``, ``day`` and ``reason``.

    ``reason`` is NULL for a good row, else the first failed rule in a fixed order, so a row
    gets one stable reason; ``detail`` carries the offending source text. With
    ``check_known_meters`` a meter absent from table ``known_meters`` is ``unknown_meter``.
    """
    required = [mapping.meter_number_column, mapping.interval_start_column, mapping.kwh_column]
    if mapping.interval_minutes_column is not None and mapping.interval_minutes_fixed is None:
        required.append(mapping.interval_minutes_column)
    missing = [c for c in required if c not in present]
    if missing:
        raise ValueError(
            f"mapping {mapping.name!r}: file lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(c for c in present if c != 'rn')}"
        )
    meter = _text(mapping.meter_number_column, present)
    start = _text(mapping.interval_start_column, present)
    kwh = _text(mapping.kwh_column, present)
    kvarh = _text(mapping.kvarh_column, present) if mapping.kvarh_column else "NULL"
    quality = _text(mapping.quality_column, present) if mapping.quality_column else "NULL"
    if mapping.interval_minutes_fixed is not None:
        minutes_text = quote(str(mapping.interval_minutes_fixed))
    else:
        assert mapping.interval_minutes_column is not None  # noqa: S101 - guarded in ColumnMapping
        minutes_text = _text(mapping.interval_minutes_column, present)
    allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
    as_of_sql = f"CAST({quote(as_of.isoformat())} AS TIMESTAMPTZ)"
    unknown = unknown_detail = ""
    if check_known_meters:
        missing_meter = (
            f"meter_number NOT IN (SELECT meter_number FROM {KNOWN_METERS_TABLE})"
        )
        unknown = f"WHEN {missing_meter} THEN 'unknown_meter'"
        unknown_detail = f"WHEN {missing_meter} THEN meter_number"
    parsed = f"""
        SELECT rn AS row_index,
               NULLIF(trim({meter}), '') AS meter_number,
               {timestamp_sql(f"trim({start})", mapping)} AS interval_start,
               try_cast(trim({minutes_text}) AS INTEGER) AS interval_minutes,
               {_energy_sql(f"trim({kwh})", mapping)} AS kwh,
               {_energy_sql(f"NULLIF(trim({kvarh}), '')", mapping)} AS kvarh,
               coalesce(NULLIF(upper(trim({quality})), ''), {quote(QUALITY_ACTUAL)}) AS quality,
               {start} AS raw_start, {minutes_text} AS raw_minutes, {kwh} AS raw_kwh,
               {kvarh} AS raw_kvarh
        FROM {raw}"""
    return f"""
        SELECT row_index, meter_number, interval_start, interval_minutes, kwh, kvarh, quality,
               {quote(source_name)} AS source_name,
               strftime(timezone('UTC', interval_start), '%Y-%m-%d') AS day,
               CASE
                 WHEN meter_number IS NULL THEN 'missing_meter'
                 {unknown}
                 WHEN interval_start IS NULL THEN 'unparseable_timestamp'
                 WHEN interval_minutes IS NULL OR interval_minutes NOT IN ({allowed})
                   THEN 'invalid_interval_minutes'
                 WHEN kwh IS NULL THEN 'missing_or_unparseable_kwh'
                 WHEN kwh < 0 THEN 'negative_kwh'
                 WHEN raw_kvarh IS NOT NULL AND trim(raw_kvarh) <> '' AND kvarh IS NULL
                   THEN 'unparseable_kvarh'
                 WHEN interval_start + to_minutes(interval_minutes) > {as_of_sql}
                   THEN 'future_timestamp'
               END AS reason,
               CASE
                 WHEN meter_number IS NULL THEN ''
                 {unknown_detail}
                 WHEN interval_start IS NULL THEN coalesce(raw_start, '')
                 WHEN interval_minutes IS NULL OR interval_minutes NOT IN ({allowed})
                   THEN coalesce(raw_minutes, '')
                 WHEN kwh IS NULL OR kwh < 0 THEN coalesce(raw_kwh, '')
                 WHEN raw_kvarh IS NOT NULL AND trim(raw_kvarh) <> '' AND kvarh IS NULL
                   THEN raw_kvarh
                 ELSE coalesce(raw_start, '')
               END AS detail
        FROM ({parsed})"""


def meter_numbers_in_file(path: Path | str, *, mapping: ColumnMapping) -> set[str]:
    """The distinct (trimmed, non-empty) meter numbers of a CSV or Parquet file.

    Lets a caller look the meters up in its registry before ``ingest_file(known_meters=...)``.
    Raises ``ValueError`` when the file lacks the mapped meter column.
    """
    source = Path(path)
    reader = (
        f"read_parquet({quote(str(source))})" if source.suffix.lower() in {".parquet", ".pq"}
        else f"read_csv({quote(str(source))}, all_varchar = true, header = true, "
             "ignore_errors = true)"
    )
    with duckdb.connect(":memory:") as con:
        con.execute("SET threads = 2")
        present = [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
        if mapping.meter_number_column not in present:
            raise ValueError(
                f"mapping {mapping.name!r}: file lacks column {mapping.meter_number_column}"
            )
        column = ident(mapping.meter_number_column)
        rows = con.execute(
            f"SELECT DISTINCT trim(CAST({column} AS VARCHAR)) FROM {reader} "
            f"WHERE NULLIF(trim(CAST({column} AS VARCHAR)), '') IS NOT NULL"
        ).fetchall()
    return {str(r[0]) for r in rows}
