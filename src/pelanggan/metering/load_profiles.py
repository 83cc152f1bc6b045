"""Read side for load profiles (API and console): interval data from the lake, scoped.

A load profile is read for a meter or for a customer (IDPEL). Either way only the readings taken
while the meter was installed at a customer the caller may see are used; for a customer, the
readings of every meter installed on its connections are stitched into one series along their
installation periods, so a mid-period exchange neither double counts nor leaves a false gap.

The series goes through the pipelines' VEE (gaps filled by interpolation or a comparable-day
profile, every estimate flagged with its method, outages left missing) and, for the daily and
monthly views, through the pipelines' aggregates (energy, WBP/LWBP split, maximum demand).
`pipelines/` knows nothing of Django; this module is the bridge.
"""

# SQL here is assembled from our own fragments; every value from outside is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from pelanggan.platform import audit
from pelanggan.platform.errors import NotFound, ValidationFailed
from pelanggan.security.selectors import Principal
from pipelines.intervals import engine
from pipelines.intervals.aggregates import aggregate
from pipelines.intervals.layout import (
    DEFAULT_TIMEZONE,
    QUALITY_ACTUAL,
    QUALITY_ESTIMATED,
    QUALITY_MISSING,
)
from pipelines.intervals.vee import VeeConfig, run_vee

RESOLUTIONS: tuple[str, ...] = ("interval", "daily", "monthly")
WIB = ZoneInfo(DEFAULT_TIMEZONE)
#: The longest period one request may cover, per resolution (bounds the answer's size).
MAX_SPAN_DAYS = {"interval": 62, "daily": 732, "monthly": 3660}
DEFAULT_SPAN_DAYS = {"interval": 7, "daily": 30, "monthly": 365}
#: History read before the period so that comparable-day estimates have days to draw from.
_HISTORY = dt.timedelta(days=7 * VeeConfig().profile_days)
_SERIES_KEY = "profile"

audit.register("metering.load_profile.viewed", "Load profile of a meter or customer viewed")


@dataclass(frozen=True)
class Window:
    """Readings of `meter_number` within `[start, end)` belong to the profile."""

    meter_number: str
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class ProfilePoint:
    start: dt.datetime
    end: dt.datetime
    kwh: Decimal | None
    quality: str
    estimated: bool
    methods: list[str]
    intervals: int = 1
    estimated_intervals: int = 0
    missing_intervals: int = 0
    kwh_wbp: Decimal | None = None
    kwh_lwbp: Decimal | None = None
    kvarh: Decimal | None = None
    max_demand_kw: Decimal | None = None
    #: The part of `kwh` that is estimated.
    kwh_estimated: Decimal = Decimal(0)


@dataclass
class LoadProfile:
    subject: str
    meter_numbers: list[str]
    resolution: str
    start: dt.datetime
    end: dt.datetime
    timezone: str = DEFAULT_TIMEZONE
    unit: str = "kWh"
    points: list[ProfilePoint] = field(default_factory=list)
    #: Energy of the estimated intervals inside the period (part of `total_kwh`).
    estimated_kwh: Decimal = Decimal(0)

    @property
    def total_kwh(self) -> Decimal:
        return sum((p.kwh for p in self.points if p.kwh is not None), Decimal(0))


# -- period parsing --------------------------------------------------------------------------


def _invalid(field_name: str, code: str, en: str, id_: str) -> ValidationFailed:
    return ValidationFailed.single(field_name, code, en, id_)


