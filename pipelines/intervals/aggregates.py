"""Billing and analytics aggregates over interval readings, computed by DuckDB.

An interval belongs to the local calendar day (WIB by default) and to the time-of-use window in
which it *starts*; with intervals on the hour grid and the default window (17:00–22:00 WIB,
half-open) no interval straddles a boundary. ``WBP`` (*waktu beban puncak*) is the peak window,
``LWBP`` (*luar waktu beban puncak*) everything else. Maximum demand is the largest average
power of one interval, ``kwh × 60 / interval_minutes`` kW. Energy is summed exactly as DECIMAL
and rounded to 3 decimals (kWh) at the end.
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# engine.quote() / engine.ident(), so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pyarrow as pa

from pipelines.intervals import engine
from pipelines.intervals.engine import quote
from pipelines.intervals.layout import ALLOWED_INTERVAL_MINUTES, DEFAULT_TIMEZONE

Grain = Literal["day", "month"]


@dataclass(frozen=True, kw_only=True)
class TimeOfUse:
    """The peak window ``[peak_start, peak_end)`` in ``timezone``, which is also the calendar."""

    peak_start: time = time(17, 0)
    peak_end: time = time(22, 0)
    timezone: str = DEFAULT_TIMEZONE


def month_bounds(month: str, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
    """``'2013-07'`` → the aware half-open month ``[start, end)`` in ``timezone``."""
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(following, time(0), tzinfo=zone),
    )


@dataclass(frozen=True)
class Dialect:
    """The few engine-specific SQL fragments of the aggregates; the rest is shared text."""

    name: str
    #: ``{ts}`` (an instant) → the wall-clock timestamp in zone ``{tz}`` (a quoted literal).
    local_time: str
    #: An aware ISO 8601 literal ``{iso}`` → an instant comparable with ``interval_start``.
    instant: str
    #: ``{ts}`` (an instant) → whole seconds since the Unix epoch, as an integer.
    epoch_seconds: str
    #: ``{days}`` (an integer count of days since 1970-01-01) → a DATE.
    epoch_day: str


DUCKDB = Dialect(
    name="duckdb",
    local_time="timezone({tz}, {ts})",
    instant="CAST({iso} AS TIMESTAMPTZ)",
    epoch_seconds="CAST(epoch_us({ts}) // 1000000 AS BIGINT)",
    epoch_day="CAST(DATE '1970-01-01' + CAST({days} AS INTEGER) AS DATE)",
)
#: Spark stores instants as ``TIMESTAMP`` and runs with ``spark.sql.session.timeZone=UTC``.
SPARK = Dialect(
    name="spark",
    local_time="from_utc_timestamp({ts}, {tz})",
    instant="CAST({iso} AS TIMESTAMP)",
    epoch_seconds="unix_seconds({ts})",
    epoch_day="date_add(DATE '1970-01-01', CAST({days} AS INT))",
)


def _second_of_day(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def fixed_offset_seconds(
    timezone: str, period_from: datetime | None, period_to: datetime | None
) -> int | None:
    """The zone's UTC offset in seconds if it is the same throughout the period, else ``None``.

    WIB has had UTC+7 since 1964, so a billing month always qualifies; a zone with daylight
    saving qualifies only for periods without a change. An offset lasts months, so sampling
    each day (and the period's last instant) cannot miss one.
    """
    if period_from is None or period_to is None:
        return None
    zone = ZoneInfo(timezone)
    last = period_to - timedelta(microseconds=1)
    samples = [last]
    moment = period_from
    while moment < period_to:
        samples.append(moment)
        moment += timedelta(days=1)
    offsets = {s.astimezone(zone).utcoffset() for s in samples}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else int(offset.total_seconds())


def aggregate_sql(
    source: str,
    *,
    grain: Grain,
    tou: TimeOfUse,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    dialect: Dialect = DUCKDB,
) -> str:
    """Per-meter aggregates of ``source`` at ``grain`` as SQL that DuckDB and Spark both run.

    Two levels: readings → (meter, local day), then days → the grain. Portable on purpose:
    ``GROUP BY`` ordinals, ``CASE`` inside ``sum``, and exact DECIMAL arithmetic throughout
    (maximum demand multiplies by ``60 / interval_minutes`` as an integer, since every allowed
    interval divides the hour). When the zone's offset is fixed over the period (WIB always
    is), the local day and time of day come from integer arithmetic on epoch seconds instead of
    a per-row zone conversion, which is most of the work on hundreds of millions of rows.
    """
    offset = fixed_offset_seconds(tou.timezone, period_from, period_to)
    low, high = _second_of_day(tou.peak_start), _second_of_day(tou.peak_end)
    if offset is not None:
        local = f"({dialect.epoch_seconds.format(ts='interval_start')} + {offset})"
        day_key = f"CAST(({local} - {local} % 86400) / 86400 AS BIGINT)"
        second = f"({local} % 86400)"
        day_of = dialect.epoch_day.format(days="day_key")
    else:
        local = dialect.local_time.format(tz=quote(tou.timezone), ts="interval_start")
        day_key = f"CAST({local} AS DATE)"
        second = f"(hour({local}) * 3600 + minute({local}) * 60 + second({local}))"
        day_of = "day_key"
    peak = (
        f"({second} >= {low} AND {second} < {high})" if low < high
        else f"({second} >= {low} OR {second} < {high})"  # a window across midnight
    )
    per_hour = " ".join(f"WHEN {m} THEN {60 // m}" for m in ALLOWED_INTERVAL_MINUTES)
    conditions = ["kwh IS NOT NULL"]
    if period_from is not None:
        instant = dialect.instant.format(iso=quote(period_from.isoformat()))
        conditions.append(f"interval_start >= {instant}")
    if period_to is not None:
        instant = dialect.instant.format(iso=quote(period_to.isoformat()))
        conditions.append(f"interval_start < {instant}")
    period = day_of if grain == "day" else f"CAST(date_trunc('month', {day_of}) AS DATE)"
    return f"""
        SELECT meter_number, {period} AS period_start,
               CAST(round(sum(kwh), 3) AS DECIMAL(18,3)) AS kwh_total,
               CAST(round(coalesce(sum(kwh_wbp), 0), 3) AS DECIMAL(18,3)) AS kwh_wbp,
               CAST(round(coalesce(sum(kwh_lwbp), 0), 3) AS DECIMAL(18,3)) AS kwh_lwbp,
               CAST(round(sum(kvarh), 3) AS DECIMAL(18,3)) AS kvarh_total,
               CAST(round(max(demand), 3) AS DECIMAL(18,3)) AS max_demand_kw,
               sum(intervals) AS intervals,
               sum(estimated) AS estimated_intervals
        FROM (
          SELECT meter_number, {day_key} AS day_key,
                 sum(kwh) AS kwh,
                 sum(CASE WHEN {peak} THEN kwh END) AS kwh_wbp,
                 sum(CASE WHEN NOT {peak} THEN kwh END) AS kwh_lwbp,
                 sum(kvarh) AS kvarh,
                 max(kwh * CASE interval_minutes {per_hour} END) AS demand,
                 count(*) AS intervals,
                 sum(CASE WHEN quality = 'E' THEN 1 ELSE 0 END) AS estimated
          FROM {source}
          WHERE {" AND ".join(conditions)}
          GROUP BY 1, 2
        ) days
        GROUP BY 1, 2
        ORDER BY 1, 2"""


def aggregate(
    readings: pa.Table | None = None,
    *,
    lake_dir: Path | str | None = None,
    grain: Grain = "day",
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    tou: TimeOfUse | None = None,
    memory_limit: str = "512MB",
    threads: int = 2,
) -> pa.Table:
    """Daily or monthly energy, WBP/LWBP, kVArh and maximum demand per meter.

    Reads an Arrow table (for instance VEE's edited series) or the lake; with a lake, only the
    UTC-day partitions overlapping ``[period_from, period_to)`` are opened.
    """
    tou = tou or TimeOfUse()
    with engine.connect(memory_limit=memory_limit, threads=threads) as con:
        if readings is not None:
            con.register("input_readings", readings)
            source = "input_readings"
        elif lake_dir is not None:
            source = engine.lake_relation_sql(
                engine.lake_files(Path(lake_dir), lake_days(period_from, period_to))
            )
        else:
            raise ValueError("give readings or lake_dir")
        sql = aggregate_sql(
            source, grain=grain, tou=tou, period_from=period_from, period_to=period_to
        )
        return normalise(con.sql(sql).to_arrow_table())


#: The result schema, identical whichever engine computed it.
RESULT_SCHEMA = pa.schema([
    ("meter_number", pa.string()),
    ("period_start", pa.date32()),
    ("kwh_total", pa.decimal128(18, 3)),
    ("kwh_wbp", pa.decimal128(18, 3)),
    ("kwh_lwbp", pa.decimal128(18, 3)),
    ("kvarh_total", pa.decimal128(18, 3)),
    ("max_demand_kw", pa.decimal128(18, 3)),
    ("intervals", pa.int64()),
    ("estimated_intervals", pa.int64()),
])


def normalise(table: pa.Table) -> pa.Table:
    """Cast an engine's result to ``RESULT_SCHEMA`` (engines differ in integer widths)."""
    return table.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)


def lake_days(period_from: datetime | None, period_to: datetime | None) -> list[str] | None:
    """The UTC-day partitions overlapping ``[period_from, period_to)``; ``None`` for all."""
    if period_from is None or period_to is None:
        return None
    return _utc_days(period_from, period_to)


def _utc_days(start: datetime, end: datetime) -> list[str]:
    utc = ZoneInfo("UTC")
    day = start.astimezone(utc).date()
    last = (end.astimezone(utc) - timedelta(microseconds=1)).date()
    days = []
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days
