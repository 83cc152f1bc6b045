"""Test data for the interval API, the console pages and the browser test: a customer with a
meter installed on its connection, and a small lake written through the real ingestion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelanggan.platform import clock

WIB = ZoneInfo("Asia/Jakarta")
#: "Now" in these tests: Sunday 22 November 2026, 12:00 WIB.
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=WIB)
INSTALLED_AT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=WIB)


def register_customer_with_meter(
    row: dict[str, str], principal: Any, *, installed_at: dt.datetime = INSTALLED_AT,
    kind: str = "smart_prepaid",
) -> Any:
    """Register the customer of `row` and install its meter, through the real services."""
    from pelanggan.customers import services
    from pelanggan.metering.services.registry import install_meter, register_meter
    from pelanggan.platform.audit import Actor

    with clock.frozen(installed_at - dt.timedelta(days=30)):
        services.register_customer(data=row, principal=principal)
    register_meter(
        number=row["meter_number"], kind=kind, actor=Actor.system("tests"),
        now=installed_at - dt.timedelta(days=1),
    )
    return install_meter(
        principal=principal,
        idpel=row["idpel"],
        meter_number=row["meter_number"],
        installed_at=installed_at,
        initial_reads={"kwh_total": Decimal("1000")},
        now=installed_at,
    )


def canonical_csv(rows: list[tuple[str, dt.datetime, int, Decimal | str]]) -> str:
    lines = ["meter_number,interval_start,interval_minutes,kwh"]
    lines += [f"{m},{start.isoformat()},{minutes},{kwh}" for m, start, minutes, kwh in rows]
    return "\n".join(lines) + "\n"


def hourly_rows(
    meter: str, first: dt.datetime, hours: int, *, skip: set[int] | None = None
) -> list[tuple[str, dt.datetime, int, Decimal | str]]:
    """Hourly readings with a daily shape (evening peak); hours in `skip` are left out."""
    rows: list[tuple[str, dt.datetime, int, Decimal | str]] = []
    for h in range(hours):
        if skip and h in skip:
            continue
        start = first + dt.timedelta(hours=h)
        local_hour = start.astimezone(WIB).hour
        kwh = Decimal("0.900") if 17 <= local_hour < 22 else Decimal("0.300")
        rows.append((meter, start, 60, kwh))
    return rows


def build_lake(lake: Path, rows: list[tuple[str, dt.datetime, int, Decimal | str]]) -> None:
    """Land `rows` through the real file ingestion (as `pelanggan readings import` does)."""
    from pipelines.intervals.ingest import ingest_file

    source = lake.parent / "seed.csv"
    source.write_text(canonical_csv(rows), encoding="utf-8")
    report = ingest_file(source, lake_dir=lake, source_name="seed.csv", as_of=NOW)
    assert report.rows_rejected == 0, report.rejected