def parse_bound(value: str | None, field_name: str) -> dt.datetime | None:
    """`2026-11-01` (00:00 WIB) or an ISO 8601 datetime (no offset: WIB)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0), tzinfo=WIB)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(
            field_name,
            "invalid_datetime",
            "Give a date (YYYY-MM-DD) or an ISO 8601 date and time",
            "Isi tanggal (YYYY-MM-DD) atau tanggal dan jam ISO 8601",
        ) from None
    return moment.replace(tzinfo=WIB) if moment.tzinfo is None else moment


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=WIB)


def resolve_period(
    *, start: dt.datetime | None, end: dt.datetime | None, resolution: str, as_of: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The half-open period to show: defaults by resolution, aligned to whole WIB days (and
    months for the monthly view), and no longer than `MAX_SPAN_DAYS`."""
    if resolution not in RESOLUTIONS:
        raise _invalid(
            "resolution",
            "invalid_resolution",
            "resolution must be interval, daily or monthly",
            "resolution harus interval, daily, atau monthly",
        )
    today = as_of.astimezone(WIB).date()
    if end is None:
        end = _local_midnight(today + dt.timedelta(days=1))
    if start is None:
        start = end - dt.timedelta(days=DEFAULT_SPAN_DAYS[resolution])
    if resolution != "interval":
        first = start.astimezone(WIB).date()
        local_end = end.astimezone(WIB)
        last = local_end.date()
        if local_end.time() != dt.time(0):
            last += dt.timedelta(days=1)
        if resolution == "monthly":
            first = _month_start(first)
            last = last if last.day == 1 else _next_month(last)
        start, end = _local_midnight(first), _local_midnight(last)
    if end <= start:
        raise _invalid(
            "end", "end_before_start", "end must be after start", "end harus setelah start"
        )
    if end - start > dt.timedelta(days=MAX_SPAN_DAYS[resolution]):
        days = MAX_SPAN_DAYS[resolution]
        raise _invalid(
            "end",
            "period_too_long",
            f"At most {days} days at {resolution} resolution",
            f"Paling lama {days} hari untuk resolusi {resolution}",
        )
    return start, end


# -- scope -----------------------------------------------------------------------------------


def windows_for_meter(principal: Principal, meter_number: str) -> list[Window]:
    """The periods in which the caller may see the meter's readings. Raises NotFound."""
    from pelanggan.metering.selectors.registry import meter_detail

    detail = meter_detail(principal, meter_number)
    windows = [
        Window(meter_number, i["installed_at"], i["removed_at"]) for i in detail["installations"]
    ]
    if not windows and principal.national:
        windows = [Window(meter_number, None, None)]  # in stock or never installed
    if not windows:
        raise NotFound("Meter not found", code="meter_not_found")
    return windows


def windows_for_customer(principal: Principal, idpel: str, utility: str) -> list[Window]:
    """Every meter installed on the customer's connections of `utility`, along its periods.
    Raises NotFound for a customer outside the caller's units."""
    from pelanggan.metering import selectors

    rows = selectors.meters_for_customer(principal, idpel)
    return [
        Window(r["number"], r["installed_at"], r["removed_at"])
        for r in sorted(rows, key=lambda r: r["installed_at"])
        if r["utility"] == utility
    ]


# -- the lake --------------------------------------------------------------------------------


def lake_dir() -> Path:
    return Path(settings.PELANGGAN_LAKE_DIR)


