"""Meter events: bulk recording, idempotency, outbox publication, rejection reasons, scoping."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import Persona, principal_of
from pelanggan.metering.models import MeterEvent
from pelanggan.metering.selectors import existing_meter_numbers, meter_events_for
from pelanggan.metering.services.events import MeterEventIn, record_meter_events
from pelanggan.metering.tests.factories import NOW, installed, make_customer, make_meter
from pelanggan.platform import clock
from pelanggan.platform.errors import NotFound
from pelanggan.platform.models import OutboxEvent

pytestmark = pytest.mark.django_db


def event(
    number: str, kind: str = "tamper_cover_open", minute: int = 0, **kw: object
) -> MeterEventIn:
    return MeterEventIn(
        meter_number=number,
        kind=kind,
        occurred_at=clock.wib(2026, 11, 22, 9, minute),
        source="mqtt",
        payload={"phase": "R"},
        **kw,  # type: ignore[arg-type]
    )


def test_same_event_twice_is_stored_and_published_once(agent_a: Persona) -> None:
    make_meter("123456789")
    with clock.frozen(NOW):
        first = record_meter_events([event("123456789"), event("123456789", "power_on", 5)])
        again = record_meter_events([event("123456789"), event("123456789", "power_on", 5)])
    assert (first.stored, first.duplicates, first.rejected) == (2, 0, [])
    assert (again.stored, again.duplicates, again.rejected) == (0, 2, [])
    assert MeterEvent.objects.count() == 2
    published = OutboxEvent.objects.filter(name="metering.meter_event").order_by("id")
    assert [e.payload["kind"] for e in published] == ["tamper_cover_open", "power_on"]
    assert published[0].payload["meter_number"] == "123456789"
    assert published[0].payload["meter_event_id"] == first.stored_ids[0]


def test_explicit_dedup_key_wins_and_repeats_inside_a_batch_count_once() -> None:
    make_meter("123456789")
    with clock.frozen(NOW):
        result = record_meter_events(
            [
                event("123456789", dedup_key="hes-1"),
                event("123456789", minute=7, dedup_key="hes-1"),
                event("123456789", minute=7, dedup_key="hes-2"),
            ]
        )
    assert (result.stored, result.duplicates) == (2, 1)
    assert set(MeterEvent.objects.values_list("dedup_key", flat=True)) == {"hes-1", "hes-2"}


def test_bad_events_are_rejected_with_reasons_and_the_good_ones_land() -> None:
    make_meter("123456789")
    naive = MeterEventIn("123456789", "power_on", dt.datetime(2026, 11, 22, 9), "mqtt", {})
    future = MeterEventIn("123456789", "power_on", clock.wib(2026, 11, 23), "mqtt", {})
    with clock.frozen(NOW):
        result = record_meter_events(
            [
                event("999999999"),
                event("123456789", kind="exploded"),
                naive,
                future,
                MeterEventIn("123456789", "power_on", clock.wib(2026, 11, 22, 8), "pigeon", {}),
                event("123456789"),
            ]
        )
    assert result.stored == 1
    assert [(r.index, r.reason) for r in result.rejected] == [
        (0, "unknown_meter"),
        (1, "unknown_kind"),
        (2, "naive_time"),
        (3, "in_future"),
        (4, "unknown_source"),
    ]
    assert OutboxEvent.objects.filter(name="metering.meter_event").count() == 1


def test_existing_meter_numbers_in_one_query(django_assert_num_queries: object) -> None:
    make_meter("123456789")
    make_meter("PDAM-0001", "water")
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = existing_meter_numbers(["123456789", "PDAM-0001", "000000000"])
    assert found == {"123456789", "PDAM-0001"}
    assert existing_meter_numbers([]) == set()


def test_events_for_a_customer_follow_the_installation_period_and_units(
    agent_a: Persona, agent_b: Persona
) -> None:
    principal = principal_of(agent_a)
    make_customer(principal, "531100000001", "123456789")
    installed(principal, "531100000001", "123456789", at=clock.wib(2026, 11, 22, 9, 3))
    with clock.frozen(NOW):
        record_meter_events([event("123456789", minute=1), event("123456789", "power_on", 5)])
    events = meter_events_for(principal, "531100000001")
    # The event of minute 1 happened before the meter was installed here.
    assert [(e.kind, e.meter_number) for e in events] == [("power_on", "123456789")]
    assert events[0].kind_label == "Listrik menyala"
    with pytest.raises(NotFound):
        meter_events_for(principal_of(agent_b), "531100000001")
