"""Live meter data while the demo is served: the demo's two-way meters keep reporting.

Two modes, picked at start:

* **MQTT** (the scale-out path), when a broker answers at `PELANGGAN_MQTT_URL`: the simulator
  publishes the meters' readings and events to the broker and the head-end listener (durable
  session `pelanggan-headend`, as `pelanggan ami listen`) lands them, both as threads of this
  process. Remote commands from the console work in this mode.
* **In-process** (the embedded default, no broker): the same simulator feeds the lake and the
  meter events directly (`InProcessSimulator`).

The virtual meters take the demo history's household shape (`household_shape`), so the live
curve continues the history's; a few start with little credit so that low-credit and
credit-exhausted events appear within the first intervals.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelanggan.metering.demo_history import household_shape, last_readings
from pelanggan.metering.headend.broker import BrokerAddress
from pelanggan.metering.headend.simulator.fleet import (
    LOW_CREDIT_KWH,
    FleetOptions,
    VirtualMeter,
    fleet_from_database,
)

logger = logging.getLogger(__name__)

MODE_MQTT = "mqtt"
MODE_IN_PROCESS = "in-process"
LOW_CREDIT_SHARE = 0.04  # meters that start below the low-credit threshold
HEADEND_CLIENT_ID = "pelanggan-headend"
#: Simulated seconds per real second until simulated time reaches now (then real time).
CATCH_UP_SPEED = 3600.0
MAX_CATCH_UP = dt.timedelta(days=2)


def broker_reachable(address: BrokerAddress, *, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the broker's address."""
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout):
            return True
    except OSError:
        return False


def live_fleet(*, seed: int) -> list[VirtualMeter]:
    """The registry's two-way meters: prepaid ones with their STS decoder keys (tokens vended
    by Pelanggan work on them), postpaid ones without a credit register."""
    from pelanggan.customers.models import ServiceTerms
    from pelanggan.metering.models import Installation
    from pelanggan.metering.models.choices import MeterKind

    prepaid = fleet_from_database(FleetOptions(count=1_000_000, seed=seed))
    installed = Installation.objects.filter(
        removed_at__isnull=True, meter__kind__in=[MeterKind.SMART_PREPAID, MeterKind.SMART_POSTPAID]
    ).values_list("meter__number", "meter__kind", "connection_id")
    daya = dict(
        ServiceTerms.objects.filter(valid_to__isnull=True).values_list("connection_id", "daya_va")
    )
    daya_of = {number: daya.get(conn) or 1300 for number, _, conn in installed}
    postpaid = sorted(n for n, kind, _ in installed if kind == MeterKind.SMART_POSTPAID)
    fleet = [*prepaid, *(VirtualMeter(number=n, sts=None, scale_kwh_per_hour=0, noise=0,
                                      credit_kwh=None) for n in postpaid)]  # fmt: skip
    rng = random.Random(seed + 11)  # noqa: S311 - demo data
    for meter in fleet:
        meter.scale_kwh_per_hour, meter.noise = household_shape(
            seed, meter.number, daya_of.get(meter.number, 1300)
        )
        if meter.credit_kwh is not None and rng.random() < LOW_CREDIT_SHARE:
            meter.credit_kwh = round(rng.uniform(0.3, LOW_CREDIT_KWH - 0.2), 3)
    return fleet


def resume_point(lake_dir: Path, meters: list[VirtualMeter], *, now: dt.datetime) -> dt.datetime:
    """Where simulated time starts: after the fleet's latest reading in the lake when that is
    recent (the history the demo wrote, or an earlier live run), so the curve continues without
    a hole and without contradicting a landed reading; else now."""
    since = now - MAX_CATCH_UP
    last = last_readings(lake_dir, {m.number for m in meters}, since)
    latest = max(last.values(), default=None)
    return latest if latest is not None and since <= latest <= now else now


@dataclass
class LiveFeed:
    """Running live-data threads; `stop()` ends them (and waits)."""

    mode: str
    meters: int
    description: str
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 15.0) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)


