"""Meter events in bulk, from the MQTT listener, the HTTP batch API and file imports.

`record_meter_events` is the one entry point: it validates every event, stores the new ones
(the same event twice is stored once: `dedup_key` is unique) and publishes each new one through
the platform outbox as `metering.meter_event`, in the same transaction, for notifications and
outages to react to. Events of unknown meters and invalid events are rejected with a reason and
do not stop the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from pelanggan.metering.models import EventSource, Meter, MeterEvent, MeterEventKind
from pelanggan.platform import audit, clock, outbox

OUTBOX_EVENT = "metering.meter_event"
MAX_BATCH = 5000
# Clocks of meters drift; an event further in the future than this is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class MeterEventIn:
    """One event as reported by a meter or head-end.

    `kind` is a `MeterEventKind` value (e.g. "tamper_cover_open"); `occurred_at` must be an
    aware datetime (the meter's clock); `source` an `EventSource` value ("mqtt", "http",
    "file", "simulator", "manual"); `payload` a JSON-serialisable dict with no personal data;
    `dedup_key` the sender's unique id for the event, or None to derive one from meter number,
    kind and occurred_at (so a redelivered event is recognised either way).
    """

    meter_number: str
    kind: str
    occurred_at: dt.datetime
    source: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None

    def effective_dedup_key(self) -> str:
        if self.dedup_key:
            return self.dedup_key
        basis = "|".join(
            [self.meter_number, self.kind, self.occurred_at.astimezone(dt.UTC).isoformat()]
        )
        return "h:" + hashlib.sha256(basis.encode()).hexdigest()


@dataclass(frozen=True)
class RejectedEvent:
    index: int  # position in the input list
    meter_number: str
    reason: str  # "unknown_meter", "unknown_kind", "unknown_source", "naive_time", ...


@dataclass(frozen=True)
class RecordResult:
    """`stored`: newly stored; `duplicates`: already known (or repeated in the batch);
    `rejected`: not stored, each with its reason. stored + duplicates + len(rejected) equals
    the number of events given."""

    stored: int
    duplicates: int
    rejected: list[RejectedEvent]
    stored_ids: list[int] = field(default_factory=list)


def _problem(event: MeterEventIn, *, now: dt.datetime) -> str | None:
    if event.kind not in MeterEventKind.values:
        return "unknown_kind"
    if event.source not in EventSource.values:
        return "unknown_source"
    if event.occurred_at.tzinfo is None:
        return "naive_time"
    if event.occurred_at > now + FUTURE_TOLERANCE:
        return "in_future"
    if event.dedup_key is not None and not 0 < len(event.dedup_key) <= 120:
        return "bad_dedup_key"
    if not isinstance(event.payload, Mapping):
        return "bad_payload"
    return None


def record_meter_events(
    events: list[MeterEventIn], *, actor: audit.Actor | None = None
) -> RecordResult:
    """Store the new events of a batch and publish each through the outbox; idempotent.

    Unknown meters (by number, any utility) and invalid events are rejected with a reason;
    the rest land. Two writers racing on the same event: the loser retries once and then
    counts it as a duplicate. Raises ValueError when the batch is larger than MAX_BATCH.
    """
    try:
        return _record(events, actor=actor)
    except IntegrityError:
        return _record(events, actor=actor)


def _record(events: list[MeterEventIn], *, actor: audit.Actor | None) -> RecordResult:
    if len(events) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per batch")
    now = clock.now()
    rejected: list[RejectedEvent] = []
    candidates: list[tuple[int, MeterEventIn, str]] = []
    for index, event in enumerate(events):
        problem = _problem(event, now=now)
        if problem:
            rejected.append(RejectedEvent(index, event.meter_number, problem))
        else:
            candidates.append((index, event, event.effective_dedup_key()))
    if not candidates:
        return RecordResult(0, 0, rejected)
    numbers = {event.meter_number for _, event, _ in candidates}
    with transaction.atomic():
        meter_ids = dict(
            Meter.objects.filter(number__in=numbers).order_by("id").values_list("number", "id")
        )
        keys = [key for _, _, key in candidates]
        known = set(
            MeterEvent.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
        )
        duplicates = 0
        new_rows: list[MeterEvent] = []
        for index, event, key in candidates:
            meter_id = meter_ids.get(event.meter_number)
            if meter_id is None:
                rejected.append(RejectedEvent(index, event.meter_number, "unknown_meter"))
                continue
            if key in known:
                duplicates += 1
                continue
            known.add(key)
            new_rows.append(
                MeterEvent(
                    meter_id=meter_id,
                    kind=event.kind,
                    occurred_at=event.occurred_at,
                    received_at=now,
                    source=event.source,
                    payload=dict(event.payload),
                    dedup_key=key,
                )
            )
        created = MeterEvent.objects.bulk_create(new_rows)
        numbers_by_id = {meter_id: number for number, meter_id in meter_ids.items()}
        for row in created:
            outbox.publish(
                OUTBOX_EVENT,
                {
                    "meter_event_id": row.pk,
                    "meter_id": row.meter_id,
                    "meter_number": numbers_by_id[row.meter_id],
                    "kind": row.kind,
                    "occurred_at": row.occurred_at.astimezone(dt.UTC).isoformat(),
                    "source": row.source,
                    "payload": row.payload,
                },
                occurred_at=row.occurred_at,
            )
        if created:
            audit.record(
                "metering.events.recorded",
                actor=actor or audit.Actor.system("metering"),
                subject_type="meter_event_batch",
                subject_ids=sorted({row.meter_id for row in created}),
                changes={"stored": len(created), "duplicates": duplicates},
            )
    rejected.sort(key=lambda r: r.index)
    return RecordResult(len(created), duplicates, rejected, [row.pk for row in created])
