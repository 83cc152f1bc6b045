"""The audit trail: registry, redaction, hash chain and its verification against tampering."""

from __future__ import annotations

import pytest
from django.db import connection

from pelanggan.platform import audit
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

ACTOR = audit.Actor("staff", 7, "agent.a")
audit.register("tests.thing.changed", "Test event", personal_fields=["full_name"])


def _write(n: int) -> None:
    for i in range(n):
        audit.record(
            "tests.thing.changed",
            actor=ACTOR,
            subject_type="thing",
            subject_ids=[i],
            changes={
                "full_name": audit.change("Budi", "Budi Santoso"),
                "daya_va": audit.change(900, 1300),
            },
        )


def test_unknown_event_types_are_refused() -> None:
    with pytest.raises(ValueError, match="not registered"):
        audit.record("tests.thing.unknown", actor=ACTOR, subject_type="thing", subject_ids=[1])
    with pytest.raises(ValueError, match="dotted"):
        audit.register("nodots", "x")


def test_personal_fields_are_redacted_and_chain_links() -> None:
    _write(3)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert rows[1].prev_hash == rows[0].row_hash
    assert rows[0].changes == {"full_name": {"changed": True}, "daya_va": {"old": 900, "new": 1300}}
    assert audit.verify_chain().ok
    assert audit.verify_chain().rows_checked == 3


def test_rows_cannot_be_updated_or_deleted_through_the_orm() -> None:
    _write(1)
    row = AuditEvent.objects.get()
    with pytest.raises(RuntimeError, match="append-only"):
        row.save()
    with pytest.raises(RuntimeError, match="append-only"):
        row.delete()