def _thread(feed: LiveFeed, name: str, target: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        from django.db import connection

        try:
            target()
        except Exception as error:  # a demo feed must not take the server down with it
            logger.exception("live meter data: %s stopped", name)
            feed.errors.append(f"{name}: {error.__class__.__name__}")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"live-{name}", daemon=True)
    feed.threads.append(thread)
    return thread


def start_live_feed(
    *,
    lake_dir: Path,
    address: BrokerAddress,
    seed: int = 42,
    now: dt.datetime,
    prefer_mqtt: bool = True,
    client_id: str = HEADEND_CLIENT_ID,
) -> LiveFeed | None:
    """Start the live feed for the registry's two-way meters (None when there are none)."""
    meters = live_fleet(seed=seed)
    if not meters:
        return None
    start_at = resume_point(lake_dir, meters, now=now)
    if prefer_mqtt and broker_reachable(address):
        return _start_mqtt(
            meters,
            lake_dir=lake_dir,
            address=address,
            seed=seed,
            start_at=start_at,
            client_id=client_id,
        )
    from pelanggan.metering.headend.simulator.inprocess import InProcessSimulator

    simulator = InProcessSimulator(
        meters, lake_dir=lake_dir, start_at=start_at, speed=CATCH_UP_SPEED, seed=seed
    )
    feed = LiveFeed(
        MODE_IN_PROCESS,
        len(meters),
        f"Live meter data: in-process simulator, {len(meters)} two-way meters → the lake "
        f"(no MQTT broker at mqtt://{address.host}:{address.port})",
    )
    _thread(feed, "simulator", lambda: simulator.run(stop=feed.stop_event)).start()
    return feed


def _start_mqtt(
    meters: list[VirtualMeter],
    *,
    lake_dir: Path,
    address: BrokerAddress,
    seed: int,
    start_at: dt.datetime,
    client_id: str,
) -> LiveFeed:
    from pelanggan.metering.headend.listener import Listener, ListenerOptions
    from pelanggan.metering.headend.simulator.runner import Simulator

    listener = Listener(
        ListenerOptions(client_id=client_id, lake_dir=lake_dir, status_seconds=300),
        address=address,
    )
    simulator = Simulator(
        meters,
        address=address,
        speed=CATCH_UP_SPEED,
        start_at=start_at,
        readings_per_message=1,
        seed=seed,
    )
    feed = LiveFeed(
        MODE_MQTT,
        len(meters),
        f"Live meter data: MQTT at mqtt://{address.host}:{address.port}, simulator of "
        f"{len(meters)} two-way meters + head-end listener ({client_id})",
    )
    _thread(feed, "listener", lambda: listener.run(stop=feed.stop_event)).start()
    _thread(feed, "simulator", lambda: simulator.run(stop=feed.stop_event)).start()
    return feed


DEMO_SETTINGS = Path("demo") / "live.json"


def remember_demo_seed(home: Path, seed: int) -> None:
    """Written by the demo build, so that `pelanggan serve` shapes the same households."""
    path = home / DEMO_SETTINGS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seed": seed}), encoding="utf-8")


def demo_seed(home: Path) -> int:
    try:
        return int(json.loads((home / DEMO_SETTINGS).read_text(encoding="utf-8"))["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        return 42


def start_demo_live_feed(*, home: Path, lake_dir: Path) -> LiveFeed | None:
    """The live feed of a demo data directory; None elsewhere (a real utility's meters are
    never simulated) or when it has no two-way meters. Raises ValueError for a malformed
    `PELANGGAN_MQTT_URL`."""
    from pelanggan.metering.headend.broker import configured_address
    from pelanggan.platform import clock
    from pelanggan.security.cli_commands import is_demo_home

    if not is_demo_home(home):
        return None
    return start_live_feed(
        lake_dir=lake_dir, address=configured_address(), seed=demo_seed(home), now=clock.now()
    )
