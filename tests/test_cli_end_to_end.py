"""The commands a newcomer runs: demo (build only), users, token, serve, then a real HTTP call."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(home: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pelanggan.cli", *args, "--home", str(home)],
        check=False, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture
def env() -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    clean["PELANGGAN_DEMO_PASSWORD"] = "Rahasia-Demo-2026!"
    # No broker here: the embedded default (live meter data in-process) must work without one.
    clean["PELANGGAN_MQTT_URL"] = f"mqtt://127.0.0.1:{_free_port()}"
    return clean


def test_demo_users_token_serve(tmp_path: Path, env: dict[str, str]) -> None:
    built = _cli(tmp_path, "demo", "--customers", "120", "--seed", "3", "--no-serve", env=env)
    assert built.returncode == 0, built.stderr
    assert "agen.bandungutara" in built.stdout
    assert "Rahasia-Demo-2026!" in built.stdout
    assert "DEVELOPMENT encryption keys" in built.stderr
    assert "simulated meters" in built.stderr  # STS development vending keys, first run only
    assert "Interval history: " in built.stdout

    users = json.loads(_cli(tmp_path, "users", "list", "--json", env=env).stdout)
    by_name = {u["username"]: u for u in users}
    assert by_name["agen.cimahi"] == {"username": "agen.cimahi", "active": True, "role": "agent",
                                      "units": ["53120"], "national": False}  # fmt: skip
    assert by_name["admin"]["national"] is True

    again = _cli(tmp_path, "demo", "--customers", "120", "--seed", "3", "--no-serve", env=env)
    assert again.returncode == 0, again.stderr
    assert "(0 new)" in again.stdout  # the same seed over the same data adds nothing
    assert "simulated meters" not in again.stderr

    token = _cli(tmp_path, "users", "token", "agen.cimahi", env=env).stdout.strip()
    assert token.startswith("plg_")
    assert _cli(tmp_path, "users", "token", "nobody", env=env).returncode == 1

    port = _free_port()
    command = [sys.executable, "-m", "pelanggan.cli", "serve", "--home", str(tmp_path)]
    server = subprocess.Popen(  # noqa: S603
        [*command, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:  # noqa: S310
                    assert response.status == 200
                    assert "Masuk" in response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("pelanggan serve did not answer")
        request = urllib.request.Request(  # noqa: S310
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            me = json.loads(response.read())
        assert (me["username"], me["role"], me["national"]) == ("agen.cimahi", "agent", False)
        anonymous = urllib.request.Request(f"{base}/api/v1/me")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(anonymous, timeout=5)  # noqa: S310
        assert refused.value.code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)
    served = server.stdout.read().decode() if server.stdout else ""
    assert "Live meter data: in-process simulator" in served
    assert "Live meter data stopped." in served  # SIGTERM ends the live threads cleanly


def test_serve_refuses_an_empty_data_directory(tmp_path: Path, env: dict[str, str]) -> None:
    result = _cli(tmp_path / "empty", "serve", env=env)
    assert result.returncode == 1
    assert "run `pelanggan demo` or `pelanggan init` first" in result.stderr
