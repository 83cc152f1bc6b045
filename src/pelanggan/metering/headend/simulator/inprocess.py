"""The simulator without a broker: the embedded default's live meter data.

`InProcessSimulator` runs the same meters, load profile, credit and events as `Simulator`, but
what it would publish is parsed exactly as the MQTT listener parses a message
(`messages.parse_readings` / `parse_events`, so the same validation applies) and handed straight
to the head-end's ports: readings to the interval lake (`ingest_table`), events to
`record_meter_events` (so they show on the 360 page and go through the outbox). Everything a loop
step produced is delivered at the end of that step, as one lake batch. Commands cannot reach it
(they travel over MQTT), so none are answered.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pelanggan.metering.headend import ports, topics
from pelanggan.metering.headend.broker import BrokerAddress
from pelanggan.metering.headend.messages import (
    Event,
    MessageRejected,
    Reading,
    parse_events,
    parse_readings,
)
from pelanggan.metering.headend.simulator.fleet import VirtualMeter
from pelanggan.metering.headend.simulator.runner import Simulator, SimulatorStats
from pelanggan.platform import clock

logger = logging.getLogger(__name__)

SOURCE_NAME = "simulator"
RETRY_SECONDS = 5.0
MAX_BUFFERED = 500_000  # readings kept across failed deliveries before the backlog is dropped
_NOWHERE = BrokerAddress("127.0.0.1", 1)  # never connected


class InProcessSimulator(Simulator):
    def __init__(
        self,
        meters: list[VirtualMeter],
        *,
        lake_dir: Path,
        start_at: dt.datetime,
        speed: float = 1.0,
        interval_minutes: int = 15,
        seed: int = 1,
    ) -> None:
        super().__init__(
            meters,
            address=_NOWHERE,
            speed=speed,
            start_at=start_at,
            interval_minutes=interval_minutes,
            readings_per_message=1,
            seed=seed,
        )
        self.lake_dir = lake_dir
        self.known = ports.existing_meter_numbers(m.number for m in meters)
        self.readings_landed = 0
        self.events_stored = 0
        self.rejected: Counter[str] = Counter()
        self._readings: list[Reading] = []
        self._events: list[Event] = []
        self._retry_at = 0.0

    def _publish(self, meter_number: str, channel: str, body: dict[str, Any]) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        as_of = clock.now()
        try:
            if channel == topics.READINGS:
                readings = parse_readings(meter_number, payload, as_of=as_of)
                self._readings.extend(readings.items)
                rejected = readings.rejected
            elif channel == topics.EVENTS:
                events = parse_events(meter_number, payload, as_of=as_of)
                self._events.extend(events.items)
                rejected = events.rejected
            else:
                rejected = []  # replies: no command reaches a meter without a broker
        except MessageRejected as error:
            self.rejected[error.reason] += 1
            return
        for _, reason in rejected:
            self.rejected[reason] += 1
        self.stats.messages += 1

    def _answer_commands(self) -> None:
        # Called once per loop step, after the step's intervals: the step's delivery point.
        self.deliver()

    def deliver(self) -> None:
        """Land the buffered readings and record the buffered events (one batch each). A
        failure (the lake or the database busy) keeps them for the next step, up to a bound."""
        if time.monotonic() < self._retry_at:
            return
        try:
            self._deliver()
        except Exception:
            logger.exception("in-process simulator: delivery failed; trying again shortly")
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if len(self._readings) > MAX_BUFFERED:
                self.rejected["dropped_backlog"] += len(self._readings)
                self._readings = []

    def _deliver(self) -> None:
        readings, events = self._readings, self._events
        if readings:
            report = ports.land_readings(
                readings,
                lake_dir=self.lake_dir,
                source_name=SOURCE_NAME,
                as_of=clock.now(),
                known_meters=self.known,
            )
            self._readings = []
            self.readings_landed += int(report.rows_landed)
            for reason, count in report.rejected_by_reason.items():
                self.rejected[f"lake_{reason}"] += int(count)
        if events:
            result = ports.record_events(events, source=SOURCE_NAME)
            self._events = []
            self.events_stored += int(result.stored)
            for rejected in result.rejected:
                self.rejected[f"event_{rejected.reason}"] += 1

    def run(
        self,
        *,
        max_seconds: float | None = None,
        until_now: bool = False,
        stop: threading.Event | None = None,
    ) -> SimulatorStats:
        stop = stop or threading.Event()
        self._start_events()
        self._loop(stop, max_seconds, until_now)
        self._flush_all()
        self._retry_at = 0.0  # a last attempt, whatever the back-off
        self.deliver()
        return self.stats
