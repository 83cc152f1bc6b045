"""DuckDB engine: connections, quoting, and the Parquet lake's physical layout.

Everything DuckDB-specific that is not a plain SQL expression lives here (file readers, ``COPY``,
settings), so that a Spark engine can supply the same functions and reuse the query text of
``ingest``, ``vee`` and ``aggregates``, whose SQL sticks to window functions, ``CASE`` and joins.

Lake layout: ``<lake>/intervals/day=YYYY-MM-DD/part-*.parquet``, one directory per **UTC** day of
``interval_start``. UTC is chosen because it has no daylight saving and does not depend on
configuration; a WIB day or month touches at most one extra partition, which the readers prune.

A part file is *full* (all of ``LAKE_COLUMNS_SQL``) or *slim*: a clean file without ``kvarh`` and
``quality`` columns lands with only ``SLIM_COLUMN_NAMES`` and its constant ``quality`` and
``source_name`` in the file name (``slim_part_name``). Read the lake through
``lake_relation_sql`` (DuckDB) or ``spark.read_lake``: both always return the canonical columns.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb

INTERVALS_DIR = "intervals"
STAGING_DIR = "_staging"
LAKE_COLUMNS_SQL = (
    "meter_number VARCHAR, interval_start TIMESTAMPTZ, interval_minutes INTEGER, "
    "kwh DECIMAL(18,6), kvarh DECIMAL(18,6), quality VARCHAR, source_name VARCHAR"
)


def connect(*, memory_limit: str = "512MB", threads: int = 2, temp_dir: Path | None = None
            ) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB bounded in memory and threads, with UTC as session zone.

    The session zone is pinned to UTC so that no result depends on the host's zone; local
    calendars are always named explicitly in the SQL.
    """
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = {quote(memory_limit)}")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET TimeZone = 'UTC'")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {quote(str(temp_dir))}")
    return con


_BATCH_DATABASE: duckdb.DuckDBPyConnection | None = None
_BATCH_DATABASE_LOCK = threading.Lock()


def batch_cursor() -> duckdb.DuckDBPyConnection:
    """A connection for small, frequent batches: a cursor on one in-memory database per process.

    Opening and closing a DuckDB database costs about 100 ms, more than a small batch's whole
    work; a cursor costs almost nothing. Each cursor has its own temporary objects, so callers
    create only ``TEMP`` tables, views and macros and close the cursor when done.
    """
    global _BATCH_DATABASE  # one shared database per process, made lazily
    with _BATCH_DATABASE_LOCK:
        if _BATCH_DATABASE is None:
            _BATCH_DATABASE = connect(memory_limit="256MB", threads=2)
        cursor = _BATCH_DATABASE.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor


