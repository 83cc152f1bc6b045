"""`pelanggan ami listen`: MQTT → interval lake, meter events and command replies.

Reliability: the listener holds a durable MQTT 5 session (fixed client id, clean start off,
long session expiry) and subscribes with QoS 1. Messages are buffered and flushed in batches
bounded by size and time; a message is acknowledged (PUBACK, paho's manual ack) only after its
batch is in the lake and its events and replies are committed. A listener killed at any point
therefore leaves its unacknowledged messages with the broker, which sends them again to the
restarted listener; the lake's idempotency (same key and values = already there) absorbs what
had landed before the kill. Acknowledgements go out in the order the messages came, as MQTT
requires, rejected messages included (sending them again would not make them better).

Bad input never stops the stream: a malformed or ill-shaped message, an unknown meter, a reading
from the future or with a bad interval length is counted under its reason and logged with the
topic's meter number and the reason only, never the values.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from pelanggan.metering.headend import broker, ports, topics
from pelanggan.metering.headend.messages import (
    Event,
    MessageRejected,
    Reading,
    Reason,
    Reply,
    parse_events,
    parse_readings,
    parse_reply,
)
from pelanggan.platform import clock

logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "pelanggan-headend"
UNKNOWN_METER_TTL_SECONDS = 60.0
MAX_EVENTS_PER_CALL = 5000


@dataclass
class Counters:
    """What the listener did since it started. ``rejected`` counts whole messages for
    message-level reasons and single readings/events for item-level ones."""

    messages: int = 0
    readings_received: int = 0
    readings_landed: int = 0
    readings_duplicate: int = 0
    events_stored: int = 0
    events_duplicate: int = 0
    replies: int = 0
    batches: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def status_line(self) -> str:
        rejected = ", ".join(f"{k}={v}" for k, v in sorted(self.rejected.items())) or "none"
        return (
            f"messages={self.messages} readings={self.readings_received} "
            f"landed={self.readings_landed} duplicate={self.readings_duplicate} "
            f"events={self.events_stored}+{self.events_duplicate}dup replies={self.replies} "
            f"batches={self.batches} rejected: {rejected}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "readings_received": self.readings_received,
            "readings_landed": self.readings_landed,
            "readings_duplicate": self.readings_duplicate,
            "events_stored": self.events_stored,
            "events_duplicate": self.events_duplicate,
            "replies": self.replies,
            "batches": self.batches,
            "rejected": dict(sorted(self.rejected.items())),
        }


@dataclass
class _Batch:
    mids: list[tuple[int, int]] = field(default_factory=list)  # (mid, qos) in arrival order
    readings: list[Reading] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    started: float = 0.0

    def __len__(self) -> int:
        return len(self.mids)

    def __bool__(self) -> bool:
        return bool(self.mids or self.events or self.replies)


class FlushFailed(RuntimeError):
    """A batch could not be made durable; nothing of it was acknowledged."""


@dataclass
class ListenerOptions:
    client_id: str = DEFAULT_CLIENT_ID
    lake_dir: Path = Path("var/lake")
    batch_readings: int = 50_000
    batch_messages: int = 20_000
    batch_seconds: float = 1.0
    status_seconds: float = 10.0
    sweep_seconds: float = 5.0
    #: A meter heard from in this run and then silent this long gets a communication_lost
    #: event (and communication_restored when it speaks again). None: no silence watch.
    silence_seconds: float | None = 3 * 3600.0
    source_name: str = "mqtt"
    sweep_commands: bool = True


class Listener:
    """One MQTT session; `run()` until stopped, ``max_seconds`` passed, or (``once``) the
    broker has nothing more to give for ``idle_seconds``."""

    def __init__(
        self,
        options: ListenerOptions,
        *,
        address: broker.BrokerAddress | None = None,
        now: Callable[[], dt.datetime] = clock.now,
    ) -> None:
        self.options = options
        self.address = address or broker.configured_address()
        self.now = now
        self.counters = Counters()
        self._inbox: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
        self._subscribed = threading.Event()
        self._known: set[str] = set()
        self._unknown: dict[str, float] = {}
        self._last_heard: dict[str, float] = {}
        self._silent: set[str] = set()
        self._client = broker.new_client(options.client_id, manual_ack=True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)

    # --- network thread -------------------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            logger.error("broker refused the connection: %s", reason)
            return
        logger.info(
            "connected to %s:%s as %s (session present: %s)",
            self.address.host,
            self.address.port,
            self.options.client_id,
            flags.session_present,
        )
        client.subscribe([(name, 1) for name in topics.subscriptions()])

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, codes: Any, props: Any
    ) -> None:
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(message)

    # --- main thread ----------------------------------------------------------------------

    def run(
        self,
        *,
        max_seconds: float | None = None,
        once: bool = False,
        idle_seconds: float = 2.0,
        stop: threading.Event | None = None,
    ) -> Counters:
        stop = stop or threading.Event()
        self._client.connect(
            self.address.host,
            self.address.port,
            keepalive=broker.KEEPALIVE_SECONDS,
            clean_start=False,
            properties=broker.durable_connect_properties(),
        )
        self._client.loop_start()
        try:
            self._loop(stop=stop, max_seconds=max_seconds, once=once, idle_seconds=idle_seconds)
        finally:
            self._client.disconnect()
            self._client.loop_stop()
            logger.info("ami listener stopped: %s", self.counters.status_line())
        return self.counters

    def _loop(
        self, *, stop: threading.Event, max_seconds: float | None, once: bool, idle_seconds: float
    ) -> None:
        started = time.monotonic()
        last_message = started
        next_status = started + self.options.status_seconds
        next_sweep = started
        batch = _Batch(started=started)
        while not stop.is_set():
            now_mono = time.monotonic()
            if max_seconds is not None and now_mono - started >= max_seconds:
                break
            try:
                message = self._inbox.get(timeout=0.05)
            except queue.Empty:
                message = None
                idle = time.monotonic() - last_message
                if once and self._subscribed.is_set() and not batch and idle >= idle_seconds:
                    break
            if message is not None:
                if not batch:
                    batch.started = time.monotonic()
                self._take(message, batch)
                last_message = time.monotonic()
            if batch and self._batch_due(batch):
                self._flush(batch)
                batch = _Batch()
                last_message = time.monotonic()  # time spent storing is not idle time
            if now_mono >= next_sweep:
                if self.options.sweep_commands:
                    self._sweep()
                batch.events.extend(self._silence_events())
                next_sweep = now_mono + self.options.sweep_seconds
            if now_mono >= next_status:
                logger.info("ami listener: %s", self.counters.status_line())
                next_status = now_mono + self.options.status_seconds
        while True:  # what already arrived is flushed before leaving
            try:
                self._take(self._inbox.get_nowait(), batch)
            except queue.Empty:
                break
        if batch:
            self._flush(batch)

    def _batch_due(self, batch: _Batch) -> bool:
        return (
            len(batch.readings) >= self.options.batch_readings
            or len(batch) >= self.options.batch_messages
            or time.monotonic() - batch.started >= self.options.batch_seconds
        )

    def _take(self, message: mqtt.MQTTMessage, batch: _Batch) -> None:
        """Parse one message into the batch (its mid is acknowledged with the batch)."""
        batch.mids.append((message.mid, message.qos))
        self.counters.messages += 1
        located = topics.parse(message.topic)
        if located is None:
            self._reject(message.topic, Reason.UNKNOWN_TOPIC)
            return
        meter_number, channel = located
        self._heard(meter_number, batch)
        try:
            if channel == topics.READINGS:
                readings = parse_readings(meter_number, message.payload, as_of=self.now())
                self.counters.readings_received += len(readings.items) + len(readings.rejected)
                batch.readings.extend(readings.items)
                for _, reason in readings.rejected:
                    self._reject(meter_number, reason)
            elif channel == topics.EVENTS:
                events = parse_events(meter_number, message.payload, as_of=self.now())
                batch.events.extend(events.items)
                for _, reason in events.rejected:
                    self._reject(meter_number, reason)
            elif channel == topics.REPLIES:
                batch.replies.append(parse_reply(meter_number, message.payload))
            else:
                self._reject(meter_number, Reason.UNKNOWN_TOPIC)
        except MessageRejected as rejected:
            self._reject(meter_number, rejected.reason)
        except (ValueError, TypeError, OverflowError, RecursionError):
            # A body shaped in a way no rule foresaw: count it, never stop the stream for it.
            logger.exception("ami message could not be judged (meter %s)", meter_number)
            self._reject(meter_number, Reason.SCHEMA)

    def _reject(self, where: str, reason: str, count: int = 1) -> None:
        self.counters.rejected[reason] += count
        logger.warning("ami message rejected: meter %s, reason %s (x%d)", where, reason, count)

    def _known_meters(self, numbers: set[str]) -> set[str]:
        moment = time.monotonic()
        unknown_fresh = {n for n in numbers if self._unknown.get(n, 0.0) > moment}
        to_ask = numbers - self._known - unknown_fresh
        if to_ask:
            found = ports.existing_meter_numbers(sorted(to_ask))
            self._known |= found
            for number in to_ask - found:
                self._unknown[number] = moment + UNKNOWN_METER_TTL_SECONDS
        return numbers & self._known

    def _flush(self, batch: _Batch) -> None:
        """Make the batch durable, then acknowledge its messages in order."""
        started = time.monotonic()
        try:
            self._land(batch)
            landed = time.monotonic()
            self._record_events(batch.events)
            self._apply_replies(batch.replies)
        except Exception as error:
            logger.exception("ami batch of %d messages not stored; not acknowledged", len(batch))
            raise FlushFailed(str(error)) from error
        for mid, qos in batch.mids:
            if qos > 0:  # a QoS 0 message has nothing to acknowledge
                self._client.ack(mid, qos)
        self.counters.batches += 1
        logger.debug(
            "ami batch: %d messages, %d readings; lake %.2f s, events and replies %.2f s",
            len(batch), len(batch.readings), landed - started, time.monotonic() - landed,
        )

    def _land(self, batch: _Batch) -> None:
        if not batch.readings:
            return
        numbers = {r.meter_number for r in batch.readings}
        known = self._known_meters(numbers)
        readings = batch.readings
        if known != numbers:
            readings = [r for r in batch.readings if r.meter_number in known]
            for number in sorted(numbers - known):
                count = sum(1 for r in batch.readings if r.meter_number == number)
                self._reject(number, Reason.UNKNOWN_METER, count)
        if not readings:
            return
        report = ports.land_readings(
            readings,
            lake_dir=self.options.lake_dir,
            source_name=self.options.source_name,
            as_of=self.now(),
            known_meters=known,
        )
        self.counters.readings_landed += int(report.rows_landed)
        self.counters.readings_duplicate += int(report.already_in_lake) + int(
            report.duplicates_in_file
        )
        for reason, count in report.rejected_by_reason.items():
            self._reject("lake", f"lake_{reason}", int(count))

    def _record_events(self, events: list[Event]) -> None:
        for start in range(0, len(events), MAX_EVENTS_PER_CALL):
            chunk = events[start : start + MAX_EVENTS_PER_CALL]
            result = ports.record_events(chunk)
            self.counters.events_stored += int(result.stored)
            self.counters.events_duplicate += int(result.duplicates)
            for rejected in result.rejected:
                self._reject(rejected.meter_number, f"event_{rejected.reason}")

    def _apply_replies(self, replies: list[Reply]) -> None:
        from pelanggan.metering.headend.services import commands

        for reply in replies:
            outcome = commands.apply_reply(reply=reply, now=self.now())
            if outcome == commands.ReplyOutcome.APPLIED:
                self.counters.replies += 1
            elif outcome == commands.ReplyOutcome.UNKNOWN:
                self._reject(reply.meter_number, "unknown_command")

    def _heard(self, meter_number: str, batch: _Batch) -> None:
        if self.options.silence_seconds is None or meter_number not in self._known:
            return  # only registered meters are watched (known after their first batch)
        self._last_heard[meter_number] = time.monotonic()
        if meter_number in self._silent:
            self._silent.discard(meter_number)
            batch.events.append(self._link_event(meter_number, "communication_restored"))

    def _silence_events(self) -> list[Event]:
        """communication_lost for meters silent longer than ``silence_seconds``."""
        if self.options.silence_seconds is None:
            return []
        cutoff = time.monotonic() - self.options.silence_seconds
        quiet = [n for n, at in self._last_heard.items() if at < cutoff and n not in self._silent]
        self._silent.update(quiet)
        return [self._link_event(number, "communication_lost") for number in quiet]

    def _link_event(self, meter_number: str, kind: str) -> Event:
        moment = self.now()
        return Event(meter_number, kind, moment, {"detected_by": "headend"},
                     f"{meter_number}:{kind}:{moment.isoformat()}")

    def _sweep(self) -> None:
        from pelanggan.metering.headend.services import commands

        try:
            commands.sweep_commands(now=self.now())
        except Exception:  # the sweep must not stop the stream; the next one tries again
            logger.exception("command timeout sweep failed")
