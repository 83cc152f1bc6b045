"""Data-key lifecycle: rotate, report usage, re-encrypt stored values, retire unused keys.

Keys live outside the database, always: in `PELANGGAN_DATA_KEYS` (or the file `*_FILE` names)
for production, or in the development key file under the data directory. When they come from
the environment this module never writes anything: it returns the new key-ring JSON for the
operator to put into the secret store. When they come from the key file it rewrites the file
atomically (owner-only permissions); running servers watch that file and pick the change up.

Every ciphertext carries its key id (`enc1:<key id>:...`), so usage is counted per key id per
encrypted column, and the re-encryption job moves rows to the active key in batches:

- **resumable and idempotent**: the state is the data itself (rows not yet under the active
  key); a run that is stopped leaves every row readable under one key or the other, and the next
  run continues where the data says;
- **safe with concurrent writes**: each row is updated with a compare-and-set on the exact
  ciphertext read (`UPDATE ... WHERE pk = %s AND col = <old ciphertext>`), so a value a user
  changed meanwhile is never overwritten with the old plaintext.

Encrypted columns are found automatically (every `EncryptedField` of every installed model);
columns that a context seals itself with `crypto.encrypt` register with
`register_sealed_column`, giving the associated-data template built from the row's own columns.
Retiring a key also scans every other text column for stray `enc1:<key id>:` values and refuses
if it finds one, so a key is never retired while anything still needs it.

Blind indexes use a separate index key; rotating it means recomputing every index from the
decrypted values (the owning context's re-index), which is not done here.
"""

from __future__ import annotations

import os
import re
import string
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from pelanggan.platform import audit, crypto
from pelanggan.platform.errors import KeyUnavailable
from pelanggan.platform.fields import EncryptedField

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
DEFAULT_BATCH = 1000


