"""MQTT topic names of the AMI head-end (pure)."""

from __future__ import annotations

import re

PREFIX = "pelanggan/ami"
READINGS = "readings"
EVENTS = "events"
COMMANDS = "commands"
REPLIES = "replies"
UPLINK_CHANNELS = (READINGS, EVENTS, REPLIES)

#: Meter numbers as they appear in topics: STS meter numbers are 11 or 13 digits, other
#: head-ends use letters and dashes; nothing that could be a topic wildcard or separator.
METER_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def topic(meter_number: str, channel: str) -> str:
    """The topic of one meter's channel."""
    return f"{PREFIX}/{meter_number}/{channel}"


def subscriptions() -> list[str]:
    """What the listener subscribes to (all meters, uplink channels only)."""
    return [f"{PREFIX}/+/{channel}" for channel in UPLINK_CHANNELS]


def parse(name: str) -> tuple[str, str] | None:
    """``(meter_number, channel)`` of a head-end topic, or None when it is not one of ours."""
    parts = name.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != PREFIX:
        return None
    meter_number, channel = parts[2], parts[3]
    if not METER_NUMBER_PATTERN.match(meter_number):
        return None
    return meter_number, channel
