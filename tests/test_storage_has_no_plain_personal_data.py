"""The database files themselves hold no NIK, phone or name in plain text.

SQLite: the demo's database file (and its WAL) after `pelanggan demo`. PostgreSQL (when
DATABASE_URL points at one): a `pg_dump` of the test database after committed writes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from pelanggan.customers.synthetic import generate_dil


def _secrets(customers: int, seed: int) -> list[str]:
    rows = generate_dil(customers=customers, seed=seed, as_of=dt.date(2026, 11, 22)).rows
    values = []
    for row in rows:
        values += [row["nik"], row["full_name"], row["street"]]
        for phone in (row["phone"], row["phone_2"]):
            digits = "".join(ch for ch in phone if ch.isdigit())
            if digits:
                values.append(digits[-9:])  # the subscriber part, whatever prefix format
    return [v for v in values if v and len(v) >= 6]


def _assert_absent(blob: bytes, secrets: list[str]) -> None:
    text = blob.decode("latin-1")
    found = [s for s in secrets if s in text]
    assert found == [], f"{len(found)} personal values stored in plain text"


def test_sqlite_file_of_the_demo(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["PELANGGAN_HOME"] = str(tmp_path)
    demo = [sys.executable, "-m", "pelanggan.cli", "demo", "--customers", "300", "--seed", "5"]
    subprocess.run(  # noqa: S603 - our own CLI
        [*demo, "--no-serve"], check=True, env=env, capture_output=True, timeout=300
    )
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("pelanggan.sqlite3*"))
    assert len(blob) > 100_000
    _assert_absent(blob, _secrets(300, 5))
    assert b"Bandung" in blob  # the check can see plain text: unit and region names are stored


@pytest.mark.django_db(transaction=True)
def test_postgres_dump(tmp_path: Path, units) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed but DATABASE_URL points at PostgreSQL")
    from pelanggan.customers.services import import_dil
    from pelanggan.customers.synthetic import write_csv
    from pelanggan.platform.audit import Actor

    rows = generate_dil(customers=200, seed=9, as_of=dt.date(2026, 11, 22)).rows
    for row in rows:
        row["ulp_code"] = "53110"
    write_csv(tmp_path / "dil.csv", rows)
    report = import_dil(path=tmp_path / "dil.csv", partial=False, actor=Actor.system("test"))
    assert report.rows_created == 200
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dump = subprocess.run(  # noqa: S603
        ["pg_dump", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),  # noqa: S607
         "-U", settings["USER"] or "postgres", "--data-only", settings["NAME"]],
        check=True, capture_output=True, env=env, timeout=120,
    ).stdout  # fmt: skip
    assert b"COPY public.customers_person" in dump
    _assert_absent(dump, _secrets(200, 9))