class KeyLifecycleError(Exception):
    """A key operation was refused; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class EncryptedColumn:
    """One column that holds `enc1:` ciphertexts, and how to rebuild its associated data."""

    model: type[models.Model]
    column: str
    context_template: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    @property
    def context_columns(self) -> tuple[str, ...]:
        names = [name for _, name, _, _ in string.Formatter().parse(self.context_template)]
        return tuple(name for name in names if name)

    def context_for(self, values: dict[str, Any]) -> str:
        return self.context_template.format(**values)


_sealed: dict[tuple[str, str], str] = {}


def register_sealed_column(model_label: str, column: str, *, context_template: str) -> None:
    """Declare a column a context encrypts itself with `crypto.encrypt`.

    `context_template` rebuilds the associated data from the row's columns, e.g.
    `"prepaid.vending_key:{supply_group_code}:{key_revision_number}:{dkga}"`.
    """
    _sealed[(model_label.lower(), column)] = context_template


def _concrete_models() -> Iterator[type[models.Model]]:
    """Managed models whose table exists (an app without its migration yet is skipped)."""
    existing = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in existing:
            yield model


def encrypted_columns() -> list[EncryptedColumn]:
    found: list[EncryptedColumn] = []
    for model in _concrete_models():
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, EncryptedField) and model_field.column:
                found.append(
                    EncryptedColumn(
                        model, model_field.column, _escape(model_field.crypto_context)
                    )
                )
        label = model._meta.label_lower
        for (model_label, column), template in _sealed.items():
            if model_label == label:
                found.append(EncryptedColumn(model, column, template))
    return sorted(found, key=lambda c: c.label)


def _escape(context: str) -> str:
    return context.replace("{", "{{").replace("}", "}}")


# ----------------------------------------------------------------------------- the key ring


@dataclass(frozen=True)
class KeySource:
    from_environment: bool
    path: Path

    def describe(self) -> str:
        if self.from_environment:
            return "PELANGGAN_DATA_KEYS (environment)"
        return str(self.path)


def key_source() -> KeySource:
    return KeySource(bool(settings.PELANGGAN_DATA_KEYS), Path(settings.PELANGGAN_DATA_KEYS_PATH))


def load_ring() -> crypto.KeyRing:
    ring = crypto.load_ring_from(
        json_text=settings.PELANGGAN_DATA_KEYS, path=Path(settings.PELANGGAN_DATA_KEYS_PATH)
    )
    if ring is None:
        raise KeyUnavailable(
            "no data keys are configured; set PELANGGAN_DATA_KEYS or run `pelanggan init`"
        )
    return ring


def _write_key_file(path: Path, ring: crypto.KeyRing) -> None:
    """Replace the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".data-keys-", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(ring.to_json())
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp_name).replace(path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class RingChange:
    """The new key ring; written to `written_to`, or to be set by the operator (`json_to_set`)."""

    key_id: str
    ring: crypto.KeyRing
    written_to: Path | None
    json_to_set: str | None


def _next_key_id(ring: crypto.KeyRing) -> str:
    number = len(ring.keys) + 1
    while f"k{number}" in ring.keys:
        number += 1
    return f"k{number}"


def _publish(ring: crypto.KeyRing, key_id: str) -> RingChange:
    source = key_source()
    if source.from_environment:
        return RingChange(key_id, ring, None, ring.to_json())
    _write_key_file(source.path, ring)
    crypto.ring_holder.set(ring)
    return RingChange(key_id, ring, source.path, None)


def rotate(*, actor: audit.Actor, key_id: str | None = None) -> RingChange:
    """Add a fresh 256-bit data key and make it the active one; old keys stay for reading.

    Raises `KeyLifecycleError` for a malformed or existing key id, `KeyUnavailable` without keys.
    """
    ring = load_ring()
    new_id = key_id or _next_key_id(ring)
    if not KEY_ID_PATTERN.match(new_id):
        raise KeyLifecycleError("a key id is 1-32 letters, digits, '-' or '_'")
    if new_id in ring.keys:
        raise KeyLifecycleError(f"data key {new_id} already exists")
    new_key = crypto.KeyRing.generate(new_id).keys[new_id]
    rotated = crypto.KeyRing(new_id, {**ring.keys, new_id: new_key}, ring.index_key)
    change = _publish(rotated, new_id)
    audit.record(
        "platform.data_key.rotated",
        actor=actor,
        subject_type="data_key",
        subject_ids=[new_id],
        changes={
            "active": audit.change(ring.active_key_id, new_id),
            "written_to_key_file": change.written_to is not None,
        },
    )
    return change


# ----------------------------------------------------------------------------- usage


@dataclass(frozen=True)
class ColumnUsage:
    column: EncryptedColumn
    rows_by_key: dict[str, int]
    not_encrypted: int

    @property
    def label(self) -> str:
        return self.column.label


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _key_id_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"split_part({column}, ':', 2)"
    return f"substr({column}, 6, instr(substr({column}, 6), ':') - 1)"


def column_usage(column: EncryptedColumn) -> ColumnUsage:
    table, col = _quote(column.model._meta.db_table), _quote(column.column)
    sql = (
        f"SELECT CASE WHEN substr({col}, 1, 5) = 'enc1:' THEN {_key_id_sql(col)} ELSE '' END, "  # noqa: S608 - names from the model registry
        f"COUNT(*) FROM {table} WHERE {col} IS NOT NULL GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = {str(key_id): int(count) for key_id, count in cursor.fetchall()}
    plain = counts.pop("", 0)
    return ColumnUsage(column, dict(sorted(counts.items())), plain)


def usage() -> list[ColumnUsage]:
    """Rows per key id for every encrypted column (an empty column has no entries)."""
    return [column_usage(column) for column in encrypted_columns()]


def _stray_ciphertexts(key_id: str) -> list[tuple[str, int]]:
    """Text columns outside the registry that hold values under `key_id` (a safety net)."""
    known = {(c.model._meta.db_table, c.column) for c in encrypted_columns()}
    prefix = f"{crypto.PREFIX}:{key_id}:"
    found: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        for model in _concrete_models():
            table = model._meta.db_table
            for model_field in model._meta.local_concrete_fields:
                if not model_field.column or (table, model_field.column) in known:
                    continue
                col = _quote(model_field.column)
                if isinstance(model_field, models.JSONField):
                    # Values sealed inside JSON (allauth's TOTP secret): a match anywhere in the
                    # document's text (LIKE's "_" may over-match a key id: safe for a refusal).
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {_quote(table)} "  # noqa: S608 - model names
                        f"WHERE CAST({col} AS TEXT) LIKE %s",
                        [f"%{prefix}%"],
                    )
                elif isinstance(model_field, models.CharField | models.TextField):
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {_quote(table)} "  # noqa: S608 - model names
                        f"WHERE substr({col}, 1, %s) = %s",
                        [len(prefix), prefix],
                    )
                else:
                    continue
                count = int(cursor.fetchone()[0])
                if count:
                    found.append((f"{table}.{model_field.column}", count))
    return found


