"""Kill the MQTT listener mid-stream (SIGKILL) and restart it: every reading lands exactly once.

Runs the real commands as subprocesses against the real Mosquitto on 127.0.0.1:1883, with a
SQLite data directory of its own: `pelanggan init`, a first `ami listen --once` that creates the
durable session, `simulate meters --register` publishing a known number of readings, a listener
killed with SIGKILL after its first batches landed, and a restarted listener that drains the
rest. Meter numbers carry a random prefix and the client id is unique, so parallel runs on the
shared broker do not see each other's data; the session is deleted at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest


def _broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _broker_up() and not os.environ.get("PELANGGAN_REQUIRE_MQTT"),  # CI requires it
    reason="Mosquitto is not on 127.0.0.1:1883",
)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PELANGGAN_LAKE_DIR")}
    env["PELANGGAN_HOME"] = str(home)
    env["PELANGGAN_MQTT_URL"] = "mqtt://127.0.0.1:1883"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pelanggan.cli", *args]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - our own CLI
        _command(*args), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _lake_counts(lake: Path, prefix: str) -> tuple[int, int]:
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


def test_kill_minus_nine_mid_stream_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = _env(home)
    prefix = "K" + secrets.token_hex(3).upper()
    client_id = f"t-kill-{prefix}"
    listen = ("ami", "listen", "--client-id", client_id, "--no-sweep", "--json")
    _run(env, "init")
    try:
        # 1. The durable session exists before anything is published.
        _run(env, *listen, "--once", "--idle-seconds", "0.5")
        # 2. 24 meters × 3 days of 15-minute readings, 96 readings per message.
        published = json.loads(_run(
            env, "simulate", "meters", "--generate", "--count", "24", "--prefix", prefix,
            "--register",
            "--days-back", "3", "--speed", "10000000", "--until-now",
            "--readings-per-message", "96", "--seed", "7", "--json",
        ).stdout)["readings"]  # fmt: skip
        assert published >= 24 * 96 * 2
        # 3. A listener with small batches, killed as soon as its first batches are in the lake.
        victim = subprocess.Popen(  # noqa: S603
            _command(*listen, "--batch-readings", "300", "--batch-seconds", "0.2"),
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        lake = home / "lake"
        deadline = time.monotonic() + 120
        while _lake_counts(lake, prefix)[0] < 600 and time.monotonic() < deadline:
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        landed_before_kill = _lake_counts(lake, prefix)[0]
        assert 600 <= landed_before_kill < published, "the kill must come mid-stream"
        # 4. The restarted listener drains what the broker kept for the session.
        counters = json.loads(
            _run(env, *listen, "--once", "--idle-seconds", "2").stdout.strip().splitlines()[-1]
        )
    finally:
        subprocess.run(  # noqa: S603 - delete the durable session on the broker
            [sys.executable, "-c",
             "import sys; from pelanggan.metering.headend.tests.conftest import forget_session, "
             "BROKER; forget_session(BROKER, sys.argv[1])", client_id],
            env=env, check=False, timeout=60,
        )  # fmt: skip
    rows, distinct = _lake_counts(home / "lake", prefix)
    assert (rows, distinct) == (published, published)
    assert counters["readings_landed"] == published - landed_before_kill
    # Only readings or events of another run's meters on the shared broker may be refused.
    assert set(counters["rejected"]) <= {"unknown_meter", "event_unknown_meter"}
