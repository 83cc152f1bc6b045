"""Shared helpers: independent (pure Python, no DuckDB) readings of SGSC-format files."""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "sgsc_2_households_3_weeks.csv"
FULL_DATASET = REPO_ROOT.parent / "shared" / "datasets" / "sgsc-10-households" / "readings.csv"
AEST = timezone(timedelta(hours=10))
WIB = ZoneInfo("Asia/Jakarta")
AS_OF = datetime(2030, 1, 1, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def read_sgsc(path: Path) -> dict[str, list[tuple[datetime, Decimal]]]:
    """meter → [(aware UTC start, kWh)] in file order, parsed with csv + datetime only."""
    series: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            local = datetime.fromisoformat(row["reading_datetime"]).replace(tzinfo=AEST)
            series[row["customer_id"]].append(
                (local.astimezone(UTC), Decimal(row["general_supply_kwh"]))
            )
    return dict(series)


def gaps(points: list[tuple[datetime, Decimal]]) -> tuple[int, int]:
    """(missing half hours, gap runs) between a meter's first and last reading."""
    missing = runs = 0
    times = sorted(t for t, _ in points)
    for before, after in itertools.pairwise(times):
        skipped = (after - before) // HALF_HOUR - 1
        if skipped > 0:
            missing += skipped
            runs += 1
    return missing, runs


def totals(points: list[tuple[datetime, Decimal]], *, monthly: bool
           ) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """WIB period → (total, WBP 17:00–22:00, max demand kW) computed with Decimal."""
    out: dict[str, list[Decimal]] = {}
    for start, kwh in points:
        local = start.astimezone(WIB)
        key = local.strftime("%Y-%m") if monthly else local.date().isoformat()
        acc = out.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        acc[0] += kwh
        if 17 <= local.hour < 22:
            acc[1] += kwh
        acc[2] = max(acc[2], kwh * 2)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


@pytest.fixture
def full_dataset() -> Path:
    if not FULL_DATASET.is_file():
        pytest.skip(f"dataset sgsc-10-households not found at {FULL_DATASET}")
    return FULL_DATASET
