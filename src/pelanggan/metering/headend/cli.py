"""`pelanggan ami ...` (head-end listener, commands) and `pelanggan simulate meters`.

Thin: parse options, call the listener, a service or the simulator, print the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

ami_app = typer.Typer(no_args_is_help=True, help="AMI head-end over MQTT (two-way meters)")
simulate_app = typer.Typer(no_args_is_help=True, help="Simulators for demos and benchmarks")

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $PELANGGAN_HOME or ./var)")
]
BrokerOption = Annotated[
    str | None, typer.Option("--broker", help="mqtt://host:port (default: $PELANGGAN_MQTT_URL)")
]


def _setup(home: Path | None, broker_url: str | None = None) -> None:
    if home is not None:
        os.environ["PELANGGAN_HOME"] = str(home.resolve())
    if broker_url:
        os.environ["PELANGGAN_MQTT_URL"] = broker_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _broker_address() -> Any:
    from pelanggan.metering.headend.broker import configured_address

    try:
        return configured_address()
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@ami_app.command("listen")
def listen(
    home: HomeOption = None,
    broker_url: BrokerOption = None,
    client_id: Annotated[
        str, typer.Option(help="Fixed MQTT client id: the durable session is found by it")
    ] = "pelanggan-headend",
    batch_readings: Annotated[int, typer.Option(min=1, max=1_000_000)] = 50_000,
    batch_seconds: Annotated[float, typer.Option(min=0.05, max=60)] = 1.0,
    status_seconds: Annotated[float, typer.Option(min=0.5)] = 10.0,
    once: Annotated[
        bool, typer.Option("--once", help="Stop when the broker has had nothing for a while")
    ] = False,
    idle_seconds: Annotated[float, typer.Option(min=0.1, help="Idle time that ends --once")] = 2.0,
    max_seconds: Annotated[float | None, typer.Option(min=0.1, help="Stop after this")] = None,
    no_sweep: Annotated[bool, typer.Option("--no-sweep", help="Do not time out commands")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counters as JSON")] = False,
) -> None:
    """Land readings from MQTT in the lake, store meter events, apply command replies."""
    _setup(home, broker_url)
    from django.conf import settings

    from pelanggan.metering.headend.listener import FlushFailed, Listener, ListenerOptions

    options = ListenerOptions(
        client_id=client_id,
        lake_dir=Path(settings.PELANGGAN_LAKE_DIR),
        batch_readings=batch_readings,
        batch_seconds=batch_seconds,
        status_seconds=status_seconds,
        sweep_commands=not no_sweep,
    )
    listener = Listener(options, address=_broker_address())
    try:
        counters = listener.run(
            max_seconds=max_seconds,
            once=once,
            idle_seconds=idle_seconds,
            stop=_stop_on_signals(),
        )
    except FlushFailed as error:
        typer.echo(
            f"error: a batch could not be stored ({error}); it stays with the broker", err=True
        )
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(f"error: cannot reach the MQTT broker ({error})", err=True)
        raise typer.Exit(3) from None
    if as_json:
        typer.echo(json.dumps(counters.as_dict()))
    else:
        typer.echo(counters.status_line())


@ami_app.command("sweep")
def sweep(home: HomeOption = None) -> None:
    """Send again or time out commands whose reply is overdue."""
    _setup(home)
    from pelanggan.metering.headend.services import commands
    from pelanggan.platform import clock

    result = commands.sweep_commands(now=clock.now())
    typer.echo(f"{result.retried} sent again, {result.timed_out} timed out")


@simulate_app.command("meters")
def simulate_meters(
    home: HomeOption = None,
    broker_url: BrokerOption = None,
    count: Annotated[int, typer.Option("--count", min=1, max=200_000)] = 100,
    speed: Annotated[
        float, typer.Option(min=1, help="Simulated seconds per real second (>1: catch-up mode)")
    ] = 1.0,
    days_back: Annotated[
        float, typer.Option(min=0, help="Start this many days in the past (catch up at --speed)")
    ] = 0.0,
    interval_minutes: Annotated[int, typer.Option()] = 15,
    readings_per_message: Annotated[int, typer.Option(min=1, max=96)] = 4,
    seed: Annotated[int, typer.Option()] = 1,
    prefix: Annotated[str, typer.Option(help="Meter-number prefix of generated meters")] = "SIM",
    from_db: Annotated[
        bool | None,
        typer.Option(
            "--from-db/--generate",
            help="The database's two-way meters with STS key data, or generated ones "
            "(default: the database's when it has any)",
        ),
    ] = None,
    register: Annotated[
        bool, typer.Option("--register", help="Register generated meters in the database")
    ] = False,
    credit_kwh: Annotated[float, typer.Option(min=0)] = 20.0,
    tamper: Annotated[int, typer.Option(min=0, help="Meters that report a tamper")] = 0,
    outage: Annotated[int, typer.Option(min=0, help="Meters that lose power once")] = 0,
    max_seconds: Annotated[float | None, typer.Option(min=0.1)] = None,
    until_now: Annotated[
        bool, typer.Option("--until-now", help="Stop when simulated time reaches now")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run N virtual two-way meters against the MQTT broker."""
    _setup(home, broker_url)
    _broker_address()
    from pelanggan.metering.headend.simulator.fleet import (
        FleetOptions,
        fleet_from_database,
        generated_fleet,
        register_fleet,
    )
    from pelanggan.metering.headend.simulator.runner import Simulator
    from pelanggan.platform import clock

    if interval_minutes not in (5, 10, 15, 30, 60):
        typer.echo("error: --interval-minutes must be 5, 10, 15, 30 or 60", err=True)
        raise typer.Exit(1)
    options = FleetOptions(
        count=count, seed=seed, prefix=prefix, credit_kwh=credit_kwh, tamper=tamper, outage=outage
    )
    meters = fleet_from_database(options) if from_db is not False else []
    generated = not meters and from_db is not True
    if generated:
        meters = generated_fleet(options)
    if not meters:
        typer.echo("error: no two-way meters with STS key data in the database", err=True)
        raise typer.Exit(1)
    if register and generated:
        register_fleet(meters)
    simulator = Simulator(
        meters,
        address=_broker_address(),
        speed=speed,
        start_at=clock.now() - dt.timedelta(days=days_back),
        interval_minutes=interval_minutes,
        readings_per_message=readings_per_message,
        seed=seed,
        outage=min(outage, len(meters)),
    )
    stats = simulator.run(max_seconds=max_seconds, until_now=until_now, stop=_stop_on_signals())
    typer.echo(json.dumps(stats.as_dict()) if as_json else stats.line())
