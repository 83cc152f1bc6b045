"""Environment helpers: every setting comes from the environment, secrets also from `*_FILE`.

A secret named `X` is read from the variable `X`, or from the file named by `X_FILE` (the
container-secrets convention), so that production never needs secrets in the process list.
"""

from __future__ import annotations

import os
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be a boolean (true/false), got an unrecognised value")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """Return the secret `name` from the environment or from the file `name_FILE` points at."""
    direct = os.environ.get(name)
    if direct:
        return direct
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        if not path.is_file():
            raise ConfigurationError(f"{name}_FILE points at {path}, which is not a readable file")
        return path.read_text(encoding="utf-8").strip()
    return None


def data_home() -> Path:
    """The data directory: `PELANGGAN_HOME`, else `./var` (the CLI sets it from --home)."""
    return Path(env_str("PELANGGAN_HOME", "var") or "var").resolve()
