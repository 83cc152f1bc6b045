"""Helpers shared by the benchmark scripts: fresh databases, Django setup, tables."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

import psycopg

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"


def fresh_postgres(base_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `base_url`; return its URL."""
    with psycopg.connect(base_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


def setup_django(*, database_url: str | None, home: Path | None = None) -> Path:
    home = home or Path(tempfile.mkdtemp(prefix="pelanggan-bench-"))
    os.environ["PELANGGAN_HOME"] = str(home)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from pelanggan.cli import _ensure_keys

    _ensure_keys(quiet=True)
    call_command("migrate", interactive=False, verbosity=0)
    return home


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values) * 1000,
        "p95": percentile(values, 95) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": max(values) * 1000,
    }


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                str(c).rjust(w) if isinstance(c, int | float) else str(c).ljust(w)
                for c, w in zip(row, widths, strict=True)
            )
        )
