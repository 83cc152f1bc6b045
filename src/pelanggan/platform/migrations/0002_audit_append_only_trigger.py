"""PostgreSQL: the audit table refuses UPDATE, DELETE and TRUNCATE, whoever asks.

Privileges are the real boundary (the production app role gets only SELECT and INSERT on the
audit table, see docs/security.md); the trigger also stops the table owner's accidental or
injected statements. Only someone who can disable triggers (the owner with DDL rights, or a
superuser with session_replication_role) gets past it, and `pelanggan audit verify` still sees
what they changed. SQLite has no roles; there the ORM refuses and the hash chain detects.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION platform_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'platform_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""
TRIGGERS = """
DROP TRIGGER IF EXISTS platform_audit_no_update_delete ON platform_auditevent;
CREATE TRIGGER platform_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON platform_auditevent
    FOR EACH ROW EXECUTE FUNCTION platform_audit_append_only();
DROP TRIGGER IF EXISTS platform_audit_no_truncate ON platform_auditevent;
CREATE TRIGGER platform_audit_no_truncate
    BEFORE TRUNCATE ON platform_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS platform_audit_no_update_delete ON platform_auditevent;
DROP TRIGGER IF EXISTS platform_audit_no_truncate ON platform_auditevent;
DROP FUNCTION IF EXISTS platform_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_audit_trail_and_outbox")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
