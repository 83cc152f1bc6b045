"""Demo interval history: the last weeks of load profile for a sample of the demo's meters.

The sample is every two-way (smart) meter, up to a bound, and every electricity meter of the
first accounts of each ULP (the first IDPELs, which the console lists first), so the load-profile
chart on the 360 page has data wherever a visitor looks first. Two-way meters report every
15 minutes, the others (AMR read-outs) every 30 minutes.

Values come from the simulator's load profile (derived from the real SGSC readings, shipped in
`headend/data/load_profile.csv`) through the same `interval_kwh` the live simulator uses, with a
per-meter scale from the connection's daya and a per-day level. A few readings are left out —
short runs that VEE interpolates and longer ones it fills from comparable days — and the first
listed meter always gets one of each, so estimates show on the chart.

Every value is a function of (seed, meter, UTC day): running the demo again regenerates the same
numbers, and only what lies after a meter's last reading in the lake is written (a demo started
again a day later catches up; readings the live feed landed meanwhile are never contradicted).
Written through `pipelines.intervals.ingest.ingest_table` one week at a time, so each day gets
one part file.
"""

# The one SQL text here is our own; the lake's file names are quoted by engine.lake_relation_sql.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pelanggan.metering.headend.simulator.profile import interval_kwh, load_profile
from pelanggan.platform import clock
from pipelines.intervals import engine
from pipelines.intervals.ingest import ingest_table

DEFAULT_DAYS = 35
DEFAULT_TWO_WAY = 300
DEFAULT_FIRST_ACCOUNTS_PER_ULP = 10
SMART_MINUTES = 15
AMR_MINUTES = 30
CHUNK_DAYS = 7
WIB_OFFSET = dt.timedelta(hours=7)
SHORT_GAP_CHANCE = 0.03  # per meter-day: 1–3 intervals missing (linear interpolation)
LONG_GAP_CHANCE = 0.008  # per meter-day: 8–16 intervals missing (comparable-day profile)


@dataclass(frozen=True)
class HistoryMeter:
    """A meter that gets history: its number, interval length, daya and installation."""

    number: str
    interval_minutes: int
    daya_va: int
    installed_at: dt.datetime
    featured: bool = False  # forced gaps: the first meter the console lists


@dataclass
class HistoryResult:
    meters: int = 0
    readings_landed: int = 0
    already_in_lake: int = 0
    rejected: int = 0
    gaps: int = 0
    seconds: float = 0.0
    days: list[str] = field(default_factory=list)


def household_shape(seed: int, meter_number: str, daya_va: int) -> tuple[float, float]:
    """(kWh per hour on average, noise) of a household, fixed by seed and meter: a load factor
    of 8–25 % of the contracted power, as the demo's monthly reads assume."""
    rng = random.Random(f"{seed}:{meter_number}:shape")  # noqa: S311 - demo data
    scale = max(daya_va, 450) / 1000 * rng.uniform(0.08, 0.25)
    return round(scale, 4), round(rng.uniform(0.15, 0.35), 3)