def _sql(statement: str, params: list[object]) -> None:
    """Tamper as an attacker with DDL rights would: on PostgreSQL, disable the trigger first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE platform_auditevent DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE platform_auditevent ENABLE TRIGGER USER")


def test_verify_finds_an_altered_row() -> None:
    _write(5)
    _sql("UPDATE platform_auditevent SET actor_label = %s WHERE seq = %s", ["someone.else", 3])
    report = audit.verify_chain()
    assert (report.ok, report.first_broken_seq, report.rows_checked) == (False, 3, 2)
    assert report.problem == "row content does not match its hash"


def test_verify_finds_a_removed_row() -> None:
    _write(5)
    _sql("DELETE FROM platform_auditevent WHERE seq = %s", [2])
    report = audit.verify_chain()
    assert (report.first_broken_seq, report.problem) == (3, "expected row 2, found 3")


def test_verify_finds_a_rehashed_forgery() -> None:
    # An attacker who rewrites a row and recomputes its own hash still breaks the next link.
    _write(4)
    row = AuditEvent.objects.get(seq=2)
    row.reason = "forged"
    forged = audit.row_hash(prev_hash=row.prev_hash, content=audit._content(row))
    _sql(
        "UPDATE platform_auditevent SET reason = %s, row_hash = %s WHERE seq = %s",
        ["forged", forged, 2],
    )
    report = audit.verify_chain()
    assert (report.first_broken_seq, report.problem) == (3, "link to the previous row is broken")


def test_verify_cli_exits_non_zero(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from pelanggan.cli import app

    _write(3)
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    _sql("UPDATE platform_auditevent SET event_type = %s WHERE seq = %s", ["tests.thing.other", 2])
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 3
    assert "row 2" in result.output


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
)


@needs_postgres
@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE platform_auditevent SET reason = 'x' WHERE seq = 1", "UPDATE"),
        ("DELETE FROM platform_auditevent WHERE seq = 1", "DELETE"),
        ("TRUNCATE platform_auditevent", "TRUNCATE"),
    ],
)
def test_trigger_refuses_changes_even_by_the_owner(statement: str, operation: str) -> None:
    from django.db import DatabaseError, transaction

    _write(2)
    with pytest.raises(DatabaseError, match=f"append-only: {operation} refused"):  # noqa: SIM117
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok


def test_fast_verification_matches_the_reference_without_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt

    def no_fallback(seq: int) -> str:
        raise AssertionError(f"fast path missed row {seq}")

    audit.record(
        "tests.thing.changed",
        actor=audit.Actor.system('sistem / "quoted" \\ back'),
        subject_type="thing",
        subject_ids=["a b", 2],
        changes={"z": 1, "a": {"y": [1.5, None, True], "b": "x y"}},
        reason="alasan: uji",
        occurred_at=dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC),  # no microseconds
    )
    _write(2)
    with monkeypatch.context() as patch:
        patch.setattr(audit, "_slow_row_hash", no_fallback)
        report = audit.verify_chain(batch_size=2)  # crosses batch boundaries too
    assert (report.ok, report.rows_checked) == (True, 3)

    # Non-ASCII text is quoted differently by the database: the exact check confirms it.
    audit.record(
        "tests.thing.changed",
        actor=audit.Actor.system("petugas — ü"),
        subject_type="thing",
        subject_ids=["é"],
        changes={"catatan": "PD 900 → 1.300 VA\n"},
        reason="«uji»",
    )
    assert (audit.verify_chain().ok, audit.verify_chain().rows_checked) == (True, 4)
    _sql("UPDATE platform_auditevent SET reason = %s WHERE seq = %s", ["«ujI»", 4])
    report = audit.verify_chain()
    assert (report.first_broken_seq, report.problem) == (4, "row content does not match its hash")


@pytest.mark.django_db(transaction=True)
def test_verification_reading_ahead_on_a_second_connection() -> None:
    # Outside a transaction verify reads ahead on its own connection (committed rows only).
    _write(7)
    report = audit.verify_chain(batch_size=3)
    assert (report.ok, report.rows_checked) == (True, 7)
    assert audit.verify_chain(batch_size=2, prefetch=True).rows_checked == 7
    _sql("UPDATE platform_auditevent SET actor_label = %s WHERE seq = %s", ["someone.else", 5])
    report = audit.verify_chain(batch_size=2, prefetch=True)
    assert (report.first_broken_seq, report.rows_checked) == (5, 4)
    assert report.problem == "row content does not match its hash"
    _sql("DELETE FROM platform_auditevent WHERE seq = %s", [2])
    report = audit.verify_chain(batch_size=2, prefetch=True)
    assert (report.first_broken_seq, report.problem) == (3, "expected row 2, found 3")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("statement", "params", "expected"),
    [
        (None, [], (True, None, 12, "")),
        (
            "UPDATE platform_auditevent SET reason = %s WHERE seq = %s",
            ["x", 5],
            (False, 5, 4, "row content does not match its hash"),
        ),
        (
            "DELETE FROM platform_auditevent WHERE seq = %s",
            [4],  # the last row of a range
            (False, 5, 3, "expected row 4, found 5"),
        ),
        (
            "DELETE FROM platform_auditevent WHERE seq = %s",
            [7],  # the first row of a range
            (False, 8, 6, "expected row 7, found 8"),
        ),
        (
            "UPDATE platform_auditevent SET prev_hash = %s WHERE seq = %s",
            ["0" * 64, 9],
            (False, 9, 8, "link to the previous row is broken"),
        ),
    ],
)
def test_verification_in_worker_processes_matches_the_plain_walk(
    statement: str | None, params: list[object], expected: tuple[object, ...]
) -> None:
    _write(12)
    if statement:
        _sql(statement, params)
    plain = audit.verify_chain(batch_size=2, prefetch=False)
    assert (plain.ok, plain.first_broken_seq, plain.rows_checked, plain.problem) == expected
    if connection.vendor != "postgresql":
        return  # SQLite's test database is in memory: worker processes could not open it
    # The split walk forks, which is only safe in a single-threaded process (a test run may keep
    # a live server's threads): run it as `pelanggan audit verify` runs, in a process of its own.
    parallel = _verify_in_a_fresh_process(batch_size=2, workers=2)
    assert tuple(parallel) == expected


def _verify_in_a_fresh_process(*, batch_size: int, workers: int) -> list[object]:
    import json
    import os
    import subprocess
    import sys

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django, json; django.setup()\n"
        "from pelanggan.platform import audit\n"
        f"r = audit.verify_chain(batch_size={batch_size}, workers={workers})\n"
        "print(json.dumps([r.ok, r.first_broken_seq, r.rows_checked, r.problem]))\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
