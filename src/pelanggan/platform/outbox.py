"""Transactional outbox: events written with the change, handed to handlers after commit.

A context calls `publish(name, payload)` inside the transaction of its change. One delivery row
per registered handler is written with it, so a rolled-back change sends nothing. The worker
(`dispatch_due`) hands each delivery to its handler at least once: a failure is retried with
exponential backoff and, after `MAX_ATTEMPTS`, parked as a dead letter for an operator.
Handlers must be idempotent (they receive the event id to deduplicate on).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from pelanggan.platform import clock
from pelanggan.platform.context import current_request_id
from pelanggan.platform.models import DeliveryStatus, OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = dt.timedelta(seconds=5)
MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DeliveredEvent:
    """What a handler receives."""

    id: int
    name: str
    payload: Mapping[str, Any]
    occurred_at: dt.datetime
    attempt: int


Handler = Callable[[DeliveredEvent], None]
_handlers: dict[str, dict[str, Handler]] = {}
_wakeups: list[Callable[[], None]] = []


def subscribe(event_name: str, handler_name: str) -> Callable[[Handler], Handler]:
    """Register a handler under a stable name (the name is stored with each delivery)."""

    def decorator(func: Handler) -> Handler:
        _handlers.setdefault(event_name, {})[handler_name] = func
        return func

    return decorator


def unsubscribe(event_name: str, handler_name: str) -> None:
    _handlers.get(event_name, {}).pop(handler_name, None)


def on_publish(callback: Callable[[], None]) -> None:
    """Called after a commit that published events (the task queue uses it to wake a worker)."""
    _wakeups.append(callback)


def _handler(name: str) -> Handler | None:
    for handlers in _handlers.values():
        if name in handlers:
            return handlers[name]
    return None


def publish(
    name: str, payload: Mapping[str, Any], *, occurred_at: dt.datetime | None = None
) -> OutboxEvent:
    """Record an event in the current transaction. Payloads carry ids, never personal data."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction of the change it describes")
    now = clock.now()
    event = OutboxEvent.objects.create(
        name=name,
        payload=dict(payload),
        occurred_at=occurred_at or now,
        request_id=current_request_id() or "",
    )
    OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=event, handler=handler, next_attempt_at=now)
        for handler in sorted(_handlers.get(name, {}))
    )
    for wake in _wakeups:
        transaction.on_commit(wake)
    return event


def _backoff(attempts: int) -> dt.timedelta:
    delay: dt.timedelta = BASE_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


@dataclass(frozen=True)
class DispatchResult:
    delivered: int
    failed: int
    dead: int


def dispatch_due(*, limit: int = 100) -> DispatchResult:
    """Deliver up to `limit` due deliveries. Safe to run from several workers at once."""
    delivered = failed = dead = 0
    now = clock.now()
    with transaction.atomic():
        due = OutboxDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due.select_related("event")[:limit])
        for delivery in claimed:
            outcome = _deliver(delivery, now=now)
            delivered += outcome == "done"
            failed += outcome == "retry"
            dead += outcome == "dead"
    return DispatchResult(delivered, failed, dead)


def _deliver(delivery: OutboxDelivery, *, now: dt.datetime) -> str:
    handler = _handler(delivery.handler)
    delivery.attempts += 1
    event = delivery.event
    try:
        if handler is None:
            raise LookupError(f"no handler registered as {delivery.handler}")
        # A savepoint per delivery: a failing handler's writes roll back, the others' stay.
        with transaction.atomic():
            handler(
                DeliveredEvent(
                    event.id, event.name, event.payload, event.occurred_at, delivery.attempts
                )
            )
    except Exception as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.DEAD
            logger.error("outbox delivery %s to %s is dead", delivery.id, delivery.handler)
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return "dead" if delivery.status == DeliveryStatus.DEAD else "retry"
    delivery.status = DeliveryStatus.DONE
    delivery.done_at = now
    delivery.save(update_fields=["attempts", "status", "done_at"])
    return "done"


def retry_dead(*, delivery_ids: list[int]) -> int:
    """Put dead letters back in the queue after an operator fixed the cause."""
    return OutboxDelivery.objects.filter(id__in=delivery_ids, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=clock.now()
    )
