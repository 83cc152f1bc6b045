"""Bulk import of a DIL extract (CSV in the layout of `DIL_COLUMNS`).

Every row is validated before anything is written. By default the import is all-or-nothing:
one bad row and nothing changes, and the error report names line, column and reason. With
`partial=True` the good rows land and the rejected rows are written to the report with their
reasons. A row whose IDPEL already exists with the same content is "unchanged", so importing the
same file twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from pelanggan.customers.models import Account, ImportRun, ServiceConnection
from pelanggan.customers.services.cleaning import (
    DIL_COLUMNS,
    REQUIRED_COLUMNS,
    CleanRecord,
    Problem,
    RecordInvalid,
    clean_record,
)
from pelanggan.customers.services.writer import record_fingerprint, write_records
from pelanggan.platform import audit, clock
from pelanggan.security.selectors import ulp_ids_by_code

BATCH_SIZE = 2000
_LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    code: str
    message: str


@dataclass
class ImportReport:
    file_name: str
    rows_total: int = 0
    rows_created: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    committed: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0


class ImportAborted(Exception):
    """The file cannot be read as a DIL extract at all (encoding, header)."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import aborted")
        self.report = report


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in (*REQUIRED_COLUMNS, "idpel") if c not in header]
        unknown = [c for c in header if c not in DIL_COLUMNS]
        if missing or unknown:
            problems = [
                RowProblem(1, c, "column_missing", "Required column is missing") for c in missing
            ]
            problems += [RowProblem(1, c, "column_unknown", "Unknown column") for c in unknown]
            raise HeaderInvalid(problems)
        for row in reader:
            if None in row:
                row.pop(None)  # type: ignore[call-overload, arg-type, unused-ignore]
                yield reader.line_num, {"__too_many_fields__": "1", **row}
            else:
                yield reader.line_num, row


