"""No NIK, phone, e-mail, name or street of the demo data is stored or logged in plain text.

SQLite: the demo's database file (and its WAL) after `pelanggan demo` and a full flow over it
(API search by NIK, phone and name, the 360° record, a correction of the person's data, a key
rotation with re-encryption, the chain verification), plus everything those commands logged at
DEBUG and the audit table on its own. PostgreSQL (when DATABASE_URL points at one): a `pg_dump`
of the test database and the captured logs after an import and the same API flow.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
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
        values += [row["nik"], row["full_name"], row["street"], row["email"]]
        for phone in (row["phone"], row["phone_2"]):
            digits = "".join(ch for ch in phone if ch.isdigit())
            if digits:
                values.append(digits[-9:])  # the subscriber part, whatever prefix format
    return [v for v in values if v and len(v) >= 6]


def _assert_absent(blob: bytes, secrets: list[str]) -> None:
    text = blob.decode("latin-1")
    found = [s for s in secrets if s in text]
    assert found == [], f"{len(found)} personal values stored in plain text"


# Run inside the demo's data directory after the build: what staff and operators do all day.
FLOW = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
import django
django.setup()
from django.test import Client
from pelanggan.platform.audit import Actor
from pelanggan.security.services import issue_token

nik, phone, name, idpel = sys.argv[1:5]
_, token = issue_token(username="admin", name="scan", actor=Actor.system("scan"))
api = Client(HTTP_AUTHORIZATION="Bearer " + token, SERVER_NAME="localhost")
for q in (nik, phone, name):
    response = api.post("/api/v1/customers/search", {"q": q}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["hits"], q
assert api.get("/api/v1/customers/" + idpel).status_code == 200
response = api.patch(
    "/api/v1/customers/" + idpel + "/person",
    {"email": "pindah." + idpel + "@contoh.co.id", "reason": "koreksi data pelanggan"},
    content_type="application/json",
)
assert response.status_code == 200, response.content
print("flow done")
"""


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI and interpreter
        command, check=False, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (command[1:4], done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout + done.stderr


def test_sqlite_file_logs_and_audit_of_the_demo(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(PELANGGAN_HOME=str(tmp_path), PELANGGAN_LOG_LEVEL="DEBUG")
    cli = [sys.executable, "-m", "pelanggan.cli"]
    logs = _run([*cli, "demo", "--customers", "300", "--seed", "5", "--no-serve"], env)
    rows = generate_dil(customers=300, seed=5, as_of=dt.date(2026, 11, 22)).rows
    row = next(r for r in rows if r["nik"] and r["phone"] and r["email"])
    phone = "".join(ch for ch in row["phone"] if ch.isdigit())
    flow = [sys.executable, "-c", FLOW, row["nik"], phone, row["full_name"], row["idpel"]]
    logs += _run(flow, {**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    logs += _run([*cli, "keys", "rotate"], env)
    logs += _run([*cli, "keys", "reencrypt", "--batch", "500"], env)
    logs += _run([*cli, "audit", "verify"], env)
    logs += _run([*cli, "customers", "quality"], env)
    assert "flow done" in logs
    secrets = _secrets(300, 5)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("pelanggan.sqlite3*"))
    assert len(blob) > 100_000
    _assert_absent(blob, secrets)
    assert b"Bandung" in blob  # the check can see plain text: unit and region names are stored
    _assert_absent(logs.encode(), secrets)
    assert "Audit chain intact" in logs  # the logs were captured
    with sqlite3.connect(tmp_path / "pelanggan.sqlite3") as database:
        audit_rows = database.execute("SELECT * FROM platform_auditevent").fetchall()
    events = {row[3] for row in audit_rows}
    assert {"customers.search.performed", "customers.person.updated"} <= events
    assert "platform.data_key.reencrypted" in events
    _assert_absent(repr(audit_rows).encode(), secrets)


@pytest.mark.django_db(transaction=True)
def test_postgres_dump_and_logs(tmp_path: Path, units, admin, caplog) -> None:  # type: ignore[no-untyped-def]
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
    caplog.set_level(logging.DEBUG)
    api = admin.client()
    person = next(r for r in rows if r["nik"] and r["phone"] and r["email"])
    phone = "".join(ch for ch in person["phone"] if ch.isdigit())
    for q in (person["nik"], phone, person["full_name"]):
        found = api.post("/api/v1/customers/search", {"q": q}, content_type="application/json")
        assert found.status_code == 200
        assert found.json()["hits"], q
    assert api.get(f"/api/v1/customers/{person['idpel']}").status_code == 200
    changed = api.patch(
        f"/api/v1/customers/{person['idpel']}/person",
        {"email": "pindah@contoh.co.id", "reason": "koreksi data pelanggan"},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert api.get("/api/v1/customers/531109999999").status_code == 404  # logs a warning
    assert "Not Found" in caplog.text  # the logs are captured, and none of it is personal
    _assert_absent(caplog.text.encode(), _secrets(200, 9))
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dump = subprocess.run(  # noqa: S603
        ["pg_dump", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),  # noqa: S607
         "-U", settings["USER"] or "postgres", "--data-only", settings["NAME"]],
        check=True, capture_output=True, env=env, timeout=120,
    ).stdout  # fmt: skip
    assert b"COPY public.customers_person" in dump
    _assert_absent(dump, _secrets(200, 9))
