"""The canonical interval layout and the column mapping that adapts head-end files to it.

Canonical columns (CSV or Parquet)::

    meter_number,interval_start,interval_minutes,kwh[,kvarh][,quality]

``interval_start`` is ISO 8601; a value with an offset (``+07:00``, ``+0700``, ``+07``, ``Z``) is
taken as written, a value without one is read in the mapping's ``naive_timezone`` (WIB,
``Asia/Jakarta``, unless the mapping says otherwise). Other head-end layouts are described by a
:class:`ColumnMapping` instead of new parsing code, so adding a vendor is a data change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CANONICAL_COLUMNS: tuple[str, ...] = (
    "meter_number",
    "interval_start",
    "interval_minutes",
    "kwh",
    "kvarh",
    "quality",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("meter_number", "interval_start", "kwh")
ALLOWED_INTERVAL_MINUTES: tuple[int, ...] = (5, 10, 15, 30, 60)
DEFAULT_TIMEZONE = "Asia/Jakarta"
#: Quality code of a reading as delivered by the meter (actual).
QUALITY_ACTUAL = "A"
#: Quality code of a value produced by VEE estimation.
QUALITY_ESTIMATED = "E"
#: Quality code of an interval that stays missing (outage, or nothing to estimate from).
QUALITY_MISSING = "M"


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """How one head-end layout maps onto the canonical columns.

    Each ``*_column`` names the source column; ``None`` for an optional column means the source
    does not carry it. ``interval_minutes_fixed`` supplies the interval length for sources that
    do not carry it per row. ``timestamp_format`` is a strptime pattern (``None``: ISO 8601);
    ``naive_timezone`` is the IANA zone in which timestamps without offset are read;
    ``energy_scale`` converts the source energy unit to kWh / kVArh (``0.001`` for Wh).
    """

    name: str = "canonical"
    meter_number_column: str = "meter_number"
    interval_start_column: str = "interval_start"
    interval_minutes_column: str | None = "interval_minutes"
    interval_minutes_fixed: int | None = None
    kwh_column: str = "kwh"
    kvarh_column: str | None = "kvarh"
    quality_column: str | None = "quality"
    timestamp_format: str | None = None
    naive_timezone: str = DEFAULT_TIMEZONE
    energy_scale: Decimal = Decimal("1")

    def __post_init__(self) -> None:
        if self.interval_minutes_column is None and self.interval_minutes_fixed is None:
            raise ValueError(
                f"mapping {self.name!r}: give interval_minutes_column or interval_minutes_fixed"
            )
        if self.energy_scale <= 0:
            raise ValueError(f"mapping {self.name!r}: energy_scale must be positive")


CANONICAL = ColumnMapping()

#: The Smart Grid Smart City trial extract (``customer_id,reading_datetime,general_supply_kwh``).
#: Its README says "local time of New South Wales", but the file holds 02:00 and 02:30 on every
#: spring-forward day (times that do not exist on a daylight-saving clock) and no repeated hour
#: on fall-back days: the meters recorded Australian Eastern *Standard* Time all year. Reading it
#: as ``Australia/Sydney`` would fold 02:00 onto 03:00 and invent conflicts, so the mapping uses
#: the fixed zone UTC+10 (``Etc/GMT-10``; POSIX names invert the sign).
SGSC = ColumnMapping(
    name="sgsc",
    meter_number_column="customer_id",
    interval_start_column="reading_datetime",
    interval_minutes_column=None,
    interval_minutes_fixed=30,
    kwh_column="general_supply_kwh",
    kvarh_column=None,
    quality_column=None,
    naive_timezone="Etc/GMT-10",
)

MAPPINGS: dict[str, ColumnMapping] = {m.name: m for m in (CANONICAL, SGSC)}


def mapping_by_name(name: str) -> ColumnMapping:
    """Return a registered mapping; raise ``KeyError`` naming the known ones otherwise."""
    try:
        return MAPPINGS[name]
    except KeyError:
        known = ", ".join(sorted(MAPPINGS))
        raise KeyError(f"unknown column mapping {name!r}; known: {known}") from None
