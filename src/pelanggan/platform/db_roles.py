"""PostgreSQL roles for production: a migration role owns the tables, the app role does not.

The application connects as a role that owns nothing, so it cannot ALTER or DISABLE TRIGGER
on any table; on the audit table it may only SELECT and INSERT. Migrations run as the owning
role (`DATABASE_URL` of `pelanggan migrate` / `manage.py migrate`). `app_role_grants()` gives the
statements, run by the owner after every migration (docs/security.md shows them in full).
"""

from __future__ import annotations

from psycopg import sql

AUDIT_TABLE = "platform_auditevent"


def app_role_grants(*, role: str, database: str, owner: str | None = None) -> list[sql.Composed]:
    """GRANT/REVOKE statements that give `role` data access without audit UPDATE/DELETE."""
    r, db = sql.Identifier(role), sql.Identifier(database)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, r),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            r
        ),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
            sql.Identifier(AUDIT_TABLE), r
        ),
    ]
    if owner:
        # Tables created by later migrations get the same data grants automatically; the audit
        # table exists already, so its REVOKE above stays in force.
        statements.append(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(sql.Identifier(owner), r)
        )
    return statements
