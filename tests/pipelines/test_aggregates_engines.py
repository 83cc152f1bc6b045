"""Aggregates: an independent Python computation, and DuckDB = Spark to the last Decimal digit."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from pipelines.intervals import SGSC
from pipelines.intervals.aggregates import (
    TimeOfUse,
    aggregate,
    fixed_offset_seconds,
    month_bounds,
)
from pipelines.intervals.ingest import ingest_file, ingest_table

from .conftest import AS_OF, SAMPLE, WIB

START = datetime(2024, 1, 30, 0, 0, tzinfo=WIB)  # crosses the WIB month boundary
MILLI = Decimal("0.001")


def synthetic_rows() -> list[dict[str, Any]]:
    """Three meters, 15-minute data with kVArh over four WIB days; a few estimated rows."""
    rows = []
    for meter in range(3):
        for i in range(4 * 96):
            kwh = Decimal((meter * 7 + i * 13) % 97) / 1000 + Decimal("0.010")
            rows.append({
                "meter_number": f"5200000000{meter}",
                "interval_start": (START + i * timedelta(minutes=15)).astimezone(UTC),
                "interval_minutes": 15,
                "kwh": kwh,
                "kvarh": (kwh * Decimal("0.4")).quantize(Decimal("0.000001")),
                "quality": "E" if i % 50 == 7 else "A",
            })
    return rows


def as_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("meter_number", pa.string()), ("interval_start", pa.timestamp("us", tz="UTC")),
        ("interval_minutes", pa.int32()), ("kwh", pa.decimal128(18, 6)),
        ("kvarh", pa.decimal128(18, 6)), ("quality", pa.string())]))


def expected(rows: list[dict[str, Any]], *, monthly: bool, peak: tuple[time, time],
             zone: ZoneInfo = WIB) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    """Plain-Python aggregates: total, WBP, LWBP, kVArh, max kW, intervals, estimated."""
    acc: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        local = row["interval_start"].astimezone(zone)
        key = (row["meter_number"],
               local.strftime("%Y-%m-01") if monthly else local.date().isoformat())
        a = acc.setdefault(key, [Decimal(0)] * 5 + [0, 0])
        clock = local.time()
        in_peak = (peak[0] <= clock < peak[1]) if peak[0] < peak[1] else (
            clock >= peak[0] or clock < peak[1])
        a[0] += row["kwh"]
        a[1 if in_peak else 2] += row["kwh"]
        a[3] += row["kvarh"]
        a[4] = max(a[4], row["kwh"] * 60 / row["interval_minutes"])
        a[5] += 1
        a[6] += row["quality"] == "E"
    return {
        k: (*(v.quantize(MILLI) for v in a[:5]), a[5], a[6]) for k, a in acc.items()
    }


def as_dict(table: pa.Table) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (r["meter_number"], r["period_start"].isoformat()): (
            r["kwh_total"], r["kwh_wbp"], r["kwh_lwbp"], r["kvarh_total"], r["max_demand_kw"],
            r["intervals"], r["estimated_intervals"])
        for r in table.to_pylist()
    }


@pytest.mark.parametrize("grain", ["day", "month"])
@pytest.mark.parametrize("peak", [(time(17), time(22)), (time(22), time(6, 30))])
@pytest.mark.parametrize("bounded", [False, True], ids=["zone-conversion", "fixed-offset"])
def test_aggregates_match_plain_python(
    tmp_path: Path, grain: str, peak: tuple[time, time], bounded: bool
) -> None:
    rows = synthetic_rows()
    lake = tmp_path / "lake"
    report = ingest_table(as_table(rows), lake_dir=lake, source_name="t", as_of=AS_OF)
    assert report.rows_landed == len(rows) == 1152
    tou = TimeOfUse(peak_start=peak[0], peak_end=peak[1])
    # With a period, WIB's fixed offset lets the SQL use epoch arithmetic; without, it
    # converts each timestamp to the zone. Both must give the same exact figures.
    period = (month_bounds("2024-01")[0], month_bounds("2024-02")[1]) if bounded else (None, None)
    got = as_dict(aggregate(lake_dir=lake, grain=grain, tou=tou,  # type: ignore[arg-type]
                            period_from=period[0], period_to=period[1]))
    want = expected(rows, monthly=grain == "month", peak=peak)
    assert got == want
    if grain == "month":
        assert sorted({k[1] for k in got}) == ["2024-01-01", "2024-02-01"]


def test_a_zone_with_daylight_saving_uses_its_local_calendar(tmp_path: Path) -> None:
    sydney = ZoneInfo("Australia/Sydney")  # 2024-10-06 02:00 → 03:00
    rows = [
        {**row, "interval_start": row["interval_start"] + timedelta(days=249, hours=-3)}
        for row in synthetic_rows()
    ]
    lake = tmp_path / "lake"
    ingest_table(as_table(rows), lake_dir=lake, source_name="t", as_of=AS_OF)
    tou = TimeOfUse(timezone="Australia/Sydney")
    start, end = month_bounds("2024-10", "Australia/Sydney")
    got = as_dict(aggregate(lake_dir=lake, grain="day", tou=tou, period_from=start,
                            period_to=end))
    want = expected(rows, monthly=False, peak=(time(17), time(22)), zone=sydney)
    assert got == want
    assert got[("52000000000", "2024-10-06")][5] == 92  # a 23-hour day


def test_fixed_offset_only_when_the_zone_keeps_it() -> None:
    start, end = month_bounds("2024-10")
    assert fixed_offset_seconds("Asia/Jakarta", start, end) == 7 * 3600
    sydney = month_bounds("2024-10", "Australia/Sydney")  # daylight saving starts 6 October
    assert fixed_offset_seconds("Australia/Sydney", *sydney) is None
    assert fixed_offset_seconds("Australia/Sydney", *month_bounds("2024-07", "Australia/Sydney")
                                ) == 10 * 3600
    assert fixed_offset_seconds("Asia/Jakarta", None, end) is None


def test_month_bounds_are_wib_months() -> None:
    start, end = month_bounds("2024-02")
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2024, 1, 31, 17, tzinfo=UTC), datetime(2024, 2, 29, 17, tzinfo=UTC))


# --- Spark parity ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole module (the JVM start is the slow part)."""
    # CI sets PELANGGAN_REQUIRE_SPARK: there a missing PySpark or Java fails instead of skipping.
    if not os.environ.get("PELANGGAN_REQUIRE_SPARK"):
        pytest.importorskip("pyspark", reason="PySpark (the `spark` extra) is not installed")
        if shutil.which("java") is None:
            pytest.skip("Spark needs a Java runtime (java not on PATH)")
    from pipelines.intervals.spark import spark_session

    session = spark_session()
    yield session
    session.stop()
    # py4j logs its socket shutdown at interpreter exit, after pytest closed the streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def parity_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("parity") / "lake"
    ingest_table(as_table(synthetic_rows()), lake_dir=lake, source_name="t", as_of=AS_OF)
    ingest_file(SAMPLE, lake_dir=lake, mapping=SGSC, source_name="sgsc", as_of=AS_OF)
    return lake


