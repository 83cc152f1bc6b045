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
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


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
