"""On PostgreSQL, forbid overlapping periods in the database itself: a meter's installations,
a connection's installations, a meter's and a SIM's pairings never overlap (half-open ranges,
so one may start exactly where the other ended). SQLite has no exclusion constraints; there the
services check it (tested on both). btree_gist is a trusted extension (PostgreSQL 13+), so the
database owner may create it. Running this twice is harmless."""

from django.db import migrations

CONSTRAINTS = (
    ("metering_installation", "installation_meter_no_overlap", "meter_id", "installed_at", "removed_at"),
    ("metering_installation", "installation_connection_no_overlap", "connection_id", "installed_at", "removed_at"),
    ("metering_pairing", "pairing_meter_no_overlap", "meter_id", "paired_from", "paired_to"),
    ("metering_pairing", "pairing_sim_no_overlap", "sim_id", "paired_from", "paired_to"),
)  # fmt: skip


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, key, start, end in CONSTRAINTS:
        schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" EXCLUDE USING gist '
            f"(\"{key}\" WITH =, tstzrange(\"{start}\", \"{end}\", '[)') WITH &&)"
        )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, *_ in CONSTRAINTS:
        schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("metering", "0001_initial_registry")]

    operations = [migrations.RunPython(add, remove)]