def retire(*, key_id: str, actor: audit.Actor) -> RingChange:
    """Remove `key_id` from the ring once no stored value uses it.

    Refuses (`KeyLifecycleError`, nothing changed) for the active key, an unknown key, or a key
    that any row still uses, naming the columns.
    """
    ring = load_ring()
    if key_id not in ring.keys:
        raise KeyLifecycleError(f"data key {key_id} is not in the key ring")
    if key_id == ring.active_key_id:
        raise KeyLifecycleError(f"data key {key_id} is the active key; rotate first")
    in_use = [(u.label, u.rows_by_key[key_id]) for u in usage() if u.rows_by_key.get(key_id)]
    in_use += _stray_ciphertexts(key_id)
    if in_use:
        where = ", ".join(f"{label} ({count} rows)" for label, count in in_use)
        raise KeyLifecycleError(
            f"data key {key_id} is still used by {where}; run `pelanggan keys reencrypt` first"
        )
    remaining = {kid: key for kid, key in ring.keys.items() if kid != key_id}
    retired = crypto.KeyRing(ring.active_key_id, remaining, ring.index_key)
    change = _publish(retired, key_id)
    audit.record(
        "platform.data_key.retired",
        actor=actor,
        subject_type="data_key",
        subject_ids=[key_id],
        changes={"written_to_key_file": change.written_to is not None},
    )
    return change


# ----------------------------------------------------------------------------- re-encryption


@dataclass
class ReencryptReport:
    active_key_id: str
    moved: dict[str, int] = field(default_factory=dict)
    changed_meanwhile: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)

    @property
    def total_moved(self) -> int:
        return sum(self.moved.values())

    @property
    def total_unreadable(self) -> int:
        return sum(self.unreadable.values())


Progress = Callable[[str, int], None]


def _reencrypt_batch(
    column: EncryptedColumn, *, active_prefix: str, after_pk: Any, batch_size: int
) -> tuple[Any, int, int, int]:
    """One batch in one transaction: returns (last pk, moved, changed meanwhile, unreadable)."""
    table, col = _quote(column.model._meta.db_table), _quote(column.column)
    pk = column.model._meta.pk
    if pk is None or not pk.column:
        raise KeyLifecycleError(f"{column.label}: a table without a primary key")
    pk_col = _quote(pk.column)
    extra = column.context_columns
    selected = ", ".join([pk_col, col, *(_quote(name) for name in extra)])
    where = f"{col} IS NOT NULL AND substr({col}, 1, %s) <> %s"
    params: list[Any] = [len(active_prefix), active_prefix]
    if after_pk is not None:
        where += f" AND {pk_col} > %s"
        params.append(after_pk)
    sql = f"SELECT {selected} FROM {table} WHERE {where} ORDER BY {pk_col} LIMIT %s"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, batch_size])
        rows = cursor.fetchall()
        if not rows:
            return None, 0, 0, 0
        updates: list[tuple[str, Any, str]] = []
        unreadable = 0
        for row in rows:
            row_pk, old = row[0], row[1]
            context = column.context_for(dict(zip(extra, row[2:], strict=True)))
            try:
                plaintext = crypto.decrypt(old, context=context)
            except KeyUnavailable:
                unreadable += 1  # reported, never overwritten: nothing to re-encrypt it from
                continue
            updates.append((crypto.encrypt(plaintext, context=context), row_pk, old))
        moved = 0
        update_sql = f"UPDATE {table} SET {col} = %s WHERE {pk_col} = %s AND {col} = %s"  # noqa: S608
        for values in updates:
            cursor.execute(update_sql, list(values))
            moved += cursor.rowcount
        return rows[-1][0], moved, len(updates) - moved, unreadable


def reencrypt(
    *,
    actor: audit.Actor,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    columns: list[EncryptedColumn] | None = None,
) -> ReencryptReport:
    """Move every stored value to the active key, batch by batch (see the module docstring)."""
    if not 1 <= batch_size <= 100_000:
        raise KeyLifecycleError("the batch size must be between 1 and 100000")
    ring = crypto.ring_holder.get()
    active_prefix = f"{crypto.PREFIX}:{ring.active_key_id}:"
    report = ReencryptReport(ring.active_key_id)
    for column in columns if columns is not None else encrypted_columns():
        after: Any = None
        moved = changed = unreadable = 0
        while True:
            after, batch_moved, batch_changed, batch_unreadable = _reencrypt_batch(
                column, active_prefix=active_prefix, after_pk=after, batch_size=batch_size
            )
            if after is None:
                break
            moved += batch_moved
            changed += batch_changed
            unreadable += batch_unreadable
            if progress is not None:
                progress(column.label, moved)
        if moved or changed or unreadable:
            report.moved[column.label] = moved
            report.changed_meanwhile[column.label] = changed
            report.unreadable[column.label] = unreadable
    if report.total_moved or report.total_unreadable:
        audit.record(
            "platform.data_key.reencrypted",
            actor=actor,
            subject_type="data_key",
            subject_ids=[ring.active_key_id],
            changes={
                "moved": report.moved,
                "changed_meanwhile": report.changed_meanwhile,
                "unreadable": report.unreadable,
            },
        )
    return report
