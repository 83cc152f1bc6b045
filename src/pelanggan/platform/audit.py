"""The audit trail: who did what to whom, when, through which request.

Event types are registered with dotted names (`customers.person.created`) by each context's
`audit_events.py`; recording an unregistered type is a bug and raises. Rows are append-only and
hash-chained: each carries the SHA-256 of the previous row's hash and its own canonical content,
so `verify_chain()` finds a row altered, removed or inserted out of order.

Old/new values never carry raw personal data: fields the registry marks personal are reduced
to `{"changed": true}` whatever the caller passes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from pelanggan.platform import clock
from pelanggan.platform.bulk import db_value
from pelanggan.platform.context import current_request_id
from pelanggan.platform.models import AuditEvent

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x5045_4C41  # "PELA": serialises chain appends on PostgreSQL


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    personal_fields: frozenset[str] = field(default_factory=frozenset)


_registry: dict[str, EventType] = {}


def register(name: str, description: str, *, personal_fields: Iterable[str] = ()) -> EventType:
    parts = name.split(".")
    if len(parts) < 3 or not all(p and p.replace("_", "").isalnum() for p in parts):
        raise ValueError(f"audit event names are dotted context.subject.verb: {name!r}")
    event = EventType(name, description, frozenset(personal_fields))
    existing = _registry.get(name)
    if existing is not None and existing != event:
        raise ValueError(f"audit event {name} registered twice with different definitions")
    _registry[name] = event
    return event


def registered_events() -> dict[str, EventType]:
    return dict(_registry)


@dataclass(frozen=True)
class Actor:
    """Who acted: a staff user, an API client, a customer, or the system itself."""

    kind: str
    id: int | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label)


def change(old: Any, new: Any) -> dict[str, Any]:
    return {"old": old, "new": new}


def _redact(event: EventType, changes: Mapping[str, Any]) -> dict[str, Any]:
    redacted: dict[str, Any] = {}
    for name, value in changes.items():
        if name in event.personal_fields:
            redacted[name] = {"changed": True}
        else:
            redacted[name] = value
    return redacted


def _canonical(row: Mapping[str, Any]) -> bytes:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), default=str).encode()


def row_hash(*, prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(content)).hexdigest()


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "event_type": event.event_type,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "subject_type": event.subject_type,
        "subject_ids": event.subject_ids,
        "request_id": event.request_id,
        "changes": event.changes,
        "reason": event.reason,
    }


_LAST_ROW_SQL = 'SELECT "seq", "row_hash" FROM "platform_auditevent" ORDER BY "seq" DESC LIMIT 1'
_INSERT_COLUMNS = (
    "seq", "occurred_at", "event_type", "actor_kind", "actor_id", "actor_label",
    "subject_type", "subject_ids", "request_id", "changes", "reason", "prev_hash", "row_hash",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"subject_ids", "changes"})
_INSERT_SQL = (
    'INSERT INTO "platform_auditevent" ('  # noqa: S608 - constant column names
    + ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
    + ") VALUES ("
    + ", ".join(["%s"] * len(_INSERT_COLUMNS))
    + ') RETURNING "id"'
)


def record(
    event_type: str,
    *,
    actor: Actor,
    subject_type: str,
    subject_ids: Iterable[str | int],
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or a new one)."""
    event = _registry.get(event_type)
    if event is None:
        raise ValueError(f"audit event type {event_type!r} is not registered")
    with transaction.atomic(), connection.cursor() as cursor:
        # Every search and record view writes one of these: plain SQL keeps it cheap.
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        cursor.execute(_LAST_ROW_SQL)
        last = cursor.fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        row = AuditEvent(
            seq=seq,
            occurred_at=occurred_at or clock.now(),
            event_type=event_type,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label,
            subject_type=subject_type,
            subject_ids=[str(s) for s in subject_ids],
            request_id=current_request_id() or "",
            changes=_redact(event, changes or {}),
            reason=reason,
            prev_hash=prev_hash,
        )
        row.row_hash = row_hash(prev_hash=prev_hash, content=_content(row))
        values = [
            getattr(row, name) if name not in _JSON_COLUMNS else json.dumps(getattr(row, name))
            for name in _INSERT_COLUMNS
        ]
        values[_INSERT_COLUMNS.index("occurred_at")] = db_value(row.occurred_at)
        cursor.execute(_INSERT_SQL, values)
        row.pk = cursor.fetchone()[0]
        row._state.adding = False
    return row


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first row whose link or content does not check out."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(
                checked, event.seq, f"expected row {expected_seq}, found {event.seq}"
            )
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, "link to the previous row is broken")
        if row_hash(prev_hash=prev_hash, content=_content(event)) != event.row_hash:
            return ChainReport(checked, event.seq, "row content does not match its hash")
        prev_hash = event.row_hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, "")