def quote(value: str) -> str:
    """Quote a string as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """Quote an SQL identifier (source column names come from files, not from us)."""
    return '"' + name.replace('"', '""') + '"'


def intervals_root(lake_dir: Path) -> Path:
    return lake_dir / INTERVALS_DIR


def partition_dir(lake_dir: Path, day: str) -> Path:
    return intervals_root(lake_dir) / f"day={day}"


def existing_days(lake_dir: Path) -> set[str]:
    """Days that already have a partition with at least one Parquet file."""
    root = intervals_root(lake_dir)
    if not root.is_dir():
        return set()
    return {
        p.name.removeprefix("day=")
        for p in root.iterdir()
        if p.is_dir() and p.name.startswith("day=") and any(p.glob("*.parquet"))
    }


def lake_files(lake_dir: Path, days: Iterable[str] | None = None) -> list[str]:
    """Parquet files of the lake, optionally only those of ``days`` (partition pruning by path)."""
    root = intervals_root(lake_dir)
    if not root.is_dir():
        return []
    wanted = None if days is None else set(days)
    files = [
        str(f)
        for p in sorted(root.iterdir())
        if p.is_dir() and p.name.startswith("day=")
        and (wanted is None or p.name.removeprefix("day=") in wanted)
        for f in sorted(p.glob("*.parquet"))
    ]
    return files


#: Canonical column names of the lake, in order.
LAKE_COLUMN_NAMES = tuple(col.split(" ", 1)[0] for col in LAKE_COLUMNS_SQL.split(", "))
#: Columns a *slim* part file physically holds; see ``slim_part_name``.
SLIM_COLUMN_NAMES = ("meter_number", "interval_start", "interval_minutes", "kwh")
_SLIM_TAG = re.compile(r"\.c-q([0-9a-f]*)-s([0-9a-f]*)\.parquet$")
_MAX_NAME_BYTES = 200


def slim_part_name(stem: str, *, quality: str, source_name: str) -> str | None:
    """File name of a slim part: one whose ``kvarh`` is empty and ``quality``/``source_name``
    constant, so that the file holds only ``SLIM_COLUMN_NAMES`` and carries the two constants
    (hex-encoded UTF-8) in its name, e.g. ``part-0.c-q41-s62656e6368.parquet``.

    Writing three constant or empty columns for every row costs a sixth of the ingestion time
    of a clean file (issue #4); every reader goes through ``lake_relation_sql`` (or
    ``spark.read_lake``), which restores the canonical columns. ``None`` when the name would be
    too long for a file system; the caller then writes a full part.
    """
    name = f"{stem}.c-q{quality.encode().hex()}-s{source_name.encode().hex()}.parquet"
    return name if len(name.encode()) <= _MAX_NAME_BYTES else None


def slim_constants(path: str) -> tuple[str, str] | None:
    """``(quality, source_name)`` of a slim part file, ``None`` for a full one."""
    found = _SLIM_TAG.search(Path(path).name)
    if found is None:
        return None
    return bytes.fromhex(found.group(1)).decode(), bytes.fromhex(found.group(2)).decode()


def group_lake_files(files: list[str]) -> dict[tuple[str, str] | None, list[str]]:
    """Lake files grouped by their slim constants (``None``: full files), in first-seen order."""
    groups: dict[tuple[str, str] | None, list[str]] = {}
    for f in files:
        groups.setdefault(slim_constants(f), []).append(f)
    return groups


def lake_relation_sql(files: list[str]) -> str:
    """A FROM-clause item over lake files, or an empty relation with the lake's columns.

    It always has the canonical columns (``LAKE_COLUMNS_SQL``): slim parts get theirs back
    from the constants in their names (``kvarh`` NULL).
    """
    if not files:
        return empty_lake_sql()
    groups = group_lake_files(files)
    if list(groups) == [None]:
        listed = ", ".join(quote(f) for f in files)
        return f"read_parquet([{listed}], hive_partitioning = false)"
    selects = []
    for constants, group in groups.items():
        listed = ", ".join(quote(f) for f in group)
        if constants is None:
            columns = ", ".join(LAKE_COLUMN_NAMES)
        else:
            quality, source_name = constants
            columns = (
                f"{', '.join(SLIM_COLUMN_NAMES)}, CAST(NULL AS DECIMAL(18,6)) AS kvarh, "
                f"CAST({quote(quality)} AS VARCHAR) AS quality, "
                f"CAST({quote(source_name)} AS VARCHAR) AS source_name"
            )
        selects.append(
            f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = false)"  # noqa: S608
        )
    return "(" + " UNION ALL ".join(selects) + ")"


def empty_lake_sql() -> str:
    """A typed empty relation with the lake's columns (used when no partition matches)."""
    casts = ", ".join(
        f"CAST(NULL AS {col.split(' ', 1)[1]}) AS {col.split(' ', 1)[0]}"
        for col in LAKE_COLUMNS_SQL.split(", ")
    )
    return f"(SELECT {casts} WHERE false)"


def new_staging_dir(lake_dir: Path) -> Path:
    """A private scratch directory inside the lake, so the final renames stay on one volume."""
    path = lake_dir / STAGING_DIR / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


#: Compression of freshly landed data: snappy costs a fraction of zstd's CPU time, which
#: matters on the ingestion path; ``compact`` rewrites cold days with ``COMPACT_COMPRESSION``.
LANDING_COMPRESSION = "snappy"
COMPACT_COMPRESSION = "zstd"


def copy_partitioned(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    target: Path,
    *,
    compression: str = LANDING_COMPRESSION,
) -> None:
    """Write ``select_sql`` (which must have a ``day`` column) as ``target/day=.../*.parquet``."""
    con.execute(
        f"COPY ({select_sql}) TO {quote(str(target))} "
        f"(FORMAT parquet, PARTITION_BY (day), COMPRESSION {ident(compression)}, "
        "FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)"
    )


def swap_in_partitions(staged_root: Path, lake_dir: Path, days: Iterable[str]) -> None:
    """Move freshly written day directories into the lake, replacing older ones per day.

    Each day is replaced atomically (see ``replace_dir``), so a reader never sees half a day.
    """
    root = intervals_root(lake_dir)
    root.mkdir(parents=True, exist_ok=True)
    for day in sorted(days):
        new = staged_root / f"day={day}"
        if new.is_dir():
            replace_dir(new, root / f"day={day}", staged_root / f"old-day={day}")


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> bool:
    """Atomically swap two existing paths (Linux ``renameat2``); ``False`` where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def replace_dir(new: Path, final: Path, aside: Path) -> None:
    """Put directory ``new`` at ``final`` and delete what was there.

    With an atomic exchange a concurrent reader sees the old or the new directory, never a
    missing one; without it (other platforms) the old one is first renamed to ``aside``, which
    must be on the same file system, leaving a short window and at worst ``aside`` after a crash.
    """
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, final)
        return
    if exchange(new, final):
        shutil.rmtree(new)  # ``new`` now holds the old contents
        return
    os.replace(final, aside)
    os.replace(new, final)
    shutil.rmtree(aside)
