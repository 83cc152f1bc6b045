"""Interval VEE — validation, estimation and editing — over a DuckDB relation of readings.

Validation finds, per meter: duplicates (same meter and interval twice; the first in
``(quality, kwh)`` order is kept), clock jumps (a timestamp off the meter's interval grid, which
is anchored at the Unix epoch, i.e. whole hours UTC — and so whole hours WIB), negative values,
spikes (``kwh`` above ``spike_factor`` × the meter's rolling median and above
``spike_floor_kwh``, or above what the contracted power can physically deliver), and gaps (grid
slots with no usable reading). Off-grid, duplicate and negative readings do not fill a slot.
Spikes are flagged and kept: whether a spike is real is a human decision.

Estimation fills gaps: a run of at most ``max_interpolation_intervals`` missing slots with
readings on both sides is filled by linear interpolation; longer runs (and runs at the edges)
take the mean of the same slot of day on the last ``profile_days`` comparable days (weekday vs.
Saturday/Sunday in ``local_timezone``) within ``7 × profile_days`` days before. Estimates are
rounded to 3 decimals (kWh), carry ``quality='E'`` and name their ``estimation_method``.

Outage awareness: when at least ``outage_min_meters`` meters of one area, and at least
``outage_share`` of the area's meters, miss the same slot, the slot is an outage for those
meters: it stays missing (``quality='M'``, flag ``outage``) because the customers had no supply
and estimating consumption into a blackout would bill energy that was never delivered.
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# engine.quote() / engine.ident(), so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.intervals import engine
from pipelines.intervals.engine import quote
from pipelines.intervals.layout import (
    DEFAULT_TIMEZONE,
    QUALITY_ESTIMATED,
    QUALITY_MISSING,
)

METHOD_LINEAR = "linear_interpolation"
METHOD_PROFILE = "comparable_day_profile"


@dataclass(frozen=True, kw_only=True)
class VeeConfig:
    """Thresholds of VEE; defaults suit half-hourly residential data."""

    max_interpolation_intervals: int = 4
    profile_days: int = 4
    spike_factor: float = 10.0
    spike_window_intervals: int = 48
    spike_floor_kwh: float = 1.0
    outage_share: float = 0.5
    outage_min_meters: int = 2
    local_timezone: str = DEFAULT_TIMEZONE


@dataclass
class VeeReport:
    """Counts by kind; ``gaps_by_meter`` counts missing slots per meter."""

    readings: int = 0
    expected_intervals: int = 0
    duplicates: int = 0
    clock_jumps: int = 0
    negative_values: int = 0
    spikes: int = 0
    missing_intervals: int = 0
    gap_runs: int = 0
    estimated_linear: int = 0
    estimated_profile: int = 0
    outage_intervals: int = 0
    unestimated: int = 0
    gaps_by_meter: dict[str, int] = field(default_factory=dict)
    gap_runs_by_meter: dict[str, int] = field(default_factory=dict)


@dataclass
class VeeResult:
    report: VeeReport
    #: One row per meter and grid slot: meter_number, interval_start, interval_minutes, kwh,
    #: kvarh, quality, estimation_method, flag.
    series: pa.Table


def run_vee(
    readings: pa.Table | None = None,
    *,
    lake_dir: Path | str | None = None,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    config: VeeConfig | None = None,
    meter_areas: Mapping[str, str] | None = None,
    contracted_kw: Mapping[str, float] | None = None,
    memory_limit: str = "512MB",
    threads: int = 2,
) -> VeeResult:
    """Validate and estimate readings given as an Arrow table or read from the lake.

    The grid of each meter spans ``[period_from, period_to)`` when given, else its first to
    last reading. ``meter_areas`` maps meter → area for outage awareness; ``contracted_kw``
    (meter → kW) adds a physical maximum to the spike rule.
    """
    config = config or VeeConfig()
    with engine.connect(memory_limit=memory_limit, threads=threads) as con:
        if readings is not None:
            con.register("input_readings", readings)
            source = "input_readings"
        elif lake_dir is not None:
            source = engine.lake_relation_sql(engine.lake_files(Path(lake_dir)))
        else:
            raise ValueError("give readings or lake_dir")
        where = []
        if period_from is not None:
            where.append(f"interval_start >= {_bound(period_from)}")
        if period_to is not None:
            where.append(f"interval_start < {_bound(period_to)}")
        con.execute(
            "CREATE TEMP TABLE r AS SELECT meter_number, interval_start, interval_minutes, "
            "CAST(kwh AS DECIMAL(18,6)) AS kwh, CAST(kvarh AS DECIMAL(18,6)) AS kvarh, "
            f"coalesce(quality, 'A') AS quality FROM {source}"
            + (" WHERE " + " AND ".join(where) if where else "")
        )
        con.execute("CREATE TEMP TABLE areas(meter_number VARCHAR, area VARCHAR)")
        if meter_areas:
            con.executemany("INSERT INTO areas VALUES (?, ?)", list(meter_areas.items()))
        con.execute("CREATE TEMP TABLE contracts(meter_number VARCHAR, kw DOUBLE)")
        if contracted_kw:
            con.executemany("INSERT INTO contracts VALUES (?, ?)", list(contracted_kw.items()))
        for statement in vee_statements(config, period_from, period_to):
            con.execute(statement)
        report = _report(con)
        series = con.sql(
            "SELECT meter_number, interval_start, interval_minutes, kwh, kvarh, quality, "
            "estimation_method, flag FROM edited ORDER BY meter_number, interval_start"
        ).to_arrow_table()
    return VeeResult(report=report, series=series)


def _bound(value: datetime | None) -> str:
    if value is None:
        return "CAST(NULL AS TIMESTAMPTZ)"
    return f"CAST({quote(value.isoformat())} AS TIMESTAMPTZ)"


def vee_statements(
    config: VeeConfig, period_from: datetime | None, period_to: datetime | None
) -> list[str]:
    """The VEE steps as SQL over table ``r`` (and ``areas``, ``contracts``), in order."""
    tz = quote(config.local_timezone)
    k = int(config.profile_days)
    return [
        # Each meter's interval length is the most frequent one it reports.
        """CREATE TEMP TABLE meters AS
           SELECT meter_number, mode(interval_minutes) AS step,
                  min(interval_start) AS first_at, max(interval_start) AS last_at
           FROM r GROUP BY meter_number""",
        """CREATE TEMP TABLE ranked AS
           SELECT r.*, m.step,
                  row_number() OVER (PARTITION BY r.meter_number, r.interval_start
                                     ORDER BY r.quality, r.kwh) AS copy_no,
                  CAST(epoch(r.interval_start) AS BIGINT) % (m.step * 60) <> 0 AS off_grid
           FROM r JOIN meters m USING (meter_number)""",
        """CREATE TEMP TABLE usable AS
           SELECT meter_number, interval_start, kwh, kvarh, quality FROM ranked
           WHERE copy_no = 1 AND NOT off_grid AND kwh >= 0""",
        f"""CREATE TEMP TABLE grid AS
           SELECT meter_number, step, unnest(generate_series(
                    to_timestamp(floor(epoch(coalesce({_bound(period_from)}, first_at))
                                       / (step * 60)) * step * 60),
                    coalesce({_bound(period_to)} - to_microseconds(1), last_at),
                    to_minutes(step))) AS interval_start
           FROM meters""",
        f"""CREATE TEMP TABLE series AS
           SELECT g.meter_number, g.interval_start, g.step, u.kwh, u.kvarh, u.quality,
                  a.area,
                  CASE WHEN u.kwh IS NOT NULL AND (
                         u.kwh > {float(config.spike_factor)} * median(u.kwh) OVER (
                             PARTITION BY g.meter_number ORDER BY g.interval_start
                             ROWS BETWEEN {int(config.spike_window_intervals)} PRECEDING
                                      AND {int(config.spike_window_intervals)} FOLLOWING)
                         AND u.kwh > {float(config.spike_floor_kwh)}
                         OR u.kwh > c.kw * g.step / 60.0)
                       THEN true ELSE false END AS spike
           FROM grid g
           LEFT JOIN usable u USING (meter_number, interval_start)
           LEFT JOIN areas a USING (meter_number)
           LEFT JOIN contracts c USING (meter_number)""",
        # Gap runs: consecutive missing slots share (slot number − missing-slot number).
        """CREATE TEMP TABLE gaps AS
           SELECT *, count(*) OVER (PARTITION BY meter_number, run) AS run_length,
                  row_number() OVER (PARTITION BY meter_number, run ORDER BY interval_start)
                    AS run_position
           FROM (
             SELECT meter_number, interval_start, step, area, prev_kwh, next_kwh,
                    slot_no - row_number() OVER (PARTITION BY meter_number
                                                 ORDER BY interval_start) AS run
             FROM (
               SELECT *, row_number() OVER w AS slot_no,
                      last_value(kwh IGNORE NULLS) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING
                                                         AND 1 PRECEDING) AS prev_kwh,
                      first_value(kwh IGNORE NULLS) OVER (w ROWS BETWEEN 1 FOLLOWING
                                                          AND UNBOUNDED FOLLOWING) AS next_kwh
               FROM series
               WINDOW w AS (PARTITION BY meter_number ORDER BY interval_start)
             ) WHERE kwh IS NULL
           )""",
        f"""CREATE TEMP TABLE outages AS
           SELECT g.area, g.interval_start FROM gaps g
           JOIN (SELECT area, count(*) AS meters FROM areas
                 WHERE meter_number IN (SELECT meter_number FROM meters) GROUP BY area) s
             USING (area)
           GROUP BY g.area, g.interval_start, s.meters
           HAVING count(*) >= {int(config.outage_min_meters)}
              AND count(*) >= {float(config.outage_share)} * s.meters""",
        f"""CREATE TEMP TABLE profile AS
           SELECT g.meter_number, g.interval_start,
                  round(avg(h.kwh), 3) AS kwh, count(*) AS days_used
           FROM gaps g
           JOIN LATERAL (
             SELECT u.kwh FROM usable u
             WHERE u.meter_number = g.meter_number
               AND u.interval_start < g.interval_start
               AND u.interval_start >= g.interval_start - to_days({7 * k})
               AND CAST(epoch(u.interval_start - g.interval_start) AS BIGINT) % 86400 = 0
               AND (isodow(timezone({tz}, u.interval_start)) >= 6)
                   = (isodow(timezone({tz}, g.interval_start)) >= 6)
             ORDER BY u.interval_start DESC LIMIT {k}
           ) h ON true
           WHERE NOT (g.run_length <= {int(config.max_interpolation_intervals)}
                      AND g.prev_kwh IS NOT NULL AND g.next_kwh IS NOT NULL)
           GROUP BY g.meter_number, g.interval_start""",
        f"""CREATE TEMP TABLE edited AS
           SELECT s.meter_number, s.interval_start, s.step AS interval_minutes,
                  CAST(CASE
                    WHEN s.kwh IS NOT NULL THEN s.kwh
                    WHEN o.area IS NOT NULL THEN NULL
                    WHEN g.run_length <= {int(config.max_interpolation_intervals)}
                         AND g.prev_kwh IS NOT NULL AND g.next_kwh IS NOT NULL
                      THEN round(g.prev_kwh + (g.next_kwh - g.prev_kwh)
                                 * g.run_position / (g.run_length + 1), 3)
                    ELSE p.kwh END AS DECIMAL(18,6)) AS kwh,
                  s.kvarh,
                  CASE
                    WHEN s.kwh IS NOT NULL THEN s.quality
                    WHEN o.area IS NOT NULL THEN '{QUALITY_MISSING}'
                    WHEN g.run_length <= {int(config.max_interpolation_intervals)}
                         AND g.prev_kwh IS NOT NULL AND g.next_kwh IS NOT NULL
                      THEN '{QUALITY_ESTIMATED}'
                    WHEN p.kwh IS NOT NULL THEN '{QUALITY_ESTIMATED}'
                    ELSE '{QUALITY_MISSING}' END AS quality,
                  CASE
                    WHEN s.kwh IS NOT NULL OR o.area IS NOT NULL THEN NULL
                    WHEN g.run_length <= {int(config.max_interpolation_intervals)}
                         AND g.prev_kwh IS NOT NULL AND g.next_kwh IS NOT NULL
                      THEN '{METHOD_LINEAR}'
                    WHEN p.kwh IS NOT NULL THEN '{METHOD_PROFILE}' END AS estimation_method,
                  CASE
                    WHEN s.spike THEN 'spike'
                    WHEN s.kwh IS NOT NULL THEN NULL
                    WHEN o.area IS NOT NULL THEN 'outage'
                    WHEN g.run_length <= {int(config.max_interpolation_intervals)}
                         AND g.prev_kwh IS NOT NULL AND g.next_kwh IS NOT NULL THEN 'gap'
                    WHEN p.kwh IS NOT NULL THEN 'gap'
                    ELSE 'unestimated' END AS flag
           FROM series s
           LEFT JOIN gaps g USING (meter_number, interval_start)
           LEFT JOIN outages o ON o.area = s.area AND o.interval_start = s.interval_start
                                  AND s.kwh IS NULL
           LEFT JOIN profile p USING (meter_number, interval_start)""",
    ]


def _report(con: duckdb.DuckDBPyConnection) -> VeeReport:
    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    report = VeeReport(
        readings=one("SELECT count(*) FROM r"),
        expected_intervals=one("SELECT count(*) FROM grid"),
        duplicates=one("SELECT count(*) FROM ranked WHERE copy_no > 1"),
        clock_jumps=one("SELECT count(*) FROM ranked WHERE copy_no = 1 AND off_grid"),
        negative_values=one("SELECT count(*) FROM ranked WHERE copy_no = 1 AND kwh < 0"),
        spikes=one("SELECT count(*) FROM series WHERE spike"),
        missing_intervals=one("SELECT count(*) FROM gaps"),
        gap_runs=one("SELECT count(*) FROM (SELECT DISTINCT meter_number, run FROM gaps)"),
        estimated_linear=one(
            f"SELECT count(*) FROM edited WHERE estimation_method = '{METHOD_LINEAR}'"),
        estimated_profile=one(
            f"SELECT count(*) FROM edited WHERE estimation_method = '{METHOD_PROFILE}'"),
        outage_intervals=one("SELECT count(*) FROM edited WHERE flag = 'outage'"),
        unestimated=one("SELECT count(*) FROM edited WHERE flag = 'unestimated'"),
    )
    report.gaps_by_meter = {
        str(m): int(n) for m, n in con.execute(
            "SELECT meter_number, count(*) FROM gaps GROUP BY 1 ORDER BY 1").fetchall()
    }
    report.gap_runs_by_meter = {
        str(m): int(n) for m, n in con.execute(
            "SELECT meter_number, count(DISTINCT run) FROM gaps GROUP BY 1 ORDER BY 1").fetchall()
    }
    return report