@pytest.mark.parametrize("grain", ["day", "month"])
@pytest.mark.parametrize("window", ["all", "2012-09", "2024-02"])
def test_spark_and_duckdb_give_identical_aggregates(
    spark: Any, parity_lake: Path, grain: str, window: str
) -> None:
    from pipelines.intervals.spark import aggregate_spark

    bounds = month_bounds(window) if window != "all" else (None, None)
    tou = TimeOfUse(peak_start=time(17), peak_end=time(22))
    kwargs: dict[str, Any] = {"grain": grain, "period_from": bounds[0], "period_to": bounds[1],
                              "tou": tou}
    duck = aggregate(lake_dir=parity_lake, **kwargs)
    sparked = aggregate_spark(lake_dir=parity_lake, session=spark, **kwargs)
    assert duck.num_rows > 0
    assert sparked.schema == duck.schema
    assert sparked.to_pylist() == duck.to_pylist()  # Decimal == Decimal, row by row


def test_spark_on_an_arrow_table_and_on_an_empty_window(spark: Any, tmp_path: Path) -> None:
    from pipelines.intervals.spark import aggregate_spark

    table = as_table(synthetic_rows())
    assert aggregate_spark(table, grain="day", session=spark).to_pylist() == aggregate(
        table, grain="day").to_pylist()
    start, end = month_bounds("1999-01")
    empty = aggregate_spark(lake_dir=tmp_path / "nothing", grain="month", period_from=start,
                            period_to=end, session=spark)
    assert empty.num_rows == 0
    assert empty.schema == aggregate(lake_dir=tmp_path / "nothing", grain="month").schema


def test_spark_reads_slim_and_full_parts_like_duckdb(spark: Any, tmp_path: Path) -> None:
    from pipelines.intervals import engine
    from pipelines.intervals.spark import aggregate_spark, read_lake

    lake = tmp_path / "lake"
    clean = tmp_path / "clean.csv"
    clean.write_text("meter_number,interval_start,interval_minutes,kwh\n"
                     "S1,2024-02-01T10:00:00+07:00,15,0.250\n"
                     "S1,2024-02-01T18:00:00+07:00,15,1.500\n")
    ingest_file(clean, lake_dir=lake, source_name="he 'x'", as_of=AS_OF)
    ingest_table(as_table(synthetic_rows()), lake_dir=lake, source_name="t", as_of=AS_OF)
    files = engine.lake_files(lake)
    assert any(engine.slim_constants(f) == ("A", "he 'x'") for f in files)
    assert any(engine.slim_constants(f) is None for f in files)

    frame = read_lake(spark, files)
    assert frame.columns == list(engine.LAKE_COLUMN_NAMES)
    slim_rows = frame.where("meter_number = 'S1'").orderBy("interval_start").collect()
    assert [(r.kwh, r.kvarh, r.quality, r.source_name) for r in slim_rows] == [
        (Decimal("0.250000"), None, "A", "he 'x'"), (Decimal("1.500000"), None, "A", "he 'x'")]
    tou = TimeOfUse(peak_start=time(17), peak_end=time(22))
    for grain in ("day", "month"):
        duck = aggregate(lake_dir=lake, grain=grain, tou=tou)
        sparked = aggregate_spark(lake_dir=lake, grain=grain, tou=tou, session=spark)
        assert "S1" in duck.column("meter_number").to_pylist()
        assert sparked.to_pylist() == duck.to_pylist()
