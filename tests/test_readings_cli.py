"""`pelanggan readings import`: a head-end file into the lake, twice, a bad file, unknown meters."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.test import override_settings
from typer.testing import CliRunner

from pelanggan.cli import app

pytestmark = pytest.mark.django_db  # the import looks meters up in the registry

SAMPLE = Path(__file__).parent / "pipelines" / "data" / "sgsc_2_households_3_weeks.csv"


def test_import_twice_then_a_bad_file(tmp_path: Path) -> None:
    runner = CliRunner()
    with override_settings(PELANGGAN_LAKE_DIR=str(tmp_path / "lake")):
        first = runner.invoke(app, ["readings", "import", str(SAMPLE), "--mapping", "sgsc"])
        assert first.exit_code == 0, first.output
        assert "1745 rows, 1745 landed, 0 already in the lake" in first.output
        again = runner.invoke(app, ["readings", "import", str(SAMPLE), "--mapping", "sgsc"])
        assert again.exit_code == 0, again.output
        assert "1745 rows, 0 landed, 1745 already in the lake" in again.output

        bad = tmp_path / "bad.csv"
        bad.write_text(
            "meter_number,interval_start,interval_minutes,kwh\n"
            "14123456789,2024-01-01T00:00:00+07:00,15,0.250\n"
            "14123456789,2024-01-01T00:15:00+07:00,15,-1\n",
            encoding="utf-8",
        )
        result = runner.invoke(app, ["readings", "import", str(bad)])
        assert result.exit_code == 1
        assert "2 rows, 1 landed" in result.output
        assert "bad.csv, line 3: negative_kwh" in result.output
    assert sorted(p.name for p in (tmp_path / "lake" / "intervals").iterdir())[0].startswith("day=")


def test_import_rejects_meters_missing_from_a_non_empty_registry(tmp_path: Path) -> None:
    from pelanggan.metering.tests.factories import make_meter

    make_meter("14123456789")
    source = tmp_path / "headend.csv"
    source.write_text(
        "meter_number,interval_start,interval_minutes,kwh\n"
        "14123456789,2024-01-01T00:00:00+07:00,15,0.250\n"
        "99999999999,2024-01-01T00:00:00+07:00,15,0.300\n"
        "14123456789,2024-01-01T00:15:00+07:00,15,0.125\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    with override_settings(PELANGGAN_LAKE_DIR=str(tmp_path / "lake")):
        result = runner.invoke(app, ["readings", "import", str(source)])
    assert result.exit_code == 1, result.output
    assert "3 rows, 2 landed" in result.output
    assert "headend.csv, line 3: unknown_meter" in result.output
    landed = pq.read_table(tmp_path / "lake" / "intervals").column("meter_number").to_pylist()
    assert landed == ["14123456789", "14123456789"]


def test_import_reports_a_file_without_the_mapped_columns(tmp_path: Path) -> None:
    source = tmp_path / "other.csv"
    source.write_text("id,ts,wh\nA,2024-01-01 00:00,5\n", encoding="utf-8")
    with override_settings(PELANGGAN_LAKE_DIR=str(tmp_path / "lake")):
        result = CliRunner().invoke(app, ["readings", "import", str(source)])
    assert result.exit_code != 0
    assert "lacks column" in result.output
    assert not (tmp_path / "lake" / "intervals").exists()
