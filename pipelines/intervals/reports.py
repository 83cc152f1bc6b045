"""Result records of ingestion, shared by the exact and the fast ingestion paths."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPORTED_ROWS = 1000


@dataclass(frozen=True)
class RejectedRow:
    """One row that did not land: where it is and why."""

    file: str
    line: int
    reason: str
    detail: str


@dataclass
class IngestReport:
    """What one ingestion did. ``rejected`` holds at most ``MAX_REPORTED_ROWS`` entries; the
    full list (bad rows and conflicts) is in ``report_path`` when there is any."""

    source_name: str
    path: str
    rows_read: int = 0
    rows_landed: int = 0
    rows_rejected: int = 0
    duplicates_in_file: int = 0
    already_in_lake: int = 0
    conflicts: int = 0
    days_written: list[str] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    report_path: str | None = None
