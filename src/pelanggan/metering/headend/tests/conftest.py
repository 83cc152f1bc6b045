"""Fixtures for head-end tests: meters in the registry, a lake, the real Mosquitto broker."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from pelanggan.metering.headend.broker import BrokerAddress

BROKER = BrokerAddress("127.0.0.1", 1883)


def _broker_up() -> bool:
    try:
        with socket.create_connection((BROKER.host, BROKER.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker_address() -> BrokerAddress:
    # CI sets PELANGGAN_REQUIRE_MQTT: there a missing broker fails the tests instead.
    if not _broker_up() and not os.environ.get("PELANGGAN_REQUIRE_MQTT"):
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    return BROKER


@pytest.fixture
def run_id() -> str:
    """A prefix that keeps parallel runs on the shared broker apart."""
    return "T" + secrets.token_hex(4).upper()


@pytest.fixture
def meters(db: Any, run_id: str) -> Callable[[int], list[str]]:
    from pelanggan.metering.models import Meter
    from pelanggan.metering.models.choices import MeterKind, MeterStatus, Utility
    from pelanggan.platform import clock

    def make(count: int, *, digits: bool = False) -> list[str]:
        now = clock.now()
        if digits:  # STS meters: the number is the 11-digit decoder reference number
            base = secrets.randbelow(10**8)
            numbers = [f"14{base:08d}{i}" for i in range(count)]
        else:
            numbers = [f"{run_id}{i:05d}" for i in range(count)]
        Meter.objects.bulk_create(
            Meter(number=n, utility=Utility.ELECTRICITY, kind=MeterKind.SMART_PREPAID,
                  status=MeterStatus.INSTALLED, created_at=now, updated_at=now)
            for n in numbers
        )
        return numbers

    return make


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def publisher(broker_address: BrokerAddress) -> Iterator[Callable[[str, Any], None]]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-pub-{secrets.token_hex(4)}",
                         protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.connect(broker_address.host, broker_address.port)
    client.loop_start()
    sent: list[mqtt.MQTTMessageInfo] = []

    def publish(topic: str, body: Any, qos: int = 1) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        sent.append(client.publish(topic, payload, qos=qos))

    yield publish
    for info in sent:
        info.wait_for_publish(timeout=10)
    client.disconnect()
    client.loop_stop()


def forget_session(address: BrokerAddress, client_id: str) -> None:
    """Delete a durable session on the broker (connect clean with expiry 0)."""
    from pelanggan.metering.headend.broker import ephemeral_connect_properties, new_client

    client = new_client(client_id)
    client.connect(address.host, address.port, clean_start=True,
                   properties=ephemeral_connect_properties())
    client.loop_start()
    client.disconnect()
    client.loop_stop()


def lake_rows(lake: Path, prefix: str) -> list[tuple[Any, ...]]:
    import duckdb

    files = sorted(str(p) for p in (lake / "intervals").rglob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        "SELECT meter_number, epoch(interval_start), interval_minutes, kwh "
        "FROM read_parquet(?, hive_partitioning = false) "
        "WHERE meter_number LIKE ? ORDER BY meter_number, interval_start",
        [files, prefix + "%"],
    ).fetchall()
    return [
        (number, dt.datetime.fromtimestamp(seconds, tz=dt.UTC), minutes, kwh)
        for number, seconds, minutes, kwh in rows
    ]
