"""The simulation loop: readings and events up, commands down, over one MQTT connection.

Simulated time runs at ``speed`` times real time from ``start_at`` and never passes the real
clock (a meter cannot report the future): a fleet started days back catches up at full speed,
then keeps pace with real time. Each interval, every meter with supply consumes
``scale × profile(weekday, half hour, WIB) × noise``; a prepaid meter's credit falls with it,
a low-credit event is sent once below `LOW_CREDIT_KWH`, and at zero the meter sends
credit-exhausted, opens its relay and consumes nothing until a token brings credit back.

Commands (``pelanggan/ami/+/commands``) are answered on the meter's replies topic: tokens are
entered into the meter's STS state (its own decoder key, TID memory of 50: a replayed token is
answered ``failed`` with reason ``Used``), relay and read commands act at once. A command id
seen before gets the same reply again (the head-end may send twice).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import random
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from pelanggan.metering.headend import topics
from pelanggan.metering.headend.broker import BrokerAddress
from pelanggan.metering.headend.simulator.fleet import LOW_CREDIT_KWH, VirtualMeter
from pelanggan.metering.headend.simulator.profile import interval_kwh, load_profile
from pelanggan.platform import clock
from pelanggan.prepaid.sts import Service

logger = logging.getLogger(__name__)

WIB = clock.WIB
MAX_OUTSTANDING = 20_000
OUTAGE_INTERVALS = 4
REMEMBERED_COMMANDS = 20


@dataclass
class SimulatorStats:
    meters: int = 0
    readings: int = 0
    messages: int = 0
    events: int = 0
    commands: int = 0
    seconds: float = 0.0
    simulated_until: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "readings_per_second": round(self.rate(), 1)}

    def rate(self) -> float:
        return self.readings / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"{self.meters} meters: {self.readings} readings in {self.messages} messages, "
            f"{self.events} events, {self.commands} commands answered, {self.seconds:.1f} s "
            f"({self.rate():.0f} readings/s), simulated until {self.simulated_until}"
        )


class Simulator:
    def __init__(
        self,
        meters: list[VirtualMeter],
        *,
        address: BrokerAddress,
        speed: float,
        start_at: dt.datetime,
        interval_minutes: int = 15,
        readings_per_message: int = 4,
        seed: int = 1,
        client_id: str | None = None,
        outage: int = 0,
    ) -> None:
        self.outage_numbers = [m.number for m in meters[len(meters) - outage :]] if outage else []
        self.meters = {m.number: m for m in meters}
        self.order = list(meters)
        self.address = address
        self.speed = speed
        self.interval = dt.timedelta(minutes=interval_minutes)
        self.interval_minutes = interval_minutes
        self.readings_per_message = readings_per_message
        minutes_since = (start_at.astimezone(dt.UTC) - dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        index = int(minutes_since.total_seconds() // 60) // interval_minutes
        self.first_index = index
        self.epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        self.start_at = start_at
        self.rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self.profile = load_profile()
        self.stats = SimulatorStats(meters=len(meters))
        self._commands: queue.SimpleQueue[tuple[str, bytes | bytearray]] = queue.SimpleQueue()
        self._outstanding = 0
        self._lock = threading.Lock()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"pelanggan-sim-{seed}-{self.rng.getrandbits(32):08x}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        self._client.max_inflight_messages_set(2000)
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_publish = self._on_publish
        self._connected = threading.Event()

    # --- network thread -------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    props: Any) -> None:
        client.subscribe(f"{topics.PREFIX}/+/{topics.COMMANDS}", qos=1)
        self._connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        located = topics.parse(message.topic)
        if located and located[0] in self.meters:
            self._commands.put((located[0], message.payload))

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any,
                    props: Any) -> None:
        with self._lock:
            self._outstanding -= 1

    # --- main thread ----------------------------------------------------------------------

    def _publish(self, meter_number: str, channel: str, body: dict[str, Any]) -> None:
        while self._outstanding > MAX_OUTSTANDING:
            time.sleep(0.002)
        with self._lock:
            self._outstanding += 1
        self._client.publish(
            topics.topic(meter_number, channel), json.dumps(body, separators=(",", ":")), qos=1
        )
        self.stats.messages += 1

    def run(
        self, *, max_seconds: float | None = None, until_now: bool = False,
        stop: threading.Event | None = None,
    ) -> SimulatorStats:
        stop = stop or threading.Event()
        self._client.connect(self.address.host, self.address.port, keepalive=30)
        self._client.loop_start()
        try:
            if not self._connected.wait(10):
                raise ConnectionError("the MQTT broker did not accept the simulator")
            self._start_events()
            self._loop(stop, max_seconds, until_now)
            self._flush_all()
            deadline = time.monotonic() + 60
            while self._outstanding > 0 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            self._client.disconnect()
            self._client.loop_stop()
        return self.stats

    def _loop(self, stop: threading.Event, max_seconds: float | None, until_now: bool) -> None:
        started = time.monotonic()
        next_index = self.first_index
        while not stop.is_set():
            elapsed = time.monotonic() - started
            self.stats.seconds = elapsed
            if max_seconds is not None and elapsed >= max_seconds:
                break
            real_now = clock.now()
            simulated = min(self.start_at + dt.timedelta(seconds=elapsed * self.speed), real_now)
            produced = False
            while self._end_of(next_index) <= simulated and not stop.is_set():
                self._interval(next_index)
                next_index += 1
                produced = True
                self.stats.simulated_until = self._end_of(next_index - 1).isoformat()
                if max_seconds is not None and time.monotonic() - started >= max_seconds:
                    break
            self._answer_commands()
            if until_now and self._end_of(next_index) > real_now:
                break
            if not produced:
                time.sleep(0.02)
        self.stats.seconds = time.monotonic() - started

    def _end_of(self, index: int) -> dt.datetime:
        return self.epoch + self.interval * (index + 1)

    def _start_events(self) -> None:
        now = min(self.start_at, clock.now())
        for meter in self.order:
            if meter.tampered:
                self._event(meter, "tamper_cover_open", now, {})

    def _event(self, meter: VirtualMeter, kind: str, at: dt.datetime,
               payload: dict[str, Any]) -> None:
        meter.event_seq += 1
        self._publish(meter.number, topics.EVENTS, {
            "kind": kind, "occurred_at": at.isoformat(), "payload": payload,
            "event_id": f"sim-{int(at.timestamp())}-{meter.event_seq}",
        })
        self.stats.events += 1

    def _interval(self, index: int) -> None:
        start = self.epoch + self.interval * index
        local = start.astimezone(WIB)
        half_hour = local.hour * 2 + local.minute // 30
        factor = self.profile.factor(local.weekday(), half_hour)
        cv = self.profile.cv(local.weekday(), half_hour)
        hours = self.interval_minutes / 60
        stamp = start.isoformat()
        if index == self.first_index and self.outage_numbers:
            self.trigger_outage(self.outage_numbers, start, index)
        gauss = self.rng.gauss
        for meter in self.order:
            if meter.outage_until_index is not None:
                if index < meter.outage_until_index:
                    continue
                meter.outage_until_index = None
                self._event(meter, "power_on", start, {})
            kwh = 0.0
            if meter.relay_closed:
                kwh = interval_kwh(factor, cv, scale_kwh_per_hour=meter.scale_kwh_per_hour,
                                   noise=meter.noise, hours=hours, gauss=gauss)
            if meter.credit_kwh is not None and kwh > 0:
                kwh = self._consume(meter, kwh, start)
            meter.register_kwh += kwh
            meter.pending.append(
                {"interval_start": stamp, "interval_minutes": self.interval_minutes, "kwh": kwh}
            )
            if len(meter.pending) >= self.readings_per_message:
                self._flush(meter)

    def _consume(self, meter: VirtualMeter, kwh: float, at: dt.datetime) -> float:
        assert meter.credit_kwh is not None  # noqa: S101 - prepaid only
        used = min(kwh, meter.credit_kwh)
        meter.credit_kwh = round(meter.credit_kwh - used, 3)
        if meter.credit_kwh < LOW_CREDIT_KWH and not meter.low_credit_sent:
            meter.low_credit_sent = True
            self._event(meter, "low_credit", at, {"credit_kwh": meter.credit_kwh})
        if meter.credit_kwh <= 0:
            meter.relay_closed = False
            self._event(meter, "credit_exhausted", at, {})
            self._event(meter, "relay_open", at, {"cause": "credit_exhausted"})
        return used

    def _flush(self, meter: VirtualMeter) -> None:
        if meter.pending:
            self._publish(meter.number, topics.READINGS, {"readings": meter.pending})
            self.stats.readings += len(meter.pending)
            meter.pending = []

    def _flush_all(self) -> None:
        for meter in self.order:
            self._flush(meter)

    def trigger_outage(self, numbers: list[str], at: dt.datetime, index: int) -> None:
        for number in numbers:
            meter = self.meters[number]
            meter.outage_until_index = index + OUTAGE_INTERVALS
            self._event(meter, "power_off_last_gasp", at, {})

    # --- commands -------------------------------------------------------------------------

    def _answer_commands(self) -> None:
        while True:
            try:
                number, body = self._commands.get_nowait()
            except queue.Empty:
                return
            meter = self.meters[number]
            try:
                command = json.loads(body)
                command_id = str(command["command_id"])
                kind = str(command["kind"])
            except (ValueError, KeyError, TypeError):
                logger.warning("simulator: unreadable command for meter %s", number)
                continue
            reply = meter.replies.get(command_id)
            if reply is None:
                reply = {"command_id": command_id, **self._execute(meter, kind, command)}
                meter.replies[command_id] = reply
                if len(meter.replies) > REMEMBERED_COMMANDS:
                    meter.replies.pop(next(iter(meter.replies)))
            self._publish(number, topics.REPLIES, reply)
            self.stats.commands += 1

    def _execute(self, meter: VirtualMeter, kind: str, command: dict[str, Any]) -> dict[str, Any]:
        now = clock.now()
        if kind == "on_demand_read":
            return {"status": "succeeded", "result": self._reading_of(meter, now)}
        if kind in ("relay_connect", "relay_disconnect"):
            closing = kind == "relay_connect"
            if closing and meter.credit_kwh is not None and meter.credit_kwh <= 0:
                return {"status": "failed", "reason": "NoCredit"}
            if meter.relay_closed != closing:
                meter.relay_closed = closing
                self._event(meter, "relay_closed" if closing else "relay_open", now,
                            {"cause": "remote_command"})
            return {"status": "succeeded", "result": {"relay": "closed" if closing else "open"}}
        if kind in ("deliver_token", "set_power_limit", "clear_tamper"):
            return self._token(meter, str(command.get("token", "")), now)
        return {"status": "failed", "reason": "UnknownCommand"}

    def _reading_of(self, meter: VirtualMeter, now: dt.datetime) -> dict[str, Any]:
        return {
            "read_at": now.isoformat(),
            "register_kwh": round(meter.register_kwh, 3),
            "credit_kwh": meter.credit_kwh,
            "relay": "closed" if meter.relay_closed else "open",
            "tampered": meter.tampered,
        }

    def _token(self, meter: VirtualMeter, token: str, now: dt.datetime) -> dict[str, Any]:
        if meter.sts is None:
            return {"status": "failed", "reason": "NotPrepaid"}
        before = meter.sts.credit_of(Service.ELECTRICITY)
        outcome = meter.sts.enter(token)
        if not outcome.verdict.accepted:
            return {"status": "failed", "reason": outcome.verdict.value}
        meter.sts = outcome.state
        added = outcome.state.credit_of(Service.ELECTRICITY) - before
        if added > Decimal(0) and meter.credit_kwh is not None:
            meter.credit_kwh = round(meter.credit_kwh + float(added), 3)
            meter.low_credit_sent = meter.credit_kwh < LOW_CREDIT_KWH
            if not meter.relay_closed:
                meter.relay_closed = True
                self._event(meter, "relay_closed", now, {"cause": "credit_added"})
        if meter.tampered and not outcome.state.tampered:
            meter.tampered = False
        result = self._reading_of(meter, now)
        result.update({
            "verdict": outcome.verdict.value,
            "credit_added_kwh": float(added),
            "power_limit_watts": outcome.state.power_limit_watts,
        })
        return {"status": "succeeded", "result": result}
