"""Writing to the lake safely: the writer lock, appended part files, atomic day swaps, compaction.

Concurrency model: **one writer per lake**. Every function that changes the lake
(``ingest_file``, ``ingest_table``, ``compact``) holds an exclusive ``flock`` on
``<lake>/.writer.lock`` for its whole run, so a second writer — another process, or another
thread with its own call — waits instead of interleaving. ``flock`` is advisory and local to one
host: a lake on a network file system shared by several hosts needs an external lock.

Readers take no lock. A day directory may hold several ``*.parquet`` parts (small batches are
appended as new parts, see ``ingest_table``); parts of one day never share a key, so a reader
that unions all parts of a day is correct whether or not the day has been compacted. A day is
replaced by an atomic directory exchange (``renameat2(RENAME_EXCHANGE)`` on Linux) so a reader
listing the lake sees either the old parts or the compacted file, never both and never neither;
where the exchange is unavailable it falls back to two renames. A reader that listed a day's
files just before a compaction may find one gone when it opens it: the read fails (and can be
retried), it never returns wrong data.
"""

# SQL here is assembled from our own fragments; every value from outside goes through
# engine.quote(), so the string-built queries are deliberate.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb

from pipelines.intervals import engine
from pipelines.intervals.engine import quote

LOCK_FILE = ".writer.lock"


@contextlib.contextmanager
def writer_lock(lake_dir: Path) -> Iterator[None]:
    """Hold the lake's exclusive writer lock; blocks while another writer holds it."""
    lake_dir.mkdir(parents=True, exist_ok=True)
    with (lake_dir / LOCK_FILE).open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def replace_dir(new: Path, final: Path, scratch: Path) -> None:
    """Put directory ``new`` at ``final``, atomically where possible; the old one is deleted."""
    engine.replace_dir(new, final, scratch / f"old-{final.name}-{uuid.uuid4().hex}")


def new_part_name() -> str:
    """A unique name for an appended part file."""
    return f"part-a{uuid.uuid4().hex}.parquet"


def append_parts(staged_root: Path, lake_dir: Path) -> list[str]:
    """Move each ``staged_root/day=D/*.parquet`` into the lake's day ``D`` as a new part.

    Each file arrives by one rename, so a reader sees a part entirely or not at all. Returns the
    days that received a part.
    """
    root = engine.intervals_root(lake_dir)
    days: list[str] = []
    if not staged_root.is_dir():
        return days
    for day_dir in sorted(staged_root.iterdir()):
        if not day_dir.name.startswith("day="):
            continue
        target = root / day_dir.name
        target.mkdir(parents=True, exist_ok=True)
        for part in sorted(day_dir.glob("*.parquet")):
            os.replace(part, target / new_part_name())
        days.append(day_dir.name.removeprefix("day="))
    return days


def day_parts(lake_dir: Path) -> dict[str, int]:
    """Number of Parquet parts per day in the lake."""
    root = engine.intervals_root(lake_dir)
    if not root.is_dir():
        return {}
    return {
        p.name.removeprefix("day="): len(list(p.glob("*.parquet")))
        for p in sorted(root.iterdir())
        if p.is_dir() and p.name.startswith("day=")
    }


def compact(
    lake_dir: Path | str,
    days: Iterable[str] | None = None,
    *,
    memory_limit: str = "512MB",
    threads: int = 2,
) -> list[str]:
    """Merge each day's parts into one sorted file, replacing the day atomically.

    ``days`` limits the work (default: every day with more than one part). Returns the days
    compacted. Raises ``RuntimeError`` (and leaves the day alone) if a day's parts share a key,
    which the writers never produce.
    """
    lake = Path(lake_dir)
    done: list[str] = []
    with writer_lock(lake):
        counts = day_parts(lake)
        wanted = sorted(counts if days is None else set(days) & set(counts))
        todo = [d for d in wanted if counts[d] > 1]
        if not todo:
            return done
        staging = engine.new_staging_dir(lake)
        try:
            with engine.connect(memory_limit=memory_limit, threads=threads,
                                temp_dir=staging / "tmp") as con:
                for day in todo:
                    _compact_day(con, lake, day, staging)
                    done.append(day)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                staging.parent.rmdir()
    return done


def _compact_day(con: duckdb.DuckDBPyConnection, lake: Path, day: str, staging: Path) -> None:
    files = engine.lake_files(lake, [day])
    source = engine.lake_relation_sql(files)
    rows, keys = con.execute(
        f"SELECT count(*), count(DISTINCT (meter_number, interval_start)) FROM {source}"
    ).fetchone() or (0, 0)
    if rows != keys:
        raise RuntimeError(f"day {day}: parts share {rows - keys} key(s); not compacted")
    out = staging / f"day={day}"
    out.mkdir(parents=True)
    con.execute(
        f"COPY (SELECT meter_number, interval_start, interval_minutes, kwh, kvarh, quality, "
        f"source_name FROM {source} ORDER BY meter_number, interval_start) "
        f"TO {quote(str(out / 'part-0.parquet'))} (FORMAT parquet, "
        f"COMPRESSION {engine.COMPACT_COMPRESSION})"
    )
    replace_dir(out, engine.partition_dir(lake, day), staging)
