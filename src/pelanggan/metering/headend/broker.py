"""Broker connection settings and paho client construction (paho-mqtt 2.x, MQTT 5)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

#: A durable session outlives a listener restart by this much (the broker keeps its queue).
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
#: How many unacknowledged QoS 1 messages the broker may have in flight to the listener. The
#: listener acknowledges only after a batch is in the lake, so this bounds a batch's messages.
RECEIVE_MAXIMUM = 65_535
KEEPALIVE_SECONDS = 30


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://host:port`` (port 1883 by default). Raises ValueError."""
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError(f"not an mqtt://host:port address: {url!r}")
        return cls(parts.hostname, parts.port or 1883)


def configured_address() -> BrokerAddress:
    from django.conf import settings

    return BrokerAddress.parse(str(settings.PELANGGAN_MQTT_URL))


def new_client(client_id: str, *, manual_ack: bool = False) -> mqtt.Client:
    """An MQTT 5 client with the given fixed id (the session is found by it)."""
    return mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=manual_ack,
    )


def durable_connect_properties() -> Properties:
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    return properties


def ephemeral_connect_properties() -> Properties:
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 0
    return properties
