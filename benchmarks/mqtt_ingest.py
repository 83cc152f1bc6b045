"""MQTT ingestion end to end: meter simulator → Mosquitto → `pelanggan ami listen` → lake.

Builds a throwaway data directory (SQLite), registers the simulated meters, starts the listener
and the simulator as separate processes (as in production), and lets the simulator catch up
``--days`` of 15-minute readings as fast as it can. By default it starts its own Mosquitto with
the head-end's broker settings (README: unlimited ``max_queued_messages``, so a backlog waits
for the listener instead of being dropped at Mosquitto's default of 1,000 queued messages);
``--broker mqtt://127.0.0.1:1883`` uses a running broker instead.

Prints readings published, landed, lost (must be 0) and the sustained rate (goal ≥ 10,000
readings/s) measured from the simulator's start to the moment the last reading was in the lake.

    .venv/bin/python benchmarks/mqtt_ingest.py --meters 2000 --days 2
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 10_000


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pelanggan.cli", *args]


def _lake_count(lake: Path, prefix: str) -> tuple[int, int]:
    import duckdb

    files = sorted(str(p) for p in (lake / "intervals").rglob("*.parquet"))
    if not files:
        return 0, 0
    row = duckdb.connect().execute(
        "SELECT count(*), count(DISTINCT (meter_number, interval_start)) "
        "FROM read_parquet(?, hive_partitioning = false) WHERE meter_number LIKE ?",
        [files, prefix + "%"],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meters", type=int, default=2000)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--readings-per-message", type=int, default=16)
    parser.add_argument("--batch-readings", type=int, default=100_000)
    parser.add_argument("--batch-seconds", type=float, default=2.0)
    parser.add_argument("--broker", default=None, help="mqtt://host:port of a running broker")
    args = parser.parse_args()
    broker = None
    if args.broker is None:
        broker, args.broker = _own_broker()
    try:
        _run(args)
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=30)


def _own_broker() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(  # noqa: S603
        [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"mqtt://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise SystemExit("could not start mosquitto")


def _run(args: argparse.Namespace) -> None:

    home = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PELANGGAN_LAKE_DIR")}
    env["PELANGGAN_HOME"] = str(home)
    env["PELANGGAN_LOG_LEVEL"] = "WARNING"
    env["PELANGGAN_MQTT_URL"] = args.broker
    prefix = "B" + secrets.token_hex(3).upper()
    client_id = f"bench-{prefix}"
    subprocess.run(_cli("init"), env=env, check=True, capture_output=True)  # noqa: S603
    # Register the meters (a zero-length run: --max-seconds before the first interval ends).
    register = [*_cli("simulate", "meters", "--generate", "--count", str(args.meters),
                      "--prefix", prefix,
                      "--register", "--days-back", "0", "--max-seconds", "0.1", "--json")]
    subprocess.run(register, env=env, check=True, capture_output=True)  # noqa: S603
    listen = _cli("ami", "listen", "--client-id", client_id, "--no-sweep", "--json",
                  "--batch-readings", str(args.batch_readings),
                  "--batch-seconds", str(args.batch_seconds), "--once")
    # The durable session first: from now on the broker keeps every reading for the listener.
    subprocess.run([*listen, "--idle-seconds", "0.2"], env=env, check=True,  # noqa: S603
                   capture_output=True)
    out_file, err_file = home / "listener.out", home / "listener.err"
    with out_file.open("w") as out_handle, err_file.open("w") as err_handle:
        listener = subprocess.Popen([*listen, "--idle-seconds", "15"], env=env,  # noqa: S603
                                    stdout=out_handle, stderr=err_handle)
    started = time.monotonic()
    simulate = _cli("simulate", "meters", "--generate", "--count", str(args.meters),
                    "--prefix", prefix,
                    "--days-back", str(args.days), "--speed", "1e9", "--until-now",
                    "--readings-per-message", str(args.readings_per_message), "--json")
    done = subprocess.run(simulate, env=env, check=True, capture_output=True,  # noqa: S603
                          text=True)
    simulator = json.loads(done.stdout.strip().splitlines()[-1])
    published = int(simulator["readings"])
    lake = home / "lake"
    landed_at = None
    while True:  # watch the lake until every reading is in (or the listener gives up)
        landed, _ = _lake_count(lake, prefix)
        if landed >= published:
            landed_at = time.monotonic()
            break
        if listener.poll() is not None:
            break
        time.sleep(0.2)
    # wait4 gives the listener's own CPU time: on a shared machine the wall clock mostly
    # measures the neighbours, CPU seconds measure the listener.
    _, _, usage = os.wait4(listener.pid, 0)
    listener.returncode = 0
    listener_cpu = usage.ru_utime + usage.ru_stime
    out, err = out_file.read_text(), err_file.read_text()
    counters = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    landed, distinct = _lake_count(lake, prefix)
    seconds = (landed_at or time.monotonic()) - started
    rate = landed / seconds if seconds > 0 else 0.0
    rows = [
        ("broker", args.broker),
        ("meters", f"{args.meters:,}"),
        ("simulated days", f"{args.days:g}"),
        ("messages published", f"{simulator['messages']:,}"),
        ("readings published", f"{published:,}"),
        ("simulator rate (readings/s)", f"{simulator['readings_per_second']:,.0f}"),
        ("readings landed in the lake", f"{landed:,} ({distinct:,} distinct keys)"),
        ("lost", f"{published - distinct:,}"),
        ("listener batches", f"{counters.get('batches', '?')}"),
        ("listener rejected", json.dumps(counters.get("rejected", {}))),
        ("end to end seconds", f"{seconds:.1f}"),
        ("sustained readings/s (goal ≥ 10,000)", f"{rate:,.0f}"),
        ("listener CPU seconds (user+system)", f"{listener_cpu:.1f}"),
        ("readings per listener CPU second", f"{landed / listener_cpu:,.0f}"
         if listener_cpu else "-"),
        ("machine load average (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if published != distinct or landed != distinct:
        print("FAIL: counts do not reconcile", file=sys.stderr)
        print(err[-3000:], out[-1000:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
