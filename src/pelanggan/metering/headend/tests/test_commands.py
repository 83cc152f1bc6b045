"""Remote commands end to end: service → outbox → Mosquitto → simulated meter → reply → log."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pelanggan.metering.headend.listener import Listener, ListenerOptions
from pelanggan.metering.headend.models import CommandLog, CommandStatus
from pelanggan.metering.headend.services import commands, delivery
from pelanggan.metering.headend.simulator.fleet import FleetOptions, fleet_from_database
from pelanggan.metering.headend.simulator.runner import Simulator
from pelanggan.metering.headend.tests.conftest import forget_session
from pelanggan.platform import clock, outbox
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.prepaid.sts import (
    BaseDate,
    EncryptionAlgorithm,
    Service,
    TransferCredit,
    encode_token,
)

ACTOR = Actor("staff", 7, "teknisi.test")


@pytest.fixture
def sts_meter(meters: Any) -> str:
    from pelanggan.prepaid.services import add_vending_key, register_meter_key_data

    (number,) = meters(1, digits=True)
    add_vending_key(supply_group_code="123456", key_revision_number=1, dkga="02",
                    key_material=bytes.fromhex("abababababababab"), actor=ACTOR)
    register_meter_key_data(meter_number=number, supply_group_code="123456", tariff_index="01",
                            key_revision_number=1, base_date=BaseDate.Y2014, dkga="02",
                            algorithm=EncryptionAlgorithm.STA, actor=ACTOR)
    return number


@pytest.fixture
def simulated(sts_meter: str, broker_address: Any, run_id: str) -> Iterator[Simulator]:
    fleet = fleet_from_database(FleetOptions(count=10, credit_kwh=0.0))
    assert [m.number for m in fleet] == [sts_meter]
    simulator = Simulator(fleet, address=broker_address, speed=1, start_at=clock.now(),
                          client_id=f"t-sim-{run_id}")
    stop = threading.Event()
    thread = threading.Thread(target=simulator.run, kwargs={"stop": stop}, daemon=True)
    thread.start()
    simulator._connected.wait(10)
    yield simulator
    stop.set()
    thread.join(10)
    delivery.close()


def _round_trip(lake: Path, run_id: str, address: Any) -> None:
    """Deliver queued commands, then let the listener take the replies."""
    outbox.dispatch_due()
    options = ListenerOptions(client_id=f"t-cmd-{run_id}", lake_dir=lake, batch_seconds=0.2,
                              sweep_commands=False)
    Listener(options, address=address).run(once=True, idle_seconds=1.0)


def _token(meter_number: str, kwh: str) -> str:
    from pelanggan.prepaid.services import decoder_key_for, issue_tid

    tid = issue_tid(meter_number=meter_number, issued_at=clock.now())
    payload = TransferCredit.of(service=Service.ELECTRICITY, amount=Decimal(kwh), tid=tid,
                                rnd=3)
    return encode_token(payload, decoder_key_for(meter_number=meter_number)).token


@pytest.mark.django_db(transaction=True)
def test_token_relay_read_and_management_tokens_reach_the_meter(
    simulated: Simulator, sts_meter: str, lake: Path, run_id: str, broker_address: Any
) -> None:
    # Subscribe the listener's session before the meter answers anything.
    options = ListenerOptions(client_id=f"t-cmd-{run_id}", lake_dir=lake, sweep_commands=False)
    Listener(options, address=broker_address).run(once=True, idle_seconds=0.3)
    try:
        token = _token(sts_meter, "25")
        deliver = commands.send_command(meter_number=sts_meter, kind="deliver_token",
                                        payload={"token": token}, actor=ACTOR)
        assert deliver.status == CommandStatus.QUEUED
        _round_trip(lake, run_id, broker_address)
        deliver.refresh_from_db()
        assert deliver.status == CommandStatus.SUCCEEDED
        assert deliver.attempts == 1
        assert deliver.reply["result"]["credit_added_kwh"] == 25.0
        assert deliver.reply["result"]["relay"] == "closed"

        replay = commands.send_command(meter_number=sts_meter, kind="deliver_token",
                                       payload={"token": token}, actor=ACTOR)
        limit = commands.send_command(meter_number=sts_meter, kind="set_power_limit",
                                      payload={"watts": 1300}, actor=ACTOR)
        cut = commands.send_command(meter_number=sts_meter, kind="relay_disconnect",
                                    payload={}, actor=ACTOR)
        _round_trip(lake, run_id, broker_address)
        read = commands.send_command(meter_number=sts_meter, kind="on_demand_read", payload={},
                                     actor=ACTOR)
        _round_trip(lake, run_id, broker_address)
    finally:
        forget_session(broker_address, f"t-cmd-{run_id}")
    for log in (replay, limit, cut, read):
        log.refresh_from_db()
    assert (replay.status, replay.failure_reason) == (CommandStatus.FAILED, "Used")
    assert limit.status == CommandStatus.SUCCEEDED
    assert limit.reply["result"]["power_limit_watts"] == 1300
    assert cut.reply == {"status": "succeeded", "reason": "",
                         "result": {"relay": "open"}}  # fmt: skip
    assert read.reply["result"]["relay"] == "open"
    assert read.reply["result"]["credit_kwh"] == 25.0
    types = {
        event_type
        for event_type, subject_ids in AuditEvent.objects.filter(
            event_type__startswith="headend.command."
        ).values_list("event_type", "subject_ids")
        if str(read.command_id) in subject_ids
    }
    assert types == {"headend.command.requested", "headend.command.sent",
                     "headend.command.replied"}  # fmt: skip


@pytest.mark.django_db
def test_unanswered_command_is_retried_then_times_out(
    meters: Any, broker_address: Any
) -> None:
    (number,) = meters(1)
    log = commands.send_command(meter_number=number, kind="on_demand_read", payload={},
                                actor=ACTOR, max_attempts=2)
    try:
        outbox.dispatch_due()
        log.refresh_from_db()
        assert (log.status, log.attempts) == (CommandStatus.SENT, 1)
        assert log.deadline_at is not None
        assert commands.sweep_commands(now=log.deadline_at - dt.timedelta(seconds=1)) == (
            commands.SweepResult(0, 0)
        )
        assert commands.sweep_commands(now=log.deadline_at) == commands.SweepResult(1, 0)
        outbox.dispatch_due()
        log.refresh_from_db()
        assert (log.status, log.attempts) == (CommandStatus.SENT, 2)
        assert log.deadline_at is not None
        assert commands.sweep_commands(now=log.deadline_at) == commands.SweepResult(0, 1)
    finally:
        delivery.close()
    log.refresh_from_db()
    assert (log.status, log.attempts, log.failure_reason) == (
        CommandStatus.TIMED_OUT, 2, "no reply from the meter"
    )


@pytest.mark.django_db
def test_bad_requests_change_nothing(meters: Any) -> None:
    (number,) = meters(1)
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"meter_number": number, "kind": "explode", "payload": {}}, ValidationFailed),
        ({"meter_number": number, "kind": "relay_connect", "payload": {"x": 1}}, ValidationFailed),
        ({"meter_number": number, "kind": "deliver_token", "payload": {"token": "12"}},
         ValidationFailed),
        ({"meter_number": number, "kind": "set_power_limit", "payload": {"watts": 0}},
         ValidationFailed),
        ({"meter_number": number, "kind": "set_power_limit", "payload": {"watts": 900}},
         NotFound),  # no STS key data for this meter
        ({"meter_number": "NOPE0001", "kind": "on_demand_read", "payload": {}}, NotFound),
    ]  # fmt: skip
    for arguments, error in cases:
        with pytest.raises(error):
            commands.send_command(actor=ACTOR, **arguments)
    from pelanggan.metering.models import Meter

    Meter.objects.filter(number=number).update(kind="postpaid_1p")
    with pytest.raises(Conflict) as caught:
        commands.send_command(meter_number=number, kind="relay_connect", payload={}, actor=ACTOR)
    assert caught.value.code == "not_two_way"
    Meter.objects.filter(number=number).update(kind="smart_postpaid")
    assert CommandLog.objects.count() == 0
    first = commands.send_command(meter_number=number, kind="relay_connect", payload={},
                                  actor=ACTOR, idempotency_key="req-000001")
    again = commands.send_command(meter_number=number, kind="relay_connect", payload={},
                                  actor=ACTOR, idempotency_key="req-000001")
    assert again.pk == first.pk
    with pytest.raises(Conflict):
        commands.send_command(meter_number=number, kind="relay_disconnect", payload={},
                              actor=ACTOR, idempotency_key="req-000001")
    assert CommandLog.objects.count() == 1
