"""Interval pipeline: ingestion, VEE and aggregates, checked against independent Python."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.intervals import SGSC
from pipelines.intervals.aggregates import aggregate, month_bounds
from pipelines.intervals.cli import main as cli_main
from pipelines.intervals.ingest import ingest_file
from pipelines.intervals.vee import METHOD_LINEAR, METHOD_PROFILE, VeeConfig, run_vee

from .conftest import AS_OF, REPO_ROOT, SAMPLE, gaps, read_sgsc, totals


def lake_state(lake: Path) -> dict[str, tuple[str, int]]:
    """Every file under the lake's intervals: content hash and mtime, to prove 'unchanged'."""
    return {
        str(p.relative_to(lake)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted((lake / "intervals").rglob("*.parquet"))
    }


def test_pipelines_import_neither_django_nor_pelanggan() -> None:
    code = (
        "import sys, json\n"
        "import pipelines.intervals.ingest, pipelines.intervals.vee\n"
        "import pipelines.intervals.aggregates, pipelines.intervals.cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'pelanggan')]\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_sample_ingest_is_idempotent(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = ingest_file(SAMPLE, lake_dir=lake, mapping=SGSC, source_name="s", as_of=AS_OF)
    assert (first.rows_read, first.rows_landed, first.rows_rejected) == (1745, 1745, 0)
    assert len(first.days_written) == 22  # 21 AEST days span 22 UTC days
    before = lake_state(lake)
    second = ingest_file(SAMPLE, lake_dir=lake, mapping=SGSC, source_name="s", as_of=AS_OF)
    assert (second.rows_landed, second.already_in_lake, second.days_written) == (0, 1745, [])
    assert lake_state(lake) == before
    assert not (lake / "_staging").exists()


def test_sample_timestamps_are_stored_in_utc(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    ingest_file(SAMPLE, lake_dir=lake, mapping=SGSC, source_name="s", as_of=AS_OF)
    table = pq.read_table(lake / "intervals" / "day=2012-09-10")
    assert table.schema.field("interval_start").type == pa.timestamp("us", tz="UTC")
    first = min(table.column("interval_start").to_pylist())
    # 2012-09-10 00:00 AEST (UTC+10) is 2012-09-09 14:00 UTC: that row lives in day=2012-09-09.
    assert first == datetime(2012, 9, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("source", ["sample", "full"])
def test_gaps_and_aggregates_match_independent_python(
    tmp_path: Path, source: str, request: pytest.FixtureRequest
) -> None:
    path = SAMPLE if source == "sample" else request.getfixturevalue("full_dataset")
    expected = read_sgsc(path)
    lake = tmp_path / "lake"
    report = ingest_file(path, lake_dir=lake, mapping=SGSC, source_name="sgsc", as_of=AS_OF)
    assert report.rows_landed == sum(len(v) for v in expected.values())

    vee = run_vee(lake_dir=lake)
    expected_gaps = {m: gaps(p) for m, p in expected.items() if gaps(p)[0]}
    assert vee.report.gaps_by_meter == {m: g[0] for m, g in expected_gaps.items()}
    assert vee.report.gap_runs_by_meter == {m: g[1] for m, g in expected_gaps.items()}
    assert vee.report.duplicates == vee.report.clock_jumps == vee.report.negative_values == 0
    assert vee.report.outage_intervals == 0  # no areas given

    for grain in ("day", "month"):
        rows = aggregate(lake_dir=lake, grain=grain).to_pylist()
        got = {
            (r["meter_number"], r["period_start"].isoformat()[: 7 if grain == "month" else 10]):
            (r["kwh_total"], r["kwh_wbp"], r["kwh_lwbp"], r["max_demand_kw"])
            for r in rows
        }
        want = {
            (m, key): (
                total.quantize(Decimal("0.001")),
                wbp.quantize(Decimal("0.001")),
                (total - wbp).quantize(Decimal("0.001")),
                demand.quantize(Decimal("0.001")),
            )
            for m, points in expected.items()
            for key, (total, wbp, demand) in totals(points, monthly=grain == "month").items()
        }
        assert got == want


def test_month_filter_reads_only_that_wib_month(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    ingest_file(SAMPLE, lake_dir=lake, mapping=SGSC, source_name="s", as_of=AS_OF)
    start, end = month_bounds("2012-09")
    rows = aggregate(lake_dir=lake, grain="month", period_from=start, period_to=end).to_pylist()
    want = totals(read_sgsc(SAMPLE)["10006704"], monthly=True)["2012-09"]
    got = next(r for r in rows if r["meter_number"] == "10006704")
    assert got["kwh_total"] == want[0].quantize(Decimal("0.001"))
    assert [r["period_start"].isoformat() for r in rows] == ["2012-09-01", "2012-09-01"]


BAD_CSV = """meter_number,interval_start,interval_minutes,kwh,kvarh,quality
M1,2024-01-01T00:00:00+07:00,30,0.5,0.1,A
,2024-01-01T00:30:00+07:00,30,0.5,,
M1,not-a-time,30,0.5,,
M1,2024-01-01 01:00:00,30,-0.2,,
M1,2024-01-01 01:30:00,7,0.2,,
M1,2024-01-01 02:00:00,30,abc,,
M1,2031-01-01 02:00:00,30,0.2,,
M1,2024-01-01 02:30:00,30,0.3,,,too-many
M1,2024-01-01 03:00:00,30,0.4,x,
M1,2024-01-01 03:30:00,30,0.7,,
M1,2024-01-01 03:30:00,30,0.7,,
M1,2024-01-01 03:30:00,30,0.9,,
"""


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_land(tmp_path: Path) -> None:
    source = tmp_path / "headend.csv"
    source.write_text(BAD_CSV)
    lake = tmp_path / "lake"
    report = ingest_file(source, lake_dir=lake, source_name="headend", as_of=AS_OF)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "missing_meter"),
        (4, "unparseable_timestamp"),
        (5, "negative_kwh"),
        (6, "invalid_interval_minutes"),
        (7, "missing_or_unparseable_kwh"),
        (8, "future_timestamp"),
        (9, "malformed_line"),
        (10, "unparseable_kvarh"),
        (13, "conflict"),
    ]
    assert report.rejected[1].detail == "not-a-time"
    assert (report.rows_read, report.rows_landed, report.duplicates_in_file) == (12, 2, 1)
    assert (report.rows_rejected, report.conflicts) == (8, 1)
    assert report.report_path is not None
    assert Path(report.report_path).read_text().splitlines()[1] == (
        f"{source},3,missing_meter,"
    )
    landed = pq.read_table(lake / "intervals" / "day=2023-12-31").sort_by("interval_start")
    # The naive 03:30 is WIB: 2023-12-31 20:30 UTC; the offset one is honoured.
    assert landed.column("interval_start").to_pylist() == [
        datetime(2023, 12, 31, 17, 0, tzinfo=UTC), datetime(2023, 12, 31, 20, 30, tzinfo=UTC)]
    assert landed.column("kwh").to_pylist() == [Decimal("0.5"), Decimal("0.7")]


def test_conflict_with_lake_is_reported_and_not_applied(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = tmp_path / "a.csv"
    first.write_text("meter_number,interval_start,interval_minutes,kwh\n"
                     "M1,2024-01-01T00:00:00+07:00,30,0.500\n")
    second = tmp_path / "b.csv"
    second.write_text("meter_number,interval_start,interval_minutes,kwh\n"
                      "M1,2024-01-01T00:30:00+07:00,30,0.250\n"
                      "M1,2024-01-01T00:00:00+07:00,30,0.600\n")
    ingest_file(first, lake_dir=lake, source_name="a", as_of=AS_OF)
    report = ingest_file(second, lake_dir=lake, source_name="b", as_of=AS_OF)
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "conflict")]
    assert report.rows_landed == 1
    table = pq.read_table(lake / "intervals").sort_by("interval_start")
    assert table.column("kwh").to_pylist() == [Decimal("0.5"), Decimal("0.25")]
    assert table.column("source_name").to_pylist() == ["a", "b"]


def test_parquet_source_and_wh_mapping(tmp_path: Path) -> None:
    from pipelines.intervals.layout import ColumnMapping

    source = tmp_path / "vendor.parquet"
    pq.write_table(pa.table({
        "id": ["X9", "X9"], "ts": ["2024-02-01 10:00", "2024-02-01 10:15"], "wh": [1500, 250],
    }), source)
    mapping = ColumnMapping(name="vendor", meter_number_column="id", interval_start_column="ts",
                            interval_minutes_column=None, interval_minutes_fixed=15,
                            kwh_column="wh", kvarh_column=None, quality_column=None,
                            energy_scale=Decimal("0.001"))
    report = ingest_file(source, lake_dir=tmp_path / "lake", mapping=mapping,
                         source_name="v", as_of=AS_OF)
    assert report.rows_landed == 2
    table = pq.read_table(tmp_path / "lake" / "intervals").sort_by("interval_start")
    assert table.column("kwh").to_pylist() == [Decimal("1.5"), Decimal("0.25")]
    assert table.column("interval_start").to_pylist()[0] == datetime(2024, 2, 1, 3, tzinfo=UTC)


def series(meter: str, start: datetime, values: list[float | None], minutes: int = 30
           ) -> list[dict[str, object]]:
    step = timedelta(minutes=minutes)
    return [
        {"meter_number": meter, "interval_start": start + i * step, "interval_minutes": minutes,
         "kwh": Decimal(f"{v:.3f}"), "kvarh": None, "quality": "A"}
        for i, v in enumerate(values) if v is not None
    ]


def to_table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("meter_number", pa.string()), ("interval_start", pa.timestamp("us", tz="UTC")),
        ("interval_minutes", pa.int32()), ("kwh", pa.decimal128(18, 6)),
        ("kvarh", pa.decimal128(18, 6)), ("quality", pa.string())]))


START = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)  # a Monday


def test_short_gap_is_interpolated_exactly() -> None:
    result = run_vee(to_table(series("M1", START, [0.1, None, None, 0.4, 0.5])))
    rows = result.series.to_pylist()
    assert [(r["kwh"], r["quality"], r["estimation_method"]) for r in rows[1:3]] == [
        (Decimal("0.2"), "E", METHOD_LINEAR), (Decimal("0.3"), "E", METHOD_LINEAR)]
    assert (result.report.missing_intervals, result.report.estimated_linear) == (2, 2)


def test_long_gap_uses_comparable_day_profile() -> None:
    # 60-minute data, 12 days; each day's value at hour h is day + h / 100. Day 10 (Thursday)
    # misses 06:00–11:00 UTC (6 slots > max 4): estimate = mean of that hour on the last 4
    # weekdays before (WIB calendar, all on the same UTC hour), i.e. days 9, 8, 7, 4.
    values: list[float | None] = []
    for day in range(12):
        for hour in range(24):
            values.append(None if day == 10 and 6 <= hour < 12 else day + hour / 100)
    result = run_vee(to_table(series("M1", START, values, minutes=60)),
                     config=VeeConfig(max_interpolation_intervals=4, profile_days=4))
    estimated = [r for r in result.series.to_pylist() if r["quality"] == "E"]
    assert len(estimated) == 6
    assert {r["estimation_method"] for r in estimated} == {METHOD_PROFILE}
    first = estimated[0]
    assert first["interval_start"] == START + timedelta(days=10, hours=6)
    # WIB weekday type of 06:00 UTC is the same calendar day (13:00 WIB): Thu; previous weekdays
    # at 06:00 UTC are days 9 (Wed), 8 (Tue), 7 (Mon), 4 (Fri) -> mean(9, 8, 7, 4) + 0.06.
    assert first["kwh"] == Decimal("7.060")