class HeaderInvalid(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("invalid header")
        self.problems = problems


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_dil(
    *,
    path: Path,
    partial: bool,
    actor: audit.Actor,
    report_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Validate the whole file, then write it (or its good rows) in one transaction."""
    started = clock.now()
    report = ImportReport(file_name=path.name)
    try:
        raw_rows = list(_rows(path))
    except HeaderInvalid as exc:
        report.problems = exc.problems
        report.report_path = _write_report(report, path, report_path, [], partial)
        raise ImportAborted(report) from exc
    except UnicodeDecodeError as exc:
        report.problems = [RowProblem(1, "", "encoding", "The file is not UTF-8 text")]
        raise ImportAborted(report) from exc
    report.rows_total = len(raw_rows)
    today = clock.today_wib()
    ulps = ulp_ids_by_code()
    valid: list[tuple[int, CleanRecord, dict[str, str]]] = []
    rejected: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []

    def reject(line: int, raw: dict[str, str], found: list[Problem]) -> None:
        problems.extend(RowProblem(line, p.column, p.code, p.message) for p in found)
        rejected.append((line, raw))

    seen_idpel: set[str] = set()
    seen_meter: set[tuple[str, str]] = set()
    for line, raw in raw_rows:
        if raw.pop("__too_many_fields__", None):
            reject(
                line,
                raw,
                [Problem("", "too_many_fields", "The row has more fields than the header")],
            )
            continue
        try:
            record = clean_record(raw, today=today)
        except RecordInvalid as exc:
            reject(line, raw, exc.problems)
            continue
        found = []
        if not record.idpel:
            found.append(Problem("idpel", "required", "idpel is required in a DIL extract"))
        elif record.idpel in seen_idpel:
            found.append(
                Problem("idpel", "idpel_duplicate_in_file", "The IDPEL appears earlier in the file")
            )
        if record.ulp_code not in ulps:
            found.append(Problem("ulp_code", "ulp_unknown", "Unknown service unit (ULP)"))
        meter_key = (record.utility, record.meter_number)
        if meter_key in seen_meter:
            found.append(
                Problem(
                    "meter_number",
                    "meter_duplicate_in_file",
                    "The meter number appears earlier in the file",
                )
            )
        if found:
            reject(line, raw, found)
            continue
        seen_idpel.add(record.idpel or "")
        seen_meter.add(meter_key)
        valid.append((line, record, raw))

    fresh = _against_database(valid, report, reject)
    report.rows_rejected = len(rejected)
    report.problems = sorted(problems, key=lambda p: (p.line, p.column))
    if rejected and not partial:
        report.report_path = _write_report(report, path, report_path, rejected, partial)
        report.seconds = (clock.now() - started).total_seconds()
        return report
    with transaction.atomic():
        for start in range(0, len(fresh), batch_size):
            batch = [record for _, record, _ in fresh[start : start + batch_size]]
            write_records(batch, ulp_ids=ulps, idpels=[r.idpel or "" for r in batch], now=started)
        report.rows_created = len(fresh)
        report.committed = True
        digest = _sha256(path)
        ImportRun.objects.create(
            file_sha256=digest,
            file_name=path.name[:255],
            mode="partial" if partial else "all",
            rows_total=report.rows_total,
            rows_created=report.rows_created,
            rows_unchanged=report.rows_unchanged,
            rows_rejected=report.rows_rejected,
            started_at=started,
            finished_at=clock.now(),
            actor_label=actor.label,
        )
        audit.record(
            "customers.import.completed",
            actor=actor,
            subject_type="import",
            subject_ids=[digest[:16]],
            changes={
                "created": report.rows_created,
                "unchanged": report.rows_unchanged,
                "rejected": report.rows_rejected,
                "mode": "partial" if partial else "all",
            },
        )
    if rejected:
        report.report_path = _write_report(report, path, report_path, rejected, partial)
    report.seconds = (clock.now() - started).total_seconds()
    return report


Valid = list[tuple[int, CleanRecord, dict[str, str]]]


def _against_database(
    valid: Valid, report: ImportReport, reject: Callable[[int, dict[str, str], list[Problem]], None]
) -> Valid:
    """Split valid rows into new ones, unchanged re-imports and conflicts with stored data."""
    idpels = [record.idpel or "" for _, record, _ in valid]
    stored: dict[str, str] = {}
    for chunk in _chunks(idpels, _LOOKUP_CHUNK):
        stored.update(
            Account.objects.filter(idpel__in=chunk).values_list("idpel", "source_fingerprint")
        )
    meters = [record.meter_number for _, record, _ in valid]
    live: dict[tuple[str, str], str] = {}
    for chunk in _chunks(meters, _LOOKUP_CHUNK):
        rows = ServiceConnection.objects.filter(
            meter_number__in=chunk, disconnected_on__isnull=True
        )
        live.update(
            {(u, m): i for u, m, i in rows.values_list("utility", "meter_number", "account__idpel")}
        )
    fresh = []
    for line, record, raw in valid:
        if record.idpel in stored:
            if stored[record.idpel] == record_fingerprint(record):
                report.rows_unchanged += 1
            else:
                reject(
                    line,
                    raw,
                    [
                        Problem(
                            "idpel",
                            "idpel_registered_with_other_data",
                            "The IDPEL is already registered with different data; "
                            "change it through the API or console",
                        )
                    ],
                )
            continue
        holder = live.get((record.utility, record.meter_number))
        if holder is not None:
            reject(
                line,
                raw,
                [
                    Problem(
                        "meter_number",
                        "meter_taken",
                        "The meter number is on another live connection",
                    )
                ],
            )
            continue
        fresh.append((line, record, raw))
    return fresh


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_report(
    report: ImportReport,
    source: Path,
    target: Path | None,
    rejected: list[tuple[int, dict[str, str]]],
    partial: bool,
) -> Path:
    """Errors (line, column, code, reason); with --partial the rejected rows come along in full."""
    suffix = ".rejected.csv" if partial else ".errors.csv"
    path = target or source.with_name(source.name + suffix)
    by_line: dict[int, list[RowProblem]] = {}
    for problem in report.problems:
        by_line.setdefault(problem.line, []).append(problem)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if partial:
            writer.writerow(["line", "errors", *DIL_COLUMNS])
            for line, raw in rejected:
                reasons = "; ".join(
                    f"{p.column}: {p.code} ({p.message})" for p in by_line.get(line, [])
                )
                writer.writerow([line, reasons, *(raw.get(c, "") for c in DIL_COLUMNS)])
        else:
            writer.writerow(["line", "column", "code", "reason"])
            for problem in report.problems:
                writer.writerow([problem.line, problem.column, problem.code, problem.message])
    return path
