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
from pipelines.intervals.layout import DEFAULT_TIMEZONE

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


def aggregate_sql(source: str, *, grain: Grain, tou: TimeOfUse, where: str = "true") -> str:
    """Per-meter aggregates of ``source`` at ``grain``; plain SQL over window-free GROUP BY."""
    tz = quote(tou.timezone)
    local = f"timezone({tz}, interval_start)"
    period = (
        f"CAST({local} AS DATE)" if grain == "day"
        else f"CAST(date_trunc('month', {local}) AS DATE)"
    )
    clock = f"CAST({local} AS TIME)"
    peak = (
        f"{clock} >= TIME '{tou.peak_start.isoformat()}' "
        f"AND {clock} < TIME '{tou.peak_end.isoformat()}'"
    )
    if tou.peak_end <= tou.peak_start:  # a window across midnight, e.g. 22:00–06:00
        peak = (
            f"({clock} >= TIME '{tou.peak_start.isoformat()}' "
            f"OR {clock} < TIME '{tou.peak_end.isoformat()}')"
        )
    return f"""
        SELECT meter_number, {period} AS period_start,
               CAST(round(sum(kwh), 3) AS DECIMAL(18,3)) AS kwh_total,
               CAST(round(coalesce(sum(kwh) FILTER (WHERE {peak}), 0), 3) AS DECIMAL(18,3))
                 AS kwh_wbp,
               CAST(round(coalesce(sum(kwh) FILTER (WHERE NOT ({peak})), 0), 3)
                    AS DECIMAL(18,3)) AS kwh_lwbp,
               CAST(round(sum(kvarh), 3) AS DECIMAL(18,3)) AS kvarh_total,
               CAST(round(max(kwh * 60 / interval_minutes), 3) AS DECIMAL(18,3))
                 AS max_demand_kw,
               count(*) AS intervals,
               count(*) FILTER (WHERE quality = 'E') AS estimated_intervals
        FROM {source}
        WHERE kwh IS NOT NULL AND ({where})
        GROUP BY ALL
        ORDER BY meter_number, period_start"""


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
    conditions = []
    if period_from is not None:
        conditions.append(
            f"interval_start >= CAST({quote(period_from.isoformat())} AS TIMESTAMPTZ)")
    if period_to is not None:
        conditions.append(
            f"interval_start < CAST({quote(period_to.isoformat())} AS TIMESTAMPTZ)")
    with engine.connect(memory_limit=memory_limit, threads=threads) as con:
        if readings is not None:
            con.register("input_readings", readings)
            source = "input_readings"
        elif lake_dir is not None:
            days = None
            if period_from is not None and period_to is not None:
                days = _utc_days(period_from, period_to)
            source = engine.lake_relation_sql(engine.lake_files(Path(lake_dir), days))
        else:
            raise ValueError("give readings or lake_dir")
        sql = aggregate_sql(
            source, grain=grain, tou=tou, where=" AND ".join(conditions) or "true"
        )
        return con.sql(sql).to_arrow_table()


def _utc_days(start: datetime, end: datetime) -> list[str]:
    utc = ZoneInfo("UTC")
    day = start.astimezone(utc).date()
    last = (end.astimezone(utc) - timedelta(microseconds=1)).date()
    days = []
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days