def test_area_outage_is_not_estimated_but_a_lone_gap_is() -> None:
    values = [0.2] * 10
    rows = []
    for meter in ("A1", "A2", "A3"):
        rows += series(meter, START, [None if 3 <= i < 5 else v for i, v in enumerate(values)])
    rows += series("B1", START, [None if i == 6 else v for i, v in enumerate(values)])
    rows += series("A1", START + timedelta(hours=10), [0.2] * 4)
    areas = {"A1": "ULP-1", "A2": "ULP-1", "A3": "ULP-1", "B1": "ULP-1"}
    result = run_vee(to_table(rows), meter_areas=areas,
                     config=VeeConfig(outage_share=0.5, outage_min_meters=2))
    out = result.series.to_pylist()
    outage = [r for r in out if r["flag"] == "outage"]
    assert sorted((r["meter_number"], r["interval_start"]) for r in outage) == sorted(
        (m, START + timedelta(minutes=30 * i)) for m in ("A1", "A2", "A3") for i in (3, 4))
    assert all(r["kwh"] is None and r["quality"] == "M" for r in outage)
    lone = next(r for r in out if r["meter_number"] == "B1" and r["quality"] == "E")
    assert (lone["kwh"], lone["estimation_method"]) == (Decimal("0.2"), METHOD_LINEAR)
    # A1's 10 h break (20 slots) is a lone gap too: estimated, not an outage.
    assert result.report.outage_intervals == 6


