"""Read side of oversight: the audit trail search of the auditor console, and the alerts.

Searches never scan personal data: audit rows hold ids and masked or redacted values only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from pelanggan.oversight.models import Alert, AlertStatus
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import PermissionDenied, ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

MAX_PAGE_SIZE = 100
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class TrailFilter:
    """What the auditor asked for; empty values do not filter. Dates are WIB calendar days."""

    staff: str = ""
    idpel: str = ""
    event_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def validate(self) -> None:
        problems: dict[str, list[dict[str, str]]] = {}
        if self.idpel and not (self.idpel.isdigit() and len(self.idpel) == 12):
            problems["idpel"] = [
                {
                    "code": "idpel_invalid",
                    "message": "An IDPEL has 12 digits",
                    "message_id": "IDPEL terdiri dari 12 digit",
                }
            ]
        if self.event_type and self.event_type not in audit.registered_events():
            problems["event_type"] = [
                {
                    "code": "event_type_unknown",
                    "message": "Unknown event type",
                    "message_id": "Jenis peristiwa tidak dikenal",
                }
            ]
        if self.date_from and self.date_to and self.date_from > self.date_to:
            problems["date_to"] = [
                {
                    "code": "period_reversed",
                    "message": "The end date is before the start date",
                    "message_id": "Tanggal akhir sebelum tanggal awal",
                }
            ]
        if problems:
            raise ValidationFailed(fields=problems)

    def as_audit_changes(self) -> dict[str, Any]:
        return {
            "staff": self.staff,
            "idpel": self.idpel,
            "event_type": self.event_type,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


@dataclass(frozen=True)
class TrailRow:
    seq: int
    occurred_at: dt.datetime
    event_type: str
    description: str
    actor_kind: str
    actor_label: str
    subject_type: str
    subject_ids: list[str]
    request_id: str
    reason: str
    changes: dict[str, Any]

    @property
    def changes_text(self) -> str:
        """`fields: nik, phones · reason_code: complaint`: what changed, compactly (audit rows
        hold ids and redacted values only, so this shows no personal data)."""
        return " · ".join(f"{key}: {_compact(value)}" for key, value in self.changes.items())


def _compact(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_compact(v) for v in value)
    if isinstance(value, dict) and set(value) == {"old", "new"}:
        return f"{_compact(value['old'])} → {_compact(value['new'])}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return "—" if value is None or value == "" else str(value)


@dataclass(frozen=True)
class TrailPage:
    total: int
    page: int
    page_size: int
    rows: list[TrailRow] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _wib_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.WIB).astimezone(dt.UTC)


def _query(trail: TrailFilter) -> QuerySet[AuditEvent]:
    trail.validate()
    events = AuditEvent.objects.all()
    if trail.staff:
        events = events.filter(actor_kind="staff", actor_label=trail.staff)
    if trail.event_type:
        events = events.filter(event_type=trail.event_type)
    if trail.date_from:
        events = events.filter(occurred_at__gte=_wib_midnight(trail.date_from))
    if trail.date_to:
        events = events.filter(occurred_at__lt=_wib_midnight(trail.date_to + dt.timedelta(days=1)))
    if trail.idpel:
        # subject_ids is a JSON list of strings; its text form holds the quoted IDPEL on both
        # SQLite and PostgreSQL, so one portable filter finds the rows about that account.
        events = events.annotate(subjects_text=Cast("subject_ids", TextField())).filter(
            Q(subject_type="account") & Q(subjects_text__contains=f'"{trail.idpel}"')
        )
    return events.order_by("-seq")


def _row(event: AuditEvent) -> TrailRow:
    registered = audit.registered_events().get(event.event_type)
    return TrailRow(
        seq=event.seq,
        occurred_at=event.occurred_at,
        event_type=event.event_type,
        description=registered.description if registered else "",
        actor_kind=event.actor_kind,
        actor_label=event.actor_label,
        subject_type=event.subject_type,
        subject_ids=[str(s) for s in event.subject_ids],
        request_id=event.request_id,
        reason=event.reason,
        changes=dict(event.changes),
    )


def _require(principal: Principal, permission: str) -> None:
    if not principal.has(permission):
        raise PermissionDenied("You do not have permission for this operation")


def search_trail(
    *, trail: TrailFilter, principal: Principal, page: int = 1, page_size: int = 50
) -> TrailPage:
    """One page of audit events matching `trail`, newest first. The search itself is audited
    (the auditor's filters are ids, never personal data)."""
    _require(principal, Perm.AUDIT_VIEW)
    page = max(1, page)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    events = _query(trail)
    total = events.count()
    page = min(page, max(1, -(-total // page_size)))  # past the end: the last page
    start = (page - 1) * page_size
    rows = [_row(e) for e in events[start : start + page_size]]
    audit.record(
        "oversight.trail.searched",
        actor=principal.actor,
        subject_type="audit_trail",
        subject_ids=["search"],
        changes={**trail.as_audit_changes(), "page": page, "total": total},
    )
    return TrailPage(total=total, page=page, page_size=page_size, rows=rows)


EXPORT_COLUMNS = (
    "seq", "occurred_at", "event_type", "actor_kind", "actor_label", "subject_type",
    "subject_ids", "request_id", "reason", "changes",
)  # fmt: skip


def export_trail(*, trail: TrailFilter, principal: Principal) -> Iterator[list[str]]:
    """CSV rows (header first) of every matching event, newest first, up to MAX_EXPORT_ROWS.

    The export is audited before the first row is produced, with the filters and row count.
    """
    import json

    _require(principal, Perm.AUDIT_VIEW)
    events = _query(trail)
    total = min(events.count(), MAX_EXPORT_ROWS)
    audit.record(
        "oversight.trail.exported",
        actor=principal.actor,
        subject_type="audit_trail",
        subject_ids=["export"],
        changes={**trail.as_audit_changes(), "rows": total},
    )

    def rows() -> Iterator[list[str]]:
        yield list(EXPORT_COLUMNS)
        for event in events[:MAX_EXPORT_ROWS].iterator(chunk_size=2000):
            yield [
                str(event.seq),
                clock.to_wib(event.occurred_at).isoformat(),
                event.event_type,
                event.actor_kind,
                event.actor_label,
                event.subject_type,
                " ".join(str(s) for s in event.subject_ids),
                event.request_id,
                event.reason,
                json.dumps(event.changes, sort_keys=True, default=str),
            ]

    return rows()


def event_types() -> list[tuple[str, str]]:
    return sorted((name, e.description) for name, e in audit.registered_events().items())


def alerts(*, principal: Principal, status: str = AlertStatus.OPEN) -> list[Alert]:
    """Alerts for the privacy officer, newest first (`status` "" for all)."""
    _require(principal, Perm.ALERTS_MANAGE)
    query = Alert.objects.all()
    if status:
        query = query.filter(status=status)
    return list(query.order_by("-last_seen_at", "-id")[:500])
