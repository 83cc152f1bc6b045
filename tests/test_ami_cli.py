"""`pelanggan ami` and `pelanggan simulate` refuse bad options with a message and an exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pelanggan.cli", *args, "--home", str(home)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_bad_options_and_unreachable_broker(tmp_path: Path) -> None:
    bad_interval = _run(tmp_path, "simulate", "meters", "--count", "3", "--interval-minutes", "7")
    assert bad_interval.returncode == 1
    assert "--interval-minutes must be 5, 10, 15, 30 or 60" in bad_interval.stderr

    zero_meters = _run(tmp_path, "simulate", "meters", "--count", "0")
    assert zero_meters.returncode == 2  # Typer's range check

    no_broker = _run(tmp_path, "ami", "listen", "--broker", "mqtt://127.0.0.1:1", "--once")
    assert no_broker.returncode == 3
    assert "cannot reach the MQTT broker" in no_broker.stderr

    bad_url = _run(tmp_path, "ami", "listen", "--broker", "http://example.org", "--once")
    assert bad_url.returncode == 1
    assert "error: not an mqtt://host:port address: 'http://example.org'" in bad_url.stderr
    assert "Traceback" not in bad_url.stderr