def test_duplicates_clock_jumps_negatives_and_spikes_are_counted() -> None:
    rows = series("M1", START, [0.1] * 60)
    rows.append(dict(rows[5]))
    rows.append({**rows[6], "interval_start": START + timedelta(minutes=187)})
    rows[10]["kwh"] = Decimal("-0.3")
    rows[20]["kwh"] = Decimal("5")
    result = run_vee(to_table(rows), contracted_kw={"M1": 2.2})
    report = result.report
    assert (report.duplicates, report.clock_jumps, report.negative_values, report.spikes) == (
        1, 1, 1, 1)
    assert report.missing_intervals == 1  # the negative reading does not fill its slot


def test_cli_ingest_and_aggregate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = tmp_path / "lake"
    code = cli_main(["ingest", str(SAMPLE), "--lake", str(lake), "--mapping", "sgsc",
                     "--as-of", "2030-01-01T00:00:00+07:00"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["rows_landed"] == 1745
    assert cli_main(["aggregate", "--lake", str(lake), "--month", "2012-09"]) == 0
    months = json.loads(capsys.readouterr().out)
    assert [m["meter_number"] for m in months] == ["10006704", "10017994"]


def test_clean_file_on_an_existing_day_merges_into_one_partition(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    header = "meter_number,interval_start,interval_minutes,kwh\n"
    (tmp_path / "a.csv").write_text(header + "M1,2024-01-01T08:00:00+07:00,30,0.500\n")
    (tmp_path / "b.csv").write_text(header + "M2,2024-01-01T08:00:00+07:00,30,0.100\n"
                                    "M1,2024-01-01T08:00:00+07:00,30,0.500\n")
    ingest_file(tmp_path / "a.csv", lake_dir=lake, source_name="a", as_of=AS_OF)
    report = ingest_file(tmp_path / "b.csv", lake_dir=lake, source_name="b", as_of=AS_OF)
    assert (report.rows_landed, report.already_in_lake, report.days_written) == (
        1, 1, ["2024-01-01"])
    files = list((lake / "intervals" / "day=2024-01-01").glob("*.parquet"))
    assert len(files) == 1
    assert pq.read_table(files[0]).column("meter_number").to_pylist() == ["M1", "M2"]
