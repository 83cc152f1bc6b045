"""DIL import: all-or-nothing with an error report, --partial, idempotent re-import, quality."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SYSTEM
from pelanggan.cli import app
from pelanggan.customers.models import Account, DataQualityFinding, Person, PersonPhone
from pelanggan.customers.services import DIL_COLUMNS, import_dil, quality_report, scan_data_quality
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = DIL_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def rows_from(valid_row: dict[str, str], n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        row = dict(valid_row)
        row["idpel"] = f"5311000{i:05d}"
        row["meter_number"] = f"141234{i:05d}"
        row["nik"] = f"327305520785{i + 1:04d}"
        row["phone"] = f"0812345{i:05d}"
        rows.append(row)
    return rows


def test_all_or_nothing_with_line_column_reason(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    rows = rows_from(valid_row, 5)
    rows[2]["nik"] = "32730552078500"  # 14 digits
    rows[4]["daya_va"] = "1000"
    rows[4]["phone"] = "+1 202 555 0100"
    source = write(tmp_path / "dil.csv", rows)
    report = import_dil(path=source, partial=False, actor=SYSTEM)
    assert not report.committed
    assert (report.rows_total, report.rows_created, report.rows_rejected) == (5, 0, 2)
    assert [(p.line, p.column, p.code) for p in report.problems] == [
        (4, "nik", "nik_bad_length"),
        (6, "daya_va", "daya_not_standard"),
        (6, "phone", "phone_not_indonesian"),
    ]
    assert Account.objects.count() == 0
    assert Person.objects.count() == 0
    with report.report_path.open() as handle:  # type: ignore[union-attr]
        lines = list(csv.reader(handle))
    assert lines[0] == ["line", "column", "code", "reason"]
    assert lines[1][:3] == ["4", "nik", "nik_bad_length"]
    assert "32730552078500" not in report.report_path.read_text()  # type: ignore[union-attr]


def test_partial_loads_good_rows_and_reports_the_rest(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    rows = rows_from(valid_row, 4)
    rows[1]["ulp_code"] = "99999"
    rows[3]["idpel"] = rows[0]["idpel"]
    source = write(tmp_path / "dil.csv", rows)
    report = import_dil(path=source, partial=True, actor=SYSTEM)
    assert report.committed
    assert (report.rows_created, report.rows_rejected) == (2, 2)
    assert sorted(Account.objects.values_list("idpel", flat=True)) == [
        rows[0]["idpel"],
        rows[2]["idpel"],
    ]
    with report.report_path.open() as handle:  # type: ignore[union-attr]
        rejected = list(csv.DictReader(handle))
    assert [(r["line"], r["idpel"]) for r in rejected] == [
        ("3", rows[1]["idpel"]),
        ("5", rows[0]["idpel"]),
    ]
    assert "ulp_unknown" in rejected[0]["errors"]
    assert report.report_path.stat().st_mode & 0o777 == 0o600  # type: ignore[union-attr]
    assert "idpel_duplicate_in_file" in rejected[1]["errors"]


def test_reimport_changes_nothing(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    source = write(tmp_path / "dil.csv", rows_from(valid_row, 6))
    first = import_dil(path=source, partial=False, actor=SYSTEM)
    counts = (Account.objects.count(), Person.objects.count(), PersonPhone.objects.count())
    second = import_dil(path=source, partial=False, actor=SYSTEM)
    assert (first.rows_created, second.rows_created, second.rows_unchanged) == (6, 0, 6)
    assert (Account.objects.count(), Person.objects.count(), PersonPhone.objects.count()) == counts


def test_changed_row_for_an_existing_idpel_is_refused(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    rows = rows_from(valid_row, 2)
    import_dil(path=write(tmp_path / "a.csv", rows), partial=False, actor=SYSTEM)
    rows[1]["street"] = "Jl. Lain No. 1"
    report = import_dil(path=write(tmp_path / "b.csv", rows), partial=False, actor=SYSTEM)
    assert [(p.line, p.code) for p in report.problems] == [(3, "idpel_registered_with_other_data")]
    assert report.rows_unchanged == 1


def test_header_problems_abort(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    columns = (*(c for c in DIL_COLUMNS if c != "meter_number"), "warna")
    row = {c: valid_row.get(c, "") for c in columns}
    result = CliRunner().invoke(
        app, ["customers", "import", str(write(tmp_path / "x.csv", [row], columns))]
    )
    assert result.exit_code == 2
    assert "meter_number" in result.output
    assert "warna" in result.output
    assert Account.objects.count() == 0


def test_cli_import_and_quality_report(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    rows = rows_from(valid_row, 4)
    rows[1]["full_name"] = "Budi Santoso"
    rows[1]["nik"] = rows[0]["nik"]  # same NIK, different name → finding, not a merge
    rows[1]["gender"], rows[1]["birth_date"] = "F", "1985-07-12"
    rows[2]["phone"] = rows[3]["phone"] = (
        "081299990000"  # same NIK? no: different persons share a phone
    )
    rows[3]["email"] = ""
    runner = CliRunner()
    result = runner.invoke(app, ["customers", "import", str(write(tmp_path / "dil.csv", rows))])
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    assert Person.objects.count() == 4
    kinds = sorted(DataQualityFinding.objects.values_list("kind", flat=True))
    assert kinds == ["duplicate_nik", "same_premise", "shared_phone"]
    (unit,) = [u for u in quality_report().units if u.ulp_code == "53110"]
    assert unit.accounts == 4
    assert str(unit.completeness["email"]) == "75.0"
    assert str(unit.completeness["nik"]) == "100.0"
    assert str(unit.consistency) == "0.0"  # every account sits at the same premise
    assert AuditEvent.objects.filter(event_type="customers.import.completed").count() == 1
    json_out = runner.invoke(app, ["customers", "quality", "--json"])
    assert json_out.exit_code == 0
    assert '"ulp_code": "53110"' in json_out.output


def test_scan_resolves_findings_that_disappear(tmp_path: Path, units, valid_row, agent_a) -> None:  # type: ignore[no-untyped-def]
    from conftest import principal_of
    from pelanggan.customers.services import PersonChange, update_person

    rows = rows_from(valid_row, 2)
    rows[1]["phone"] = rows[0]["phone"]
    rows[1]["street"] = "Jl. Lain No. 9"
    import_dil(path=write(tmp_path / "dil.csv", rows), partial=False, actor=SYSTEM)
    assert scan_data_quality(actor=SYSTEM).open_findings == {"shared_phone": 1}
    update_person(
        idpel=rows[1]["idpel"],
        change=PersonChange(phone="081311112222"),
        principal=principal_of(agent_a),
    )
    result = scan_data_quality(actor=SYSTEM)
    assert (result.open_findings, result.resolved) == ({}, 1)


def test_a_file_that_is_not_utf8_imports_nothing(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    from pelanggan.customers.services.importer import ImportAborted

    source = write(tmp_path / "dil.csv", rows_from(valid_row, 3))
    with source.open("ab") as handle:
        handle.write(valid_row["idpel"].encode() + b",53110,Sit\xe9 \xff\xfe\n")
    with pytest.raises(ImportAborted) as aborted:
        import_dil(path=source, partial=True, actor=SYSTEM)
    assert [(p.line, p.code) for p in aborted.value.report.problems] == [(5, "encoding")]
    assert Account.objects.count() == 0


def test_parallel_workers_give_the_same_result(tmp_path: Path, units, valid_row) -> None:  # type: ignore[no-untyped-def]
    rows = rows_from(valid_row, 30)
    rows[7]["nik"] = "1234"
    source = write(tmp_path / "dil.csv", rows)
    report = import_dil(path=source, partial=True, actor=SYSTEM, batch_size=4, workers=2)
    assert (report.rows_total, report.rows_created, report.rows_rejected) == (30, 29, 1)
    assert [(p.line, p.code) for p in report.problems] == [(9, "nik_bad_length")]
    assert Account.objects.count() == 29
