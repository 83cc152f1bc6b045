"""`pelanggan readings import`: a head-end file into the lake, twice, and a bad file."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings
from typer.testing import CliRunner

from pelanggan.cli import app

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