def history_meters(
    *,
    two_way_limit: int = DEFAULT_TWO_WAY,
    first_accounts_per_ulp: int = DEFAULT_FIRST_ACCOUNTS_PER_ULP,
) -> list[HistoryMeter]:
    """The sample (see the module docstring), featured meters first, no number twice."""
    from pelanggan.customers.models import Account, ServiceTerms
    from pelanggan.metering.models import Installation
    from pelanggan.metering.models.choices import TWO_WAY_KINDS

    live = Installation.objects.filter(
        removed_at__isnull=True, meter__utility="electricity"
    ).select_related("meter")
    first_accounts: list[int] = []
    ulp_ids = Account.objects.order_by().values_list("ulp_id", flat=True).distinct()
    for ulp_id in sorted(ulp_ids):
        first_accounts += list(
            Account.objects.filter(ulp_id=ulp_id)
            .order_by("idpel")
            .values_list("id", flat=True)[:first_accounts_per_ulp]
        )
    order = {account_id: index for index, account_id in enumerate(first_accounts)}
    featured = sorted(
        live.filter(connection__account_id__in=first_accounts),
        key=lambda i: (order[i.connection.account_id], i.meter.number),
    )
    two_way = list(live.filter(meter__kind__in=list(TWO_WAY_KINDS)).order_by("meter__number"))
    daya = dict(
        ServiceTerms.objects.filter(valid_to__isnull=True).values_list("connection_id", "daya_va")
    )
    chosen: dict[str, HistoryMeter] = {}
    for index, inst in enumerate([*featured, *two_way[:two_way_limit]]):
        if inst.meter.number in chosen:
            continue
        smart = inst.meter.kind in TWO_WAY_KINDS
        chosen[inst.meter.number] = HistoryMeter(
            number=inst.meter.number,
            interval_minutes=SMART_MINUTES if smart else AMR_MINUTES,
            daya_va=daya.get(inst.connection_id) or 1300,
            installed_at=inst.installed_at,
            featured=index == 0,
        )
    return list(chosen.values())


def last_readings(lake: Path, numbers: set[str], since: dt.datetime) -> dict[str, dt.datetime]:
    """The end of each meter's last reading in the lake since ``since`` (UTC days opened)."""
    days = []
    day = since.astimezone(dt.UTC).date()
    today = clock.now().astimezone(dt.UTC).date()
    while day <= today:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    files = engine.lake_files(lake, days)
    if not files or not numbers:
        return {}
    with contextlib.closing(engine.connect(memory_limit="256MB", threads=1)) as con:
        con.register("wanted", pa.table({"meter_number": sorted(numbers)}))
        rows = con.sql(
            "SELECT meter_number, epoch_ms(max(interval_start + to_minutes(interval_minutes))) "
            f"FROM {engine.lake_relation_sql(files)} "
            "WHERE meter_number IN (SELECT meter_number FROM wanted) GROUP BY 1"
        ).fetchall()
    return {str(n): dt.datetime.fromtimestamp(ms / 1000, dt.UTC) for n, ms in rows}


