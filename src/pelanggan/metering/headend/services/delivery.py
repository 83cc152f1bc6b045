"""Outbox handler that publishes queued commands to the meters' command topics (QoS 1).

The handler waits for the broker's PUBACK before recording the command as sent; a broker that
cannot be reached makes the delivery fail, and the outbox retries it with backoff. The MQTT 5
correlation data carries the command id and the response topic names the meter's replies topic.
"""

from __future__ import annotations

import json
import logging
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from pelanggan.metering.headend import broker, topics
from pelanggan.metering.headend.models import CommandLog, CommandStatus
from pelanggan.metering.headend.services import commands
from pelanggan.platform import clock, outbox
from pelanggan.platform.ids import new_ulid

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 10.0
_lock = threading.Lock()
_client: mqtt.Client | None = None


def _publisher() -> mqtt.Client:
    global _client
    with _lock:
        if _client is None or not _client.is_connected():
            if _client is not None:
                _client.loop_stop()
            address = broker.configured_address()
            client = broker.new_client(f"pelanggan-cmd-{new_ulid()}")
            client.connect(
                address.host,
                address.port,
                keepalive=broker.KEEPALIVE_SECONDS,
                clean_start=True,
                properties=broker.ephemeral_connect_properties(),
            )
            client.loop_start()
            _client = client
        return _client


def publish(*, meter_number: str, body: dict[str, object], command_id: str) -> None:
    """Publish one command and wait for the broker to take it. Raises ConnectionError."""
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.CorrelationData = command_id.encode()
    properties.ResponseTopic = topics.topic(meter_number, topics.REPLIES)
    info = _publisher().publish(
        topics.topic(meter_number, topics.COMMANDS),
        json.dumps(body, separators=(",", ":")),
        qos=1,
        properties=properties,
    )
    info.wait_for_publish(timeout=PUBLISH_TIMEOUT_SECONDS)
    if not info.is_published():
        raise ConnectionError(f"the broker did not acknowledge command {command_id}")


def close() -> None:
    """Disconnect the shared publisher (tests, shutdown)."""
    global _client
    with _lock:
        if _client is not None:
            _client.disconnect()
            _client.loop_stop()
            _client = None


@outbox.subscribe(commands.OUTBOX_EVENT, "headend.mqtt_publish")
def deliver_command(event: outbox.DeliveredEvent) -> None:
    command_id = str(event.payload["command_id"])
    attempt = int(event.payload["attempt"])
    log = CommandLog.objects.select_for_update().filter(command_id=command_id).first()
    if log is None or log.status != CommandStatus.QUEUED or log.attempts >= attempt:
        return  # already sent for this attempt, answered or timed out: nothing to do
    body = commands.command_message(log)
    body["attempt"] = attempt
    publish(meter_number=log.meter_number, body=body, command_id=command_id)
    commands.mark_sent(log=log, now=clock.now())
