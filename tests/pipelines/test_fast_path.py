"""The clean-file fast path: its duplicate-key check and the cases it hands to the exact path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.intervals import fast_path
from pipelines.intervals.ingest import ingest_file

from .conftest import AS_OF

HEADER = "meter_number,interval_start,interval_minutes,kwh\n"


def _staged(rows: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    """A connection with view ``staged`` (meter_number, interval_start, day) over ``rows``."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t(meter_number VARCHAR, interval_start TIMESTAMPTZ)")
    con.executemany("INSERT INTO t VALUES (?, CAST(? AS TIMESTAMPTZ))", rows)
    con.execute(
        "CREATE VIEW staged AS SELECT *, strftime(interval_start, '%Y-%m-%d') AS day FROM t"
    )
    return con


DISTINCT = [
    ("M1", "2024-01-01 00:00:00+00"), ("M1", "2024-01-01 00:15:00+00"),
    ("M2", "2024-01-01 00:00:00+00"), ("M1", "2024-01-02 00:00:00+00"),
    ("M1", "2024-01-01 23:59:00+00"),
]


@pytest.mark.parametrize("bitmaps", [True, False])
def test_repeated_keys_are_counted_by_bitmap_and_by_hash(
    bitmaps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not bitmaps:
        monkeypatch.setattr(fast_path, "MAX_BITMAP_GROUPS", 0)
    assert fast_path._count_repeated_keys(_staged(DISTINCT)) == (5, 0)
    repeated = [*DISTINCT, ("M1", "2024-01-01 00:15:00+00"), ("M2", "2024-01-01 00:00:00+00")]
    assert fast_path._count_repeated_keys(_staged(repeated)) == (7, 2)


def test_sub_minute_starts_share_a_bitmap_slot_and_only_over_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [("M1", "2024-01-01 10:00:00+00"), ("M1", "2024-01-01 10:00:30+00")]
    assert fast_path._count_repeated_keys(_staged(rows)) == (2, 1)  # a false alarm, never a miss
    monkeypatch.setattr(fast_path, "MAX_BITMAP_GROUPS", 0)
    assert fast_path._count_repeated_keys(_staged(rows)) == (2, 0)


def test_a_slot_outside_the_day_falls_back_to_the_hash_count() -> None:
    rows = [("M1", "1969-12-31 12:00:00+00"), ("M1", "1969-12-31 12:15:00+00")]
    assert fast_path._count_repeated_keys(_staged(rows)) == (2, 0)


@pytest.mark.parametrize("bitmaps", [True, False])
def test_in_file_repeats_in_a_clean_looking_file_are_reported(
    tmp_path: Path, bitmaps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not bitmaps:
        monkeypatch.setattr(fast_path, "MAX_BITMAP_GROUPS", 0)
    source = tmp_path / "a.csv"
    source.write_text(HEADER + "M1,2024-01-01T07:00:00+07:00,15,0.500\n"
                      "M1,2024-01-01T07:15:00+07:00,15,0.250\n"
                      "M1,2024-01-01T07:00:00+07:00,15,0.500\n"
                      "M1,2024-01-01T07:15:00+07:00,15,0.300\n")
    report = ingest_file(source, lake_dir=tmp_path / "lake", source_name="a", as_of=AS_OF)
    assert (report.rows_read, report.rows_landed, report.duplicates_in_file) == (4, 2, 1)
    assert [(r.line, r.reason) for r in report.rejected] == [(5, "conflict")]
    table = pq.read_table(tmp_path / "lake" / "intervals").sort_by("interval_start")
    assert table.column("kwh").to_pylist() == [Decimal("0.5"), Decimal("0.25")]


def test_distinct_starts_within_one_minute_all_land(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + "M1,2024-01-01T10:00:00+00:00,5,0.100\n"
                      "M1,2024-01-01T10:00:30+00:00,5,0.200\n")
    report = ingest_file(source, lake_dir=tmp_path / "lake", source_name="a", as_of=AS_OF)
    assert (report.rows_landed, report.duplicates_in_file, report.conflicts) == (2, 0, 0)
    assert pq.read_table(tmp_path / "lake" / "intervals").num_rows == 2


def test_a_start_before_1970_lands_in_its_own_utc_day(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + "M1,1969-12-31T12:00:00+00:00,15,0.100\n"
                      "M1,1970-01-01T12:00:00+00:00,15,0.200\n")
    lake = tmp_path / "lake"
    report = ingest_file(source, lake_dir=lake, source_name="a", as_of=AS_OF)
    assert report.days_written == ["1969-12-31", "1970-01-01"]
    before = pq.read_table(lake / "intervals" / "day=1969-12-31")
    assert before.column("interval_start").to_pylist() == [datetime(1969, 12, 31, 12, tzinfo=UTC)]


def test_pairs_are_bounded_from_dictionary_footers_only(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    few, many = tmp_path / "few.parquet", tmp_path / "many.parquet"
    # 3 meters: dictionary-encoded, the footer counts them; 300,000 distinct: plain, no count.
    con.execute(f"COPY (SELECT 'M' || (i % 3) AS meter_number FROM range(1000) t(i)) "  # noqa: S608
                f"TO '{few}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT 'M' || i AS meter_number FROM range(300000) t(i)) "  # noqa: S608
                f"TO '{many}' (FORMAT parquet)")
    assert fast_path._pairs_bound_from_footers(con, f"'{few}'") == 3
    assert fast_path._pairs_bound_from_footers(con, f"'{many}'") is None


def test_plain_chunks_bound_pairs_by_their_row_count(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    few, many = tmp_path / "few.parquet", tmp_path / "many.parquet"
    con.execute(f"COPY (SELECT 'M' || (i % 3) AS meter_number FROM range(1000) t(i)) "  # noqa: S608
                f"TO '{few}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT 'M' || i AS meter_number FROM range(300000) t(i)) "  # noqa: S608
                f"TO '{many}' (FORMAT parquet)")
    both = f"['{few}', '{many}']"
    assert fast_path._pairs_bound_from_footers(con, both) is None
    assert fast_path._pairs_bound_counting_plain_chunks(con, both) == 3 + 300_000