@functools.cache
def _day_slots(day: dt.date, minutes: int) -> tuple[tuple[dt.datetime, float, float], ...]:
    """(start, profile factor, variation) of every slot of one UTC day, shared by all meters."""
    profile = load_profile()
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    slots = []
    for slot in range(24 * 60 // minutes):
        start = midnight + dt.timedelta(minutes=slot * minutes)
        local = start + WIB_OFFSET  # WIB has no daylight saving
        half_hour = local.hour * 2 + local.minute // 30
        weekday = local.weekday()
        slots.append((start, profile.factor(weekday, half_hour), profile.cv(weekday, half_hour)))
    return tuple(slots)


def _day_readings(
    meter: HistoryMeter, day: dt.date, *, seed: int, scale: float, noise: float
) -> Iterator[tuple[dt.datetime, float | None]]:
    """Every slot of one UTC day with its energy, or None where the meter sent nothing."""
    rng = random.Random(f"{seed}:{meter.number}:{day.isoformat()}")  # noqa: S311 - demo data
    level = rng.lognormvariate(0, 0.12)  # weather, guests, a day away
    slots = _day_slots(day, meter.interval_minutes)
    missing: set[int] = set()
    roll = rng.random()
    if roll < LONG_GAP_CHANCE:
        first = rng.randrange(len(slots))
        missing.update(range(first, first + rng.randint(8, 16) * 30 // meter.interval_minutes))
    elif roll < LONG_GAP_CHANCE + SHORT_GAP_CHANCE:
        first = rng.randrange(len(slots))
        missing.update(range(first, first + rng.randint(1, 3)))
    hours = meter.interval_minutes / 60
    hourly = scale * level
    gauss = rng.gauss
    for index, (start, factor, cv) in enumerate(slots):
        kwh = interval_kwh(
            factor, cv, scale_kwh_per_hour=hourly, noise=noise, hours=hours, gauss=gauss
        )
        yield start, None if index in missing else kwh


def _featured_gaps(meter: HistoryMeter, now: dt.datetime) -> set[dt.datetime]:
    """One short gap (2 days ago, evening) and one long (5 days ago, 04:00–10:00 WIB)."""
    step = dt.timedelta(minutes=meter.interval_minutes)
    today = now.astimezone(clock.WIB).date()
    short = clock.wib(*(today - dt.timedelta(days=2)).timetuple()[:3], 19)
    long = clock.wib(*(today - dt.timedelta(days=5)).timetuple()[:3], 4)
    gaps = {(short + step * i).astimezone(dt.UTC) for i in range(2)}
    gaps |= {(long + step * i).astimezone(dt.UTC) for i in range(6 * 60 // meter.interval_minutes)}
    return gaps


def generate(
    meters: list[HistoryMeter],
    *,
    seed: int,
    start: dt.datetime,
    end: dt.datetime,
    after: dict[str, dt.datetime],
    now: dt.datetime,
) -> tuple[pa.Table, int]:
    """The readings of ``[start, end)`` (past each meter's ``after``), and how many were left
    out as gaps (the featured meter's are placed relative to ``now``)."""
    numbers: list[str] = []
    starts: list[dt.datetime] = []
    minutes: list[int] = []
    energies: list[float] = []
    gaps = 0
    first_day = start.astimezone(dt.UTC).date()
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(dt.UTC).date()
    for meter in meters:
        scale, noise = household_shape(seed, meter.number, meter.daya_va)
        low = max(start, meter.installed_at, after.get(meter.number, start))
        forced = _featured_gaps(meter, now) if meter.featured else set()
        day = max(first_day, low.astimezone(dt.UTC).date())
        while day <= last_day:
            for moment, kwh in _day_readings(meter, day, seed=seed, scale=scale, noise=noise):
                if moment < low or moment + dt.timedelta(minutes=meter.interval_minutes) > end:
                    continue
                if kwh is None or moment in forced:
                    gaps += 1
                    continue
                numbers.append(meter.number)
                starts.append(moment)
                minutes.append(meter.interval_minutes)
                energies.append(kwh)
            day += dt.timedelta(days=1)
    table = pa.table(
        {
            "meter_number": pa.array(numbers, pa.string()),
            "interval_start": pa.array(starts, pa.timestamp("us", tz="UTC")),
            "interval_minutes": pa.array(minutes, pa.int32()),
            "kwh": pa.array(energies, pa.float64()),
            "quality": pa.array(["A"] * len(numbers), pa.string()),
        }
    )
    return table, gaps


def build_demo_history(
    *,
    lake: Path,
    seed: int,
    now: dt.datetime,
    days: int = DEFAULT_DAYS,
    meters: list[HistoryMeter] | None = None,
    progress: Callable[[str], Any] = print,
) -> HistoryResult:
    """Fill the lake with the sample's history up to ``now`` (see the module docstring)."""
    import time

    started = time.perf_counter()
    meters = history_meters() if meters is None else meters
    result = HistoryResult(meters=len(meters))
    if not meters:
        return result
    window_start = (now - dt.timedelta(days=days)).astimezone(dt.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    after = last_readings(lake, {m.number for m in meters}, window_start)
    progress(f"Writing {days} days of interval readings for {len(meters)} demo meters...")
    chunk_start = window_start
    while chunk_start < now:
        chunk_end = min(chunk_start + dt.timedelta(days=CHUNK_DAYS), now)
        table, gaps = generate(
            meters, seed=seed, start=chunk_start, end=chunk_end, after=after, now=now
        )
        result.gaps += gaps
        if table.num_rows:
            report = ingest_table(
                table,
                lake_dir=lake,
                source_name=f"demo-history-{seed}",
                as_of=now,
                known_meters={m.number for m in meters},
            )
            result.readings_landed += report.rows_landed
            result.already_in_lake += report.already_in_lake
            result.rejected += report.rows_rejected + report.conflicts
            result.days += report.days_written
        chunk_start = chunk_end
    result.seconds = time.perf_counter() - started
    return result
