"""The simulator's meters without a broker: load shape, credit, events, tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pelanggan.metering.headend.broker import BrokerAddress
from pelanggan.metering.headend.simulator.fleet import FleetOptions, generated_fleet
from pelanggan.metering.headend.simulator.profile import load_profile
from pelanggan.metering.headend.simulator.runner import Simulator
from pelanggan.prepaid.sts import Service, TransferCredit, encode_token

START = dt.datetime(2026, 11, 16, 0, 0, tzinfo=dt.UTC)  # a Monday, 07:00 WIB


def _simulator(count: int, credit: float) -> tuple[Simulator, list[tuple[str, str, Any]]]:
    fleet = generated_fleet(FleetOptions(count=count, seed=3, prefix="S", credit_kwh=credit))
    sim = Simulator(fleet, address=BrokerAddress("127.0.0.1", 1), speed=1, start_at=START,
                    readings_per_message=4)
    sent: list[tuple[str, str, Any]] = []
    sim._publish = lambda number, channel, body: sent.append((number, channel, body))  # type: ignore[method-assign]
    return sim, sent


def test_profile_is_normalised_and_has_an_evening_peak() -> None:
    profile = load_profile()
    factors = [f for day in profile.factors for f in day]
    assert len(factors) == 7 * 48
    assert abs(sum(factors) / len(factors) - 1) < 0.01
    weekday = profile.factors[2]
    assert max(weekday[36:44]) > 1.2 > 0.8 > min(weekday[4:10])  # 18–22 h vs 02–05 h


def test_credit_falls_then_low_credit_exhausted_and_relay_open() -> None:
    sim, sent = _simulator(1, credit=1.0)
    meter = sim.order[0]
    initial = meter.credit_kwh
    assert initial is not None
    for index in range(sim.first_index, sim.first_index + 96 * 7):
        sim._interval(index)
    kinds = [body["kind"] for _, channel, body in sent if channel == "events"]
    assert kinds == ["low_credit", "credit_exhausted", "relay_open"]
    assert meter.credit_kwh == 0
    assert not meter.relay_closed
    readings = [r for _, channel, body in sent if channel == "readings" for r in body["readings"]]
    assert len(readings) == 96 * 7
    assert round(sum(r["kwh"] for r in readings), 3) == round(meter.register_kwh, 3)
    assert round(meter.register_kwh, 3) == round(initial, 3)  # supply stops at zero credit
    assert readings[-1]["kwh"] == 0.0

    # A token for the meter's own key brings credit and supply back; the same token again is Used.
    assert meter.sts is not None
    token = encode_token(
        TransferCredit.of(service=Service.ELECTRICITY, amount=Decimal("10"), tid=5_000_000, rnd=1),
        meter.sts.decoder_key,
    ).token
    first = sim._token(meter, token, START)
    again = sim._token(meter, token, START)
    assert first["status"] == "succeeded"
    assert first["result"]["credit_added_kwh"] == 10.0
    assert meter.relay_closed
    assert again == {"status": "failed", "reason": "Used"}
    other = generated_fleet(FleetOptions(count=2, seed=99, prefix="X"))[1]
    assert other.sts is not None
    foreign = encode_token(
        TransferCredit.of(service=Service.ELECTRICITY, amount=Decimal("10"), tid=5_000_001, rnd=1),
        other.sts.decoder_key,
    ).token
    assert sim._token(meter, foreign, START)["status"] == "failed"
