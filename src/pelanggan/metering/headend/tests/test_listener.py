"""The MQTT listener against the real Mosquitto: good readings land once, bad ones are counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pelanggan.metering.headend.listener import Listener, ListenerOptions
from pelanggan.metering.headend.tests.conftest import forget_session, lake_rows
from pelanggan.metering.headend.topics import topic
from pelanggan.platform import clock

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def _listener(lake: Path, run_id: str, address: Any) -> Listener:
    options = ListenerOptions(client_id=f"t-listen-{run_id}", lake_dir=lake, batch_seconds=0.3,
                              sweep_commands=False)
    return Listener(options, address=address, now=lambda: NOW)


def _readings(start: dt.datetime, count: int, kwh: float = 0.25) -> dict[str, Any]:
    return {"readings": [
        {"interval_start": (start + dt.timedelta(minutes=15 * i)).isoformat(),
         "interval_minutes": 15, "kwh": kwh}
        for i in range(count)
    ]}  # fmt: skip


@pytest.mark.django_db
def test_readings_land_once_and_bad_messages_are_counted(
    broker_address: Any, run_id: str, meters: Any, lake: Path, publisher: Any
) -> None:
    good, other = meters(2)
    client_id = f"t-listen-{run_id}"
    listener = _listener(lake, run_id, broker_address)
    try:
        # Subscribe first (the durable session), so what is published next is queued for us.
        listener.run(once=True, idle_seconds=0.5)
        start = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
        publisher(topic(good, "readings"), _readings(start, 8))
        publisher(topic(other, "readings"), _readings(start, 4, kwh=1.5))
        publisher(topic(good, "readings"), _readings(start, 8))  # redelivery: absorbed
        publisher(topic(good, "readings"), b"{not json")
        publisher(topic(good, "readings"), {"rows": []})
        publisher(topic(f"{run_id}NOPE", "readings"), _readings(start, 2))
        publisher(topic(good, "readings"), {"readings": [
            {"interval_start": "2026-11-22T19:00:00+07:00", "interval_minutes": 15, "kwh": 1},
            {"interval_start": "2026-11-21T05:00:00+00:00", "interval_minutes": 7, "kwh": 1},
            {"interval_start": "2026-11-21T06:00:00+00:00", "interval_minutes": 15, "kwh": -1},
            {"interval_start": "yesterday", "interval_minutes": 15, "kwh": 1},
            {"interval_start": "2026-11-21T10:00:00", "interval_minutes": 60, "kwh": 2.5},
        ]})  # fmt: skip
        listener = _listener(lake, run_id, broker_address)
        counters = listener.run(once=True, idle_seconds=1.5)
    finally:
        forget_session(broker_address, client_id)

    assert counters.readings_landed == 8 + 4 + 1
    assert counters.readings_duplicate == 8
    rejected = dict(counters.rejected)
    # Another test run on the shared broker may add its meters (unknown here) to the count.
    assert rejected.pop("unknown_meter") >= 2
    assert rejected == {
        "malformed_json": 1, "schema_violation": 1, "future_timestamp": 1,
        "invalid_interval_minutes": 1, "negative_energy": 1, "invalid_timestamp": 1,
    }  # fmt: skip
    rows = lake_rows(lake, run_id)
    assert len(rows) == 13
    assert len({(r[0], r[1]) for r in rows}) == 13
    by_meter = {m: [r for r in rows if r[0] == m] for m in (good, other)}
    assert [r[3] for r in by_meter[other]] == [Decimal("1.5")] * 4
    assert by_meter[good][0][1] == dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
    # A naive timestamp is WIB: 10:00 WIB is 03:00 UTC.
    assert by_meter[good][-1][1:] == (dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC), 60,
                                      Decimal("2.5"))


@pytest.mark.django_db
def test_events_reach_the_metering_context_once(
    broker_address: Any, run_id: str, meters: Any, lake: Path, publisher: Any
) -> None:
    from pelanggan.metering.models import MeterEvent

    (meter,) = meters(1)
    client_id = f"t-listen-{run_id}"
    listener = _listener(lake, run_id, broker_address)
    event = {"kind": "tamper_cover_open", "occurred_at": "2026-11-22T10:00:00+00:00",
             "event_id": "e-1", "payload": {"cover": "terminal"}}
    try:
        listener.run(once=True, idle_seconds=0.5)
        publisher(topic(meter, "events"), event)
        publisher(topic(meter, "events"), {"events": [event, {**event, "kind": "Nope!"}]})
        with clock.frozen(NOW):
            counters = _listener(lake, run_id, broker_address).run(once=True, idle_seconds=1.5)
    finally:
        forget_session(broker_address, client_id)
    assert counters.events_stored == 1
    assert counters.events_duplicate == 1
    rejected = {k: v for k, v in counters.rejected.items()
                if k not in ("unknown_meter", "event_unknown_meter")}  # other runs' meters
    assert rejected == {"invalid_event_kind": 1}
    stored = MeterEvent.objects.filter(dedup_key=f"{meter}:e-1").values_list("kind", flat=True)
    assert list(stored) == ["tamper_cover_open"]


@pytest.mark.django_db
def test_a_batch_that_cannot_be_stored_is_not_acknowledged(
    broker_address: Any, run_id: str, meters: Any, lake: Path, publisher: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pelanggan.metering.headend import ports
    from pelanggan.metering.headend.listener import FlushFailed

    (meter,) = meters(1)
    client_id = f"t-listen-{run_id}"
    start = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
    real_land = ports.land_readings
    try:
        _listener(lake, run_id, broker_address).run(once=True, idle_seconds=0.5)
        publisher(topic(meter, "readings"), _readings(start, 6))

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OSError("disk full")

        monkeypatch.setattr(ports, "land_readings", broken)
        with pytest.raises(FlushFailed):
            _listener(lake, run_id, broker_address).run(once=True, idle_seconds=1.5)
        assert lake_rows(lake, run_id) == []
        monkeypatch.setattr(ports, "land_readings", real_land)
        counters = _listener(lake, run_id, broker_address).run(once=True, idle_seconds=1.5)
    finally:
        forget_session(broker_address, client_id)
    assert counters.readings_landed == 6
    assert len(lake_rows(lake, run_id)) == 6


@pytest.mark.django_db
def test_qos0_messages_land_too_and_are_not_acknowledged(
    broker_address: Any, run_id: str, meters: Any, lake: Path, publisher: Any
) -> None:
    import threading

    (meter,) = meters(1)
    start = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
    send = threading.Timer(1.0, publisher, (topic(meter, "readings"), _readings(start, 3)),
                           {"qos": 0})
    try:
        send.start()
        counters = _listener(lake, run_id, broker_address).run(once=True, idle_seconds=2.5)
    finally:
        send.join()
        forget_session(broker_address, f"t-listen-{run_id}")
    assert counters.readings_landed == 3
    assert len(lake_rows(lake, run_id)) == 3


@pytest.mark.django_db
def test_a_silent_meter_gets_communication_lost_then_restored(
    broker_address: Any, run_id: str, meters: Any, lake: Path, publisher: Any
) -> None:
    import threading

    from pelanggan.metering.models import MeterEvent

    (meter,) = meters(1)
    start = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
    options = ListenerOptions(client_id=f"t-listen-{run_id}", lake_dir=lake, batch_seconds=0.2,
                              sweep_commands=False, sweep_seconds=0.2, silence_seconds=1.0)
    early = threading.Timer(0.3, publisher, (topic(meter, "readings"), _readings(start, 1)))
    again = threading.Timer(3.5, publisher, (topic(meter, "readings"), _readings(start, 2)))
    late = threading.Timer(6.0, publisher, (topic(meter, "events"), {
        "kind": "power_on", "occurred_at": "2026-11-22T11:00:00Z"}))  # fmt: skip
    try:
        _listener(lake, run_id, broker_address).run(once=True, idle_seconds=0.3)  # the session
        for timer in (early, again, late):
            timer.start()
        with clock.frozen(NOW):
            Listener(options, address=broker_address, now=lambda: NOW).run(max_seconds=8.0)
    finally:
        for timer in (early, again, late):
            timer.join()
        forget_session(broker_address, f"t-listen-{run_id}")
    kinds = list(
        MeterEvent.objects.filter(meter__number=meter).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["communication_lost", "communication_restored", "power_on"]
