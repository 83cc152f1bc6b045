"""Transactional outbox: nothing for a rollback, at-least-once delivery, retries, dead letters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction

from pelanggan.platform import clock, outbox
from pelanggan.platform.models import DeliveryStatus, OutboxDelivery, OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

received: list[tuple[int, str]] = []
failures = {"remaining": 0}


@pytest.fixture(autouse=True)
def handlers() -> Iterator[None]:
    received.clear()

    @outbox.subscribe("tests.thing.happened", "tests.recorder")
    def recorder(event: outbox.DeliveredEvent) -> None:
        if failures["remaining"] > 0:
            failures["remaining"] -= 1
            raise ConnectionError("gateway down")
        received.append((event.id, event.payload["n"]))

    yield
    outbox.unsubscribe("tests.thing.happened", "tests.recorder")
    failures["remaining"] = 0


def test_publish_outside_a_transaction_is_a_bug() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.publish("tests.thing.happened", {"n": "x"})


def test_committed_events_are_delivered_after_commit() -> None:
    with transaction.atomic():
        outbox.publish("tests.thing.happened", {"n": "one"})
        assert received == []  # nothing leaves before the commit
    assert [payload for _, payload in received] == ["one"]
    assert OutboxDelivery.objects.get().status == DeliveryStatus.DONE


def test_rolled_back_change_sends_nothing() -> None:
    def change_then_fail() -> None:
        with transaction.atomic():
            outbox.publish("tests.thing.happened", {"n": "never"})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_then_fail()
    assert OutboxEvent.objects.count() == 0
    outbox.dispatch_due()
    assert received == []


def test_failures_are_retried_with_backoff_then_delivered() -> None:
    failures["remaining"] = 2
    start = clock.wib(2026, 11, 22, 10, 0)
    with clock.frozen(start):
        with transaction.atomic():
            outbox.publish("tests.thing.happened", {"n": "retry"})
        delivery = OutboxDelivery.objects.get()
        assert (delivery.attempts, delivery.status) == (1, DeliveryStatus.PENDING)
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=5)
        assert "gateway down" in delivery.last_error
        assert outbox.dispatch_due().delivered == 0  # not due yet
    with clock.frozen(start + dt.timedelta(seconds=6)):
        outbox.dispatch_due()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, start + dt.timedelta(seconds=16))
    with clock.frozen(start + dt.timedelta(seconds=20)):
        assert outbox.dispatch_due().delivered == 1
    assert [payload for _, payload in received] == ["retry"]


def test_dead_letter_after_max_attempts_and_manual_retry() -> None:
    failures["remaining"] = outbox.MAX_ATTEMPTS
    moment = clock.wib(2026, 11, 22, 10, 0)
    with clock.frozen(moment), transaction.atomic():
        outbox.publish("tests.thing.happened", {"n": "dead"})
    for _ in range(outbox.MAX_ATTEMPTS):
        moment += dt.timedelta(hours=2)
        with clock.frozen(moment):
            outbox.dispatch_due()
    delivery = OutboxDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, outbox.MAX_ATTEMPTS)
    assert outbox.retry_dead(delivery_ids=[delivery.pk]) == 1
    outbox.dispatch_due()
    assert [payload for _, payload in received] == ["dead"]


def test_a_handler_failure_rolls_back_only_its_own_writes() -> None:
    from pelanggan.platform import audit

    audit.register("tests.handler.wrote", "written by a handler")

    @outbox.subscribe("tests.other.happened", "tests.half_writer")
    def half_writer(event: outbox.DeliveredEvent) -> None:
        audit.record(
            "tests.handler.wrote", actor=audit.Actor.system(), subject_type="t", subject_ids=[1]
        )
        raise ValueError("after writing")

    try:
        with transaction.atomic():
            outbox.publish("tests.other.happened", {"n": 1})
        from pelanggan.platform.models import AuditEvent

        assert not AuditEvent.objects.filter(event_type="tests.handler.wrote").exists()
        assert (
            OutboxDelivery.objects.get(handler="tests.half_writer").status == DeliveryStatus.PENDING
        )
    finally:
        outbox.unsubscribe("tests.other.happened", "tests.half_writer")
