"""Batch append (``ingest_table``), compaction and the writer lock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.intervals.aggregates import aggregate
from pipelines.intervals.ingest import compact, ingest_file, ingest_table
from pipelines.intervals.lake import day_parts, writer_lock

from .conftest import AS_OF

T0 = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)  # the batch crosses the UTC day boundary
STEP = timedelta(minutes=15)


def batch(rows: list[tuple[str, datetime | str, object]], minutes: int = 15) -> pa.Table:
    return pa.table({
        "meter_number": [r[0] for r in rows],
        "interval_start": [r[1] for r in rows],
        "interval_minutes": [minutes] * len(rows),
        "kwh": [r[2] for r in rows],
    })


def lake_rows(lake: Path) -> list[tuple[str, datetime, Decimal, str]]:
    table = pq.read_table(lake / "intervals")
    return sorted(zip(table.column("meter_number").to_pylist(),
                      table.column("interval_start").to_pylist(),
                      table.column("kwh").to_pylist(),
                      table.column("source_name").to_pylist(), strict=True))


def test_batches_append_parts_absorb_repeats_and_report_conflicts(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = ingest_table(
        batch([("M1", T0 + i * STEP, Decimal("0.100") * (i + 1)) for i in range(4)]),
        lake_dir=lake, source_name="mqtt-1", as_of=AS_OF,
    )
    assert (first.rows_read, first.rows_landed, first.rows_rejected) == (4, 4, 0)
    assert first.days_written == ["2024-05-01", "2024-05-02"]
    assert day_parts(lake) == {"2024-05-01": 1, "2024-05-02": 1}

    second = ingest_table(
        batch([
            # floats (as parsed from JSON) are fine
            ("M1", T0 + 3 * STEP, 0.4),     # identical to the lake: absorbed
            ("M1", T0 + 4 * STEP, 0.5),     # new
            ("M1", T0 + 2 * STEP, 0.999),   # conflicts with the lake
            ("M2", T0 + 4 * STEP, 0.25),    # new meter
            ("M2", T0 + 4 * STEP, 0.25),    # repeated inside the batch
        ]),
        lake_dir=lake, source_name="mqtt-2", as_of=AS_OF,
    )
    assert (second.rows_read, second.rows_landed, second.already_in_lake) == (5, 2, 1)
    assert (second.duplicates_in_file, second.conflicts, second.rows_rejected) == (1, 1, 0)
    assert [(r.file, r.line, r.reason) for r in second.rejected] == [("mqtt-2", 3, "conflict")]
    assert second.report_path is None
    assert second.days_written == ["2024-05-02"]
    # The day was not rewritten: the earlier part is still there beside a new one.
    assert day_parts(lake) == {"2024-05-01": 1, "2024-05-02": 2}

    before = lake_rows(lake)
    assert len(before) == 6
    assert (("M1", T0 + 2 * STEP, Decimal("0.3"), "mqtt-1")) in before
    daily = aggregate(lake_dir=lake, grain="day").to_pylist()

    assert compact(lake) == ["2024-05-02"]
    assert day_parts(lake) == {"2024-05-01": 1, "2024-05-02": 1}
    assert lake_rows(lake) == before
    assert aggregate(lake_dir=lake, grain="day").to_pylist() == daily
    assert compact(lake) == []
    assert not (lake / "_staging").exists()

    # The same batch again, after compaction: nothing lands, nothing changes.
    again = ingest_table(
        batch([("M1", T0 + i * STEP, Decimal("0.100") * (i + 1)) for i in range(4)]),
        lake_dir=lake, source_name="mqtt-1", as_of=AS_OF,
    )
    assert (again.rows_landed, again.already_in_lake, again.days_written) == (0, 4, [])
    assert lake_rows(lake) == before


def test_batch_rows_are_validated_with_the_file_reasons(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    table = pa.table({
        "meter_number": ["M1", None, "M1", "M1", "M1", "X9", "M1", "M1"],
        "interval_start": ["2024-05-01T08:00:00+07:00", "2024-05-01T08:15:00+07:00",
                           "yesterday", "2024-05-01T08:30:00+07:00",
                           "2024-05-01T08:45:00+07:00", "2024-05-01T08:45:00+07:00",
                           "2031-01-01T00:00:00+07:00", "2024-05-01 09:00:00"],
        "interval_minutes": [15, 15, 15, 7, 15, 15, 15, 15],
        "kwh": ["0.1", "0.1", "0.1", "0.1", "-1", "0.1", "0.1", "0.2"],
        "kvarh": [None, None, None, None, None, None, None, "0.05"],
    })
    report = ingest_table(table, lake_dir=lake, source_name="api", as_of=AS_OF,
                          known_meters={"M1", "M2"})
    assert [(r.line, r.reason) for r in report.rejected] == [
        (2, "missing_meter"), (3, "unparseable_timestamp"), (4, "invalid_interval_minutes"),
        (5, "negative_kwh"), (6, "unknown_meter"), (7, "future_timestamp")]
    assert report.rejected[4].detail == "X9"
    assert (report.rows_read, report.rows_landed, report.rows_rejected) == (8, 2, 6)
    rows = pq.read_table(lake / "intervals").sort_by("interval_start").to_pylist()
    # The naive timestamp is WIB: 09:00 WIB is 02:00 UTC.
    assert [(r["interval_start"], r["kwh"], r["kvarh"]) for r in rows] == [
        (datetime(2024, 5, 1, 1, 0, tzinfo=UTC), Decimal("0.1"), None),
        (datetime(2024, 5, 1, 2, 0, tzinfo=UTC), Decimal("0.2"), Decimal("0.05"))]


def test_a_rejected_batch_changes_nothing(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with pytest.raises(ValueError, match="interval_minutes"):
        ingest_table(pa.table({"meter_number": ["M1"], "interval_start": [T0], "kwh": [1.0]}),
                     lake_dir=lake, source_name="x", as_of=AS_OF)
    with pytest.raises(ValueError, match="timezone-aware"):
        ingest_table(batch([("M1", T0, 1.0)]), lake_dir=lake, source_name="x",
                     as_of=datetime(2030, 1, 1))
    report = ingest_table(batch([]), lake_dir=lake, source_name="x", as_of=AS_OF)
    assert report.rows_read == 0
    assert not (lake / "intervals").exists()


def test_file_ingestion_rejects_unknown_meters_and_merges_appended_parts(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    ingest_table(batch([("M1", T0, Decimal("0.1"))]), lake_dir=lake, source_name="b1",
                 as_of=AS_OF)
    ingest_table(batch([("M2", T0, Decimal("0.2"))]), lake_dir=lake, source_name="b2",
                 as_of=AS_OF)
    source = tmp_path / "f.csv"
    source.write_text(
        "meter_number,interval_start,interval_minutes,kwh\n"
        f"M1,{T0.isoformat()},15,0.1\n"
        f"M3,{T0.isoformat()},15,0.3\n"
        f"M2,{(T0 + STEP).isoformat()},15,0.4\n"
    )
    report = ingest_file(source, lake_dir=lake, source_name="f", as_of=AS_OF,
                         known_meters={"M1", "M2"})
    assert [(r.line, r.reason, r.detail) for r in report.rejected] == [(3, "unknown_meter", "M3")]
    assert (report.rows_landed, report.already_in_lake) == (1, 1)
    # The file path rewrote the day from all of its parts into one.
    assert day_parts(lake) == {"2024-05-01": 1}
    assert [(m, k) for m, _, k, _ in lake_rows(lake)] == [
        ("M1", Decimal("0.1")), ("M2", Decimal("0.2")), ("M2", Decimal("0.4"))]


def test_a_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    finished = threading.Event()

    def write() -> None:
        ingest_table(batch([("M1", T0, Decimal("0.1"))]), lake_dir=lake, source_name="late",
                     as_of=AS_OF)
        finished.set()

    with writer_lock(lake):
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not finished.is_set()
        assert not (lake / "intervals").exists()
    writer.join(timeout=30)
    assert finished.is_set()
    assert [m for m, *_ in lake_rows(lake)] == ["M1"]


def test_concurrent_writers_of_the_same_batch_land_it_once(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    table = batch([(f"M{m}", T0 + i * STEP, Decimal("0.1")) for m in range(50)
                   for i in range(8)])
    reports = []
    start = threading.Barrier(4)

    def write() -> None:
        start.wait()
        reports.append(ingest_table(table, lake_dir=lake, source_name="race", as_of=AS_OF))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted((r.rows_landed, r.already_in_lake) for r in reports) == [
        (0, 400), (0, 400), (0, 400), (400, 0)]
    assert len(lake_rows(lake)) == 400
    assert compact(lake) == []  # one part per day: nothing to merge, and no shared keys
