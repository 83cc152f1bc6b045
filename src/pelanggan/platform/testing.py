"""pytest plugin (registered by the root conftest): test-runner needs of the platform.

Django empties the database between `transaction=True` tests with one TRUNCATE of every table.
On PostgreSQL the audit table refuses TRUNCATE (migration 0002), so the flush runs with
`SET LOCAL session_replication_role = replica`, which stops ordinary triggers for that one
transaction. Setting it needs superuser (or, from PostgreSQL 15, an explicit
`GRANT SET ON PARAMETER session_replication_role`): the test runner's role has it, the
production application role must not (docs/security.md), so this is no bypass for the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations


def _execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
    """Django's own `execute_sql_flush`, with triggers paused for the flush transaction."""
    connection = self.connection
    with (
        transaction.atomic(using=connection.alias, savepoint=connection.features.can_rollback_ddl),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql in sql_list:
            cursor.execute(sql)


DatabaseOperations.execute_sql_flush = _execute_sql_flush  # type: ignore[method-assign]
