"""Bulk INSERTs that skip the ORM's per-object machinery, for bulk services.

The ORM's `bulk_create` spends most of its time building model instances and compiling one
placeholder per value; an import of 200,000 customers writes about two million values. Here ids
are allocated up front (from the table's sequence on PostgreSQL; under the write lock the
IMMEDIATE transaction holds on SQLite), then rows go in with COPY (PostgreSQL) or a prepared
executemany (SQLite). Values must already be in database form (see `db_value`). Call inside a
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model


def db_value(value: Any) -> Any:
    """Adapt a Python value as Django would for the current connection."""
    if connection.vendor == "postgresql":
        return value  # psycopg adapts aware datetimes, dates and Decimals itself
    ops = connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return ops.adapt_decimalfield_value(value)
    return value


def _allocate_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(highest, sequence[0] if sequence else 0) + 1
        return list(range(start, start + count))


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_id: bool
) -> list[int]:
    """Insert `rows` (tuples in `columns` order) into `model`'s table; returns the new ids."""
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_rows() must run inside a transaction")
    table = model._meta.db_table
    ids: list[int] = []
    if returning_id:
        ids = _allocate_ids(table, len(rows))
        columns = ("id", *columns)
        rows = [(row_id, *row) for row_id, row in zip(ids, rows, strict=True)]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" * len(columns))
            raw.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})', rows)  # noqa: S608
    return ids


def select_where_in(
    model: type[Model],
    columns: Sequence[str],
    *,
    key: str,
    values: Sequence[Any],
    extra_where: str = "",
) -> list[tuple[Any, ...]]:
    """`SELECT columns FROM table WHERE key IN values [AND extra_where]` for large value lists.

    PostgreSQL gets one array parameter (`= ANY(%s)`) instead of thousands of placeholders,
    which the ORM and the driver would each process one by one. `extra_where` is trusted SQL
    written by the caller, never input.
    """
    if not values:
        return []
    quote = connection.ops.quote_name
    selected = ", ".join(quote(c) for c in columns)
    table = quote(model._meta.db_table)
    condition = f" AND {extra_where}" if extra_where else ""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {selected} FROM {table} WHERE {quote(key)} = ANY(%s){condition}",  # noqa: S608
                [list(values)],
            )
            return list(cursor.fetchall())
        for start in range(0, len(values), 10_000):
            chunk = list(values[start : start + 10_000])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {selected} FROM {table} WHERE {quote(key)} IN ({marks}){condition}",  # noqa: S608
                chunk,
            )
            found.extend(cursor.fetchall())
    return found


def fetch_all_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a hot read query; on PostgreSQL as a prepared statement on this connection.

    A search joins seven tables: PostgreSQL spends about a millisecond planning it and a tenth
    of that executing it. Django's cursors bind parameters on the client, so nothing is ever
    prepared; a server-binding psycopg cursor on the same connection (same transaction) lets
    the driver prepare the statement once per connection and reuse the plan.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, list(params), prepare=True)
        return list(cursor.fetchall())


__all__ = ["db_value", "fetch_all_prepared", "insert_rows", "select_where_in", "transaction"]