def _utc_days(start: dt.datetime, end: dt.datetime) -> list[str]:
    day = start.astimezone(dt.UTC).date()
    last = (end.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()
    days = []
    while day <= last:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def read_windows(
    windows: list[Window], *, start: dt.datetime, end: dt.datetime, lake: Path
) -> pa.Table:
    """Lake readings inside the windows and `[start, end)`, as one series (`meter_number` set
    to one key), only the UTC-day partitions of the period opened."""
    files = engine.lake_files(lake, _utc_days(start, end))
    clauses, params = [], []
    for window in windows:
        low = max(start, window.start) if window.start else start
        high = min(end, window.end) if window.end else end
        if high <= low:
            continue
        clauses.append("(meter_number = ? AND interval_start >= ? AND interval_start < ?)")
        params.extend([window.meter_number, low, high])
    where = " OR ".join(clauses) or "false"
    with contextlib.closing(engine.connect(memory_limit="256MB", threads=1)) as con:
        return con.sql(
            "SELECT CAST(? AS VARCHAR) AS meter_number, interval_start, interval_minutes, kwh, "
            f"kvarh, quality FROM {engine.lake_relation_sql(files)} WHERE {where} "
            "ORDER BY interval_start",
            params=[_SERIES_KEY, *params],
        ).to_arrow_table()


# -- the profile -----------------------------------------------------------------------------


def _grid_bounds(
    windows: list[Window], start: dt.datetime, end: dt.datetime, as_of: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """Where a reading was expected: inside the installations, before `as_of`."""
    if not windows:
        return None
    lows = [w.start for w in windows]
    highs = [w.end for w in windows]
    low = start if any(x is None for x in lows) else max(start, min(x for x in lows if x))
    high = end if any(x is None for x in highs) else min(end, max(x for x in highs if x))
    high = min(high, as_of)
    return (low, high) if high > low else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _interval_points(series: pa.Table) -> list[ProfilePoint]:
    points = []
    for row in series.to_pylist():
        begins = row["interval_start"]
        quality = row["quality"]
        method = row["estimation_method"]
        points.append(
            ProfilePoint(
                start=begins.astimezone(WIB),
                end=(begins + dt.timedelta(minutes=int(row["interval_minutes"]))).astimezone(WIB),
                kwh=_decimal(row["kwh"]),
                quality=quality,
                estimated=quality == QUALITY_ESTIMATED,
                methods=[method] if method else [],
                estimated_intervals=int(quality == QUALITY_ESTIMATED),
                missing_intervals=int(quality == QUALITY_MISSING),
                kvarh=_decimal(row["kvarh"]),
                kwh_estimated=(
                    _decimal(row["kwh"]) or Decimal(0)
                    if quality == QUALITY_ESTIMATED else Decimal(0)
                ),
            )
        )
    return points


def _period_of(moment: dt.datetime, resolution: str) -> dt.date:
    day = moment.astimezone(WIB).date()
    return _month_start(day) if resolution == "monthly" else day


def _since(series: pa.Table, moment: dt.datetime) -> pa.Table:
    bound = pa.scalar(moment.astimezone(dt.UTC), type=series.schema.field("interval_start").type)
    return series.filter(pc.greater_equal(series["interval_start"], bound))


def _aggregated_points(
    series: pa.Table, grid_from: dt.datetime, grid_to: dt.datetime, resolution: str
) -> list[ProfilePoint]:
    """Daily or monthly points from the pipelines' aggregates over the VEE-edited series, one
    per WIB day (or month) in which readings were expected."""
    in_period = _since(series, grid_from)
    present = in_period.filter(pc.is_valid(in_period["kwh"]))
    grain: Literal["day", "month"] = "month" if resolution == "monthly" else "day"
    totals = {
        row["period_start"]: row for row in aggregate(present, grain=grain, threads=1).to_pylist()
    }
    missing: dict[dt.date, int] = defaultdict(int)
    methods: dict[dt.date, set[str]] = defaultdict(set)
    estimated_kwh: dict[dt.date, Decimal] = defaultdict(Decimal)
    columns = ["interval_start", "quality", "estimation_method", "kwh"]
    for row in in_period.select(columns).to_pylist():
        period = _period_of(row["interval_start"], resolution)
        if row["quality"] == QUALITY_MISSING:
            missing[period] += 1
        elif row["quality"] == QUALITY_ESTIMATED and row["kwh"] is not None:
            estimated_kwh[period] += Decimal(str(row["kwh"]))
        if row["estimation_method"]:
            methods[period].add(row["estimation_method"])
    points = []
    day = _period_of(grid_from, resolution)
    last = (grid_to - dt.timedelta(microseconds=1)).astimezone(WIB).date()
    while day <= last:
        following = _next_month(day) if resolution == "monthly" else day + dt.timedelta(days=1)
        total = totals.get(day)
        estimated = int(total["estimated_intervals"]) if total else 0
        points.append(
            ProfilePoint(
                start=_local_midnight(day),
                end=_local_midnight(following),
                kwh=_decimal(total["kwh_total"]) if total else None,
                quality=(
                    QUALITY_MISSING
                    if total is None
                    else QUALITY_ESTIMATED
                    if estimated
                    else QUALITY_ACTUAL
                ),
                estimated=bool(estimated),
                methods=sorted(methods.get(day, set())),
                intervals=int(total["intervals"]) if total else 0,
                estimated_intervals=estimated,
                missing_intervals=missing.get(day, 0),
                kwh_wbp=_decimal(total["kwh_wbp"]) if total else None,
                kwh_lwbp=_decimal(total["kwh_lwbp"]) if total else None,
                kvarh=_decimal(total["kvarh_total"]) if total else None,
                max_demand_kw=_decimal(total["max_demand_kw"]) if total else None,
                kwh_estimated=estimated_kwh.get(day, Decimal(0)),
            )
        )
        day = following
    return points


def build_profile(
    *,
    subject: str,
    windows: list[Window],
    start: dt.datetime,
    end: dt.datetime,
    resolution: str,
    as_of: dt.datetime,
    lake: Path | None = None,
) -> LoadProfile:
    """The profile of the stitched windows over `[start, end)` (already resolved)."""
    profile = LoadProfile(
        subject=subject,
        meter_numbers=sorted({w.meter_number for w in windows}),
        resolution=resolution,
        start=start.astimezone(WIB),
        end=end.astimezone(WIB),
    )
    bounds = _grid_bounds(windows, start, end, as_of)
    if bounds is None:
        return profile
    grid_from, grid_to = bounds
    readings = read_windows(
        windows, start=grid_from - _HISTORY, end=grid_to, lake=lake or lake_dir()
    )
    if readings.num_rows == 0:
        return profile
    first_reading = readings["interval_start"][0].as_py()
    series = run_vee(
        readings,
        period_from=max(grid_from - _HISTORY, first_reading),
        period_to=grid_to,
        threads=1,
        memory_limit="256MB",
    ).series
    shown = _since(series, grid_from)
    estimated = shown.filter(pc.equal(shown["quality"], QUALITY_ESTIMATED))
    profile.estimated_kwh = sum(
        (Decimal(str(v)) for v in estimated["kwh"].to_pylist() if v is not None), Decimal(0)
    )
    if resolution == "interval":
        profile.points = _interval_points(shown)
    else:
        profile.points = _aggregated_points(series, grid_from, grid_to, resolution)
    return profile


def load_profile_for_meter(
    *,
    principal: Principal,
    meter_number: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    resolution: str,
    as_of: dt.datetime,
    lake: Path | None = None,
) -> LoadProfile:
    """A meter's load profile over the caller-visible installation periods. Raises NotFound
    (meter unknown or outside the caller's units) and ValidationFailed (bad period)."""
    start, end = resolve_period(start=start, end=end, resolution=resolution, as_of=as_of)
    windows = windows_for_meter(principal, meter_number)
    profile = build_profile(
        subject=meter_number,
        windows=windows,
        start=start,
        end=end,
        resolution=resolution,
        as_of=as_of,
        lake=lake,
    )
    _record_view(principal, "meter", meter_number, profile)
    return profile


def load_profile_for_customer(
    *,
    principal: Principal,
    idpel: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    resolution: str,
    as_of: dt.datetime,
    utility: str = "electricity",
    lake: Path | None = None,
) -> LoadProfile:
    """The customer's load profile, stitched across meter exchanges. Raises NotFound and
    ValidationFailed."""
    start, end = resolve_period(start=start, end=end, resolution=resolution, as_of=as_of)
    windows = windows_for_customer(principal, idpel, utility)
    profile = build_profile(
        subject=idpel,
        windows=windows,
        start=start,
        end=end,
        resolution=resolution,
        as_of=as_of,
        lake=lake,
    )
    _record_view(principal, "account", idpel, profile)
    return profile


def _record_view(
    principal: Principal, subject_type: str, subject: str, profile: LoadProfile
) -> None:
    audit.record(
        "metering.load_profile.viewed",
        actor=principal.actor,
        subject_type=subject_type,
        subject_ids=[subject],
        changes={
            "resolution": profile.resolution,
            "start": profile.start.isoformat(),
            "end": profile.end.isoformat(),
            "meters": profile.meter_numbers,
        },
    )
