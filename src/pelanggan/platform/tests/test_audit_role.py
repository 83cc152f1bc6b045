"""PostgreSQL: the production app role can read and append audit rows, never change them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from pelanggan.platform import audit
from pelanggan.platform.db_roles import app_role_grants
from pelanggan.platform.models import AuditEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
    ),
]


@pytest.fixture
def app_role() -> Iterator[tuple[str, str]]:
    """A login role set up as docs/security.md prescribes; dropped afterwards."""
    role = f"pelanggan_app_test_{os.getpid()}_{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(16)
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
            .format(psycopg.sql.Identifier(role), psycopg.sql.Literal(password))
            .as_string(connection.connection)
        )
        for statement in app_role_grants(role=role, database=database):
            cursor.execute(statement.as_string(connection.connection))
    yield role, password
    with connection.cursor() as cursor:
        ident = psycopg.sql.Identifier(role).as_string(connection.connection)
        cursor.execute(f"DROP OWNED BY {ident}")
        cursor.execute(f"DROP ROLE {ident}")


def _connect(role: str, password: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 5432),
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def test_app_role_cannot_update_delete_or_truncate_audit_rows(
    app_role: tuple[str, str],
) -> None:
    audit.register("tests.role.checked", "Test event")
    for subject in (1, 2):
        audit.record(
            "tests.role.checked",
            actor=audit.Actor.system(),
            subject_type="t",
            subject_ids=[subject],
        )
    with _connect(*app_role) as app:
        assert app.execute("SELECT COUNT(*) FROM platform_auditevent").fetchone() == (2,)
        for statement in (
            "UPDATE platform_auditevent SET reason = 'rewritten' WHERE seq = 1",
            "DELETE FROM platform_auditevent WHERE seq = 2",
            "TRUNCATE platform_auditevent",
            "ALTER TABLE platform_auditevent DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # ... and cannot pause triggers either.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")
        # Appending is what it may do (the same INSERT `audit.record` issues).
        app.execute(
            "INSERT INTO platform_auditevent (seq, occurred_at, event_type, actor_kind, "
            "actor_label, subject_type, subject_ids, request_id, changes, reason, prev_hash, "
            "row_hash) VALUES (3, now(), 'tests.role.checked', 'system', 'app', 't', '[]', '', "
            "'{}', '', 'x', 'y')"
        )
    assert AuditEvent.objects.count() == 3
    assert list(AuditEvent.objects.order_by("seq").values_list("reason", flat=True)) == [
        "",
        "",
        "",
    ]
    report = audit.verify_chain()
    assert (report.first_broken_seq, report.problem) == (3, "link to the previous row is broken")
