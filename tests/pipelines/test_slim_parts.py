"""Slim part files: a clean file without kvarh and quality lands without its constant columns,
and every reader still sees the canonical lake columns."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.intervals import engine
from pipelines.intervals.ingest import compact, ingest_file, ingest_table
from pipelines.intervals.lake import day_parts

from .conftest import AS_OF

HEADER = "meter_number,interval_start,interval_minutes,kwh\n"
ROWS = (
    "M1,2024-05-01T23:45:00+00:00,15,0.250\n"
    "M1,2024-05-02T00:00:00+00:00,15,0.500\n"
    "M2,2024-05-02T00:00:00+00:00,15,1.125\n"
)
CANONICAL = ["meter_number", "interval_start", "interval_minutes", "kwh", "kvarh", "quality",
             "source_name"]


def lake_rows(lake: Path) -> list[tuple[object, ...]]:
    files = engine.lake_files(lake)
    con = engine.connect()
    con.execute("SET TimeZone = 'UTC'")
    relation = con.sql(f"SELECT * FROM {engine.lake_relation_sql(files)}")  # noqa: S608
    assert relation.columns == CANONICAL
    rows = [tuple(r.values()) for r in relation.to_arrow_table().to_pylist()]
    return sorted(rows, key=lambda r: (str(r[0]), str(r[1])))


def expected(source_name: str) -> list[tuple[object, ...]]:
    return [
        ("M1", datetime(2024, 5, 1, 23, 45, tzinfo=UTC), 15, Decimal("0.250000"), None, "A",
         source_name),
        ("M1", datetime(2024, 5, 2, tzinfo=UTC), 15, Decimal("0.500000"), None, "A", source_name),
        ("M2", datetime(2024, 5, 2, tzinfo=UTC), 15, Decimal("1.125000"), None, "A", source_name),
    ]


@pytest.mark.parametrize("source_name", ["he-1", "kantor 'Pusat' — ULP Bogor/2"])
def test_a_clean_file_lands_slim_and_reads_back_canonical(
    tmp_path: Path, source_name: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + ROWS)
    lake = tmp_path / "lake"
    report = ingest_file(path, lake_dir=lake, source_name=source_name, as_of=AS_OF)
    assert (report.rows_landed, report.days_written) == (3, ["2024-05-01", "2024-05-02"])
    files = engine.lake_files(lake)
    assert len(files) == 2
    for f in files:
        assert engine.slim_constants(f) == ("A", source_name)
        assert pq.read_schema(f).names == list(engine.SLIM_COLUMN_NAMES)
    assert lake_rows(lake) == expected(source_name)

    again = ingest_file(path, lake_dir=lake, source_name=source_name, as_of=AS_OF)
    assert (again.rows_landed, again.already_in_lake, again.conflicts) == (0, 3, 0)
    assert engine.lake_files(lake) == files


def test_a_file_with_kvarh_or_quality_lands_full(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("meter_number,interval_start,interval_minutes,kwh,kvarh\n"
                    "M1,2024-05-02T00:00:00+00:00,15,0.5,0.1\n")
    lake = tmp_path / "lake"
    ingest_file(path, lake_dir=lake, source_name="he", as_of=AS_OF)
    [only] = engine.lake_files(lake)
    assert engine.slim_constants(only) is None
    assert pq.read_schema(only).names == CANONICAL
    assert lake_rows(lake)[0][4] == Decimal("0.100000")


def test_a_too_long_source_name_lands_full(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + ROWS)
    lake = tmp_path / "lake"
    ingest_file(path, lake_dir=lake, source_name="x" * 200, as_of=AS_OF)
    assert all(engine.slim_constants(f) is None for f in engine.lake_files(lake))
    assert lake_rows(lake) == expected("x" * 200)


def test_slim_and_full_parts_of_one_day_mix_conflict_and_compact(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + ROWS)
    lake = tmp_path / "lake"
    ingest_file(path, lake_dir=lake, source_name="file", as_of=AS_OF)
    batch = pa.table({
        "meter_number": ["M1", "M3", "M2"],
        "interval_start": ["2024-05-02T00:00:00+00:00", "2024-05-02T00:00:00+00:00",
                           "2024-05-02T00:00:00+00:00"],
        "interval_minutes": [15, 15, 15],
        "kwh": ["0.500", "2.0", "9.9"],
        "kvarh": [None, "0.3", None],
    })
    report = ingest_table(batch, lake_dir=lake, source_name="mqtt", as_of=AS_OF)
    # M1 is identical to the slim part's row, M2 differs from it: the slim constants count.
    assert (report.rows_landed, report.already_in_lake, report.conflicts) == (1, 1, 1)
    assert day_parts(lake) == {"2024-05-01": 1, "2024-05-02": 2}
    m3 = ("M3", datetime(2024, 5, 2, tzinfo=UTC), 15, Decimal("2.000000"), Decimal("0.300000"),
          "A", "mqtt")
    want = sorted([*expected("file"), m3], key=lambda r: (str(r[0]), str(r[1])))
    assert lake_rows(lake) == want

    assert compact(lake) == ["2024-05-02"]
    [day_file] = engine.lake_files(lake, ["2024-05-02"])
    assert engine.slim_constants(day_file) is None
    assert pq.read_schema(day_file).names == CANONICAL
    assert lake_rows(lake) == want


def test_a_file_overlapping_a_slim_day_is_merged(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = tmp_path / "a.csv"
    first.write_text(HEADER + ROWS)
    ingest_file(first, lake_dir=lake, source_name="a", as_of=AS_OF)
    second = tmp_path / "b.csv"
    second.write_text(HEADER + "M1,2024-05-02T00:00:00+00:00,15,0.500\n"
                      "M4,2024-05-02T00:15:00+00:00,15,0.750\n")
    report = ingest_file(second, lake_dir=lake, source_name="b", as_of=AS_OF)
    assert (report.rows_landed, report.already_in_lake, report.days_written) == (
        1, 1, ["2024-05-02"])
    m4 = ("M4", datetime(2024, 5, 2, 0, 15, tzinfo=UTC), 15, Decimal("0.750000"), None, "A", "b")
    assert lake_rows(lake) == [*expected("a"), m4]


def test_slim_names_round_trip_and_full_names_are_not_slim() -> None:
    name = engine.slim_part_name("part-0", quality="E", source_name="ULP Bogor ü")
    assert name is not None
    assert engine.slim_constants(f"/lake/intervals/day=2024-05-02/{name}") == ("E", "ULP Bogor ü")
    assert engine.slim_constants("/lake/intervals/day=2024-05-02/part-0.parquet") is None
    assert engine.slim_part_name("part-0", quality="A", source_name="y" * 150) is None


def test_the_empty_relation_and_a_direct_read_agree_on_columns() -> None:
    con = duckdb.connect()
    assert con.sql(f"SELECT * FROM {engine.lake_relation_sql([])}").columns == CANONICAL  # noqa: S608
