"""Bulk import of a DIL extract (CSV in the layout of `DIL_COLUMNS`).

Every row is validated before anything is written. By default the import is all-or-nothing:
one bad row and nothing changes, and the error report names line, column and reason. With
`partial=True` the good rows land and the rejected rows are written to the report with their
reasons. A row whose IDPEL already exists with the same content is "unchanged", so importing the
same file twice changes nothing.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import hashlib
import itertools
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path

from django.db import transaction

from pelanggan.customers.models import Account, ImportRun, ServiceConnection
from pelanggan.customers.services.cleaning import (
    DIL_COLUMNS,
    REQUIRED_COLUMNS,
    Problem,
    RecordInvalid,
    clean_record,
)
from pelanggan.customers.services.writer import PreparedRecord, insert_prepared, prepare
from pelanggan.platform import audit, clock
from pelanggan.platform.bulk import select_where_in
from pelanggan.security.selectors import ulp_ids_by_code

BATCH_SIZE = 2000


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


def _check_header(path: Path) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    missing = [c for c in (*REQUIRED_COLUMNS, "idpel") if c not in header]
    unknown = [c for c in header if c not in DIL_COLUMNS]
    if missing or unknown:
        problems = [
            RowProblem(1, c, "column_missing", "Required column is missing") for c in missing
        ]
        problems += [RowProblem(1, c, "column_unknown", "Unknown column") for c in unknown]
        raise HeaderInvalid(problems)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows with their line numbers, read lazily (call `_check_header` first)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if None in row:
                row.pop(None)  # type: ignore[call-overload, arg-type, unused-ignore]
                yield reader.line_num, {"__too_many_fields__": "1", **row}
            else:
                yield reader.line_num, row


def _chunked(
    rows: Iterator[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


class HeaderInvalid(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("invalid header")
        self.problems = problems


# Files above this size (about 4,000 rows) are validated and encrypted in worker processes.
PARALLEL_THRESHOLD_BYTES = 1_000_000


class _Rollback(Exception):
    """Raised inside the transaction to undo an all-or-nothing import that found bad rows."""


Checked = tuple[PreparedRecord | None, list[Problem]]


def _check_chunk(job: tuple[list[tuple[int, dict[str, str]]], dt.date]) -> list[Checked]:
    """Validate, encrypt and index a chunk of rows (runs in a worker process or inline)."""
    rows, today = job
    checked: list[Checked] = []
    for _, raw in rows:
        if raw.get("__too_many_fields__"):
            checked.append(
                (None, [Problem("", "too_many_fields", "The row has more fields than the header")])
            )
            continue
        try:
            record = clean_record(raw, today=today)
        except RecordInvalid as exc:
            checked.append((None, exc.problems))
            continue
        if not record.idpel:
            checked.append(
                (None, [Problem("idpel", "required", "idpel is required in a DIL extract")])
            )
            continue
        checked.append((prepare(record, idpel=record.idpel), []))
    return checked


Chunk = list[tuple[int, dict[str, str]]]


def _checked_chunks(
    chunks: Iterator[Chunk], today: dt.date, workers: int
) -> Iterator[tuple[Chunk, list[Checked]]]:
    """Each chunk with its checks, in file order; at most two chunks per worker in flight."""
    if workers <= 1:
        for chunk in chunks:
            yield chunk, _check_chunk((chunk, today))
        return
    # fork: children inherit the configured app and key ring and never touch the database.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=workers) as pool:
        pending: collections.deque[tuple[Chunk, AsyncResult[list[Checked]]]] = collections.deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_check_chunk, ((chunk, today),))))
            if len(pending) >= 2 * workers:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def import_dil(
    *,
    path: Path,
    partial: bool,
    actor: audit.Actor,
    report_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> ImportReport:
    """Validate every row, then write the file (or its good rows) in one transaction.

    The file is streamed in chunks. Validation and encryption run in `workers` processes
    (default: one per CPU for files over 1 MB) while this process writes; an all-or-nothing
    import that meets a bad row stops writing, keeps validating to report every problem, and
    rolls back.
    """
    started = clock.now()
    report = ImportReport(file_name=path.name)
    try:
        _check_header(path)
    except HeaderInvalid as exc:
        report.problems = exc.problems
        report.report_path = _write_report(report, path, report_path, [], partial)
        raise ImportAborted(report) from exc
    except UnicodeDecodeError as exc:
        report.problems = [_encoding_problem(path)]
        raise ImportAborted(report) from exc
    if workers is None:
        large = path.stat().st_size > PARALLEL_THRESHOLD_BYTES
        workers = (os.cpu_count() or 1) if large else 0
    ulps = ulp_ids_by_code()
    chunks = _chunked(_rows(path), batch_size)
    state = _State(ulps=ulps)
    try:
        with transaction.atomic():
            for chunk, checked in _checked_chunks(chunks, clock.today_wib(), workers):
                report.rows_total += len(chunk)
                fresh = state.screen(chunk, checked, report)
                if state.rejected and not partial:
                    continue  # keep validating to report every problem; nothing more is written
                insert_prepared(fresh, ulp_ids=ulps, now=started)
                report.rows_created += len(fresh)
            if state.rejected and not partial:
                raise _Rollback
            report.committed = True
            digest = _sha256(path)
            ImportRun.objects.create(
                file_sha256=digest, file_name=path.name[:255], mode="partial" if partial else "all",
                rows_total=report.rows_total, rows_created=report.rows_created,
                rows_unchanged=report.rows_unchanged, rows_rejected=len(state.rejected),
                started_at=started, finished_at=clock.now(), actor_label=actor.label,
            )  # fmt: skip
            audit.record(
                "customers.import.completed", actor=actor, subject_type="import",
                subject_ids=[digest[:16]],
                changes={"created": report.rows_created, "unchanged": report.rows_unchanged,
                         "rejected": len(state.rejected), "mode": "partial" if partial else "all"},
            )  # fmt: skip
    except _Rollback:
        report.rows_created = 0
        report.committed = False
    except UnicodeDecodeError as exc:
        report.problems = [_encoding_problem(path)]
        report.rows_created = 0
        raise ImportAborted(report) from exc
    report.rows_rejected = len(state.rejected)
    report.problems = sorted(state.problems, key=lambda p: (p.line, p.column))
    if state.rejected:
        report.report_path = _write_report(report, path, report_path, state.rejected, partial)
    report.seconds = (clock.now() - started).total_seconds()
    return report


@dataclass
class _State:
    """Checks across rows and against the database, in file order."""

    ulps: dict[str, int]
    seen_idpel: set[str] = field(default_factory=set)
    seen_meter: set[tuple[object, object]] = field(default_factory=set)
    rejected: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def reject(self, line: int, raw: dict[str, str], found: list[Problem]) -> None:
        raw.pop("__too_many_fields__", None)
        self.problems.extend(RowProblem(line, p.column, p.code, p.message) for p in found)
        self.rejected.append((line, raw))

    def screen(
        self, chunk: list[tuple[int, dict[str, str]]], checked: list[Checked], report: ImportReport
    ) -> list[PreparedRecord]:
        candidates: list[tuple[int, dict[str, str], PreparedRecord]] = []
        for (line, raw), (prepared, found) in zip(chunk, checked, strict=True):
            if prepared is None:
                self.reject(line, raw, found)
                continue
            found = []
            if prepared.idpel in self.seen_idpel:
                found.append(
                    Problem(
                        "idpel", "idpel_duplicate_in_file", "The IDPEL appears earlier in the file"
                    )
                )
            if prepared.ulp_code not in self.ulps:
                found.append(Problem("ulp_code", "ulp_unknown", "Unknown service unit (ULP)"))
            meter_key = (prepared.connection[0], prepared.connection[1])
            if meter_key in self.seen_meter:
                found.append(Problem("meter_number", "meter_duplicate_in_file",
                                     "The meter number appears earlier in the file"))  # fmt: skip
            if found:
                self.reject(line, raw, found)
                continue
            self.seen_idpel.add(prepared.idpel)
            self.seen_meter.add(meter_key)
            candidates.append((line, raw, prepared))
        return self._against_database(candidates, report)

    def _against_database(
        self, candidates: list[tuple[int, dict[str, str], PreparedRecord]], report: ImportReport
    ) -> list[PreparedRecord]:
        idpels = [p.idpel for _, _, p in candidates]
        stored = dict(
            select_where_in(Account, ("idpel", "source_fingerprint"), key="idpel", values=idpels)
        )
        meters = [str(p.connection[1]) for _, _, p in candidates]
        live = set(
            select_where_in(
                ServiceConnection,
                ("utility", "meter_number"),
                key="meter_number",
                values=meters,
                extra_where='"disconnected_on" IS NULL',
            )
        )
        fresh = []
        for line, raw, prepared in candidates:
            if prepared.idpel in stored:
                if stored[prepared.idpel] == prepared.account[2]:
                    report.rows_unchanged += 1
                else:
                    self.reject(line, raw, [Problem(
                        "idpel", "idpel_registered_with_other_data",
                        "The IDPEL is already registered with different data; "
                        "change it through the API or console",
                    )])  # fmt: skip
                continue
            if prepared.connection[:2] in live:
                taken = Problem(
                    "meter_number", "meter_taken", "The meter number is on another live connection"
                )
                self.reject(line, raw, [taken])
                continue
            fresh.append(prepared)
        return fresh


def _encoding_problem(path: Path) -> RowProblem:
    """Name the first line that is not UTF-8 (the decoder reads ahead, so find it by bytes)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return RowProblem(number, "", "encoding", "The line is not UTF-8 text")
    return RowProblem(1, "", "encoding", "The file is not UTF-8 text")


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
    # The rejected rows of a partial import hold personal data: readable by the operator only.
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
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
