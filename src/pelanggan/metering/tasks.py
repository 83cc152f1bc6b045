"""Background jobs of the metering context: compaction of the interval lake.

Small batches (MQTT, the HTTP batch API, the demo's live feed) land as one new Parquet part per
touched day; readers are correct either way, but a day of hundreds of small parts is slow to
read. `compact_lake_task` merges the parts of every day that has at least `min_parts` of them
(`pipelines.intervals.lake.compact`: one sorted file, swapped in atomically under the lake's
writer lock, so it runs safely beside the listener). `PeriodicCompaction` enqueues it every few
minutes when a day has crossed the threshold; `pelanggan serve` (embedded worker) and
`pelanggan worker` run it. `pelanggan readings compact` does the same by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django_tasks import task

from pipelines.intervals.lake import compact, day_parts

logger = logging.getLogger(__name__)

#: A day with at least this many part files is compacted by the periodic job (a live feed adds
#: about one part per 15 minutes, so today is merged about every 6 hours).
DEFAULT_MIN_PARTS = 24
DEFAULT_EVERY_SECONDS = 15 * 60.0


@dataclass
class CompactionResult:
    days: list[str] = field(default_factory=list)
    parts_before: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "days": self.days,
            "parts_before": self.parts_before,
            "seconds": round(self.seconds, 3),
        }


def lake_dir() -> Path:
    return Path(settings.PELANGGAN_LAKE_DIR)


def parse_day(text: str) -> str:
    """A UTC day as the lake names it (YYYY-MM-DD). Raises ValueError."""
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValueError(f"not a day (YYYY-MM-DD): {text!r}") from None


def days_due(lake: Path, *, min_parts: int) -> list[str]:
    """Days with at least ``min_parts`` (and more than one) part files."""
    threshold = max(min_parts, 2)
    return sorted(day for day, parts in day_parts(lake).items() if parts >= threshold)


def compact_lake(
    *,
    lake: Path | None = None,
    min_parts: int = DEFAULT_MIN_PARTS,
    days: list[str] | None = None,
) -> CompactionResult:
    """Compact the given days (those with more than one part), or every day with at least
    ``min_parts`` parts. Raises ValueError for a malformed day and RuntimeError when a day's
    parts share a key (the day is left as it was)."""
    lake = lake or lake_dir()
    started = time.perf_counter()
    counts = day_parts(lake)
    wanted = [parse_day(d) for d in days] if days else days_due(lake, min_parts=min_parts)
    todo = [d for d in wanted if counts.get(d, 0) > 1]
    result = CompactionResult(parts_before=sum(counts[d] for d in todo))
    if todo:
        result.days = compact(lake, todo)
    result.seconds = time.perf_counter() - started
    if result.days:
        logger.info(
            "lake compacted: %d day(s), %d parts merged in %.1f s",
            len(result.days), result.parts_before, result.seconds,
        )
    return result


@task()
def compact_lake_task(min_parts: int = DEFAULT_MIN_PARTS) -> dict[str, object]:
    """Compact the lake days with at least ``min_parts`` part files."""
    return compact_lake(min_parts=min_parts).as_dict()


class PeriodicCompaction:
    """Every ``every_seconds``, enqueue `compact_lake_task` if a day has crossed the threshold
    (a directory listing; the job itself runs on the worker). ``start()`` runs it in a daemon
    thread until ``stop`` is set."""

    def __init__(
        self,
        *,
        stop: threading.Event,
        lake: Path | None = None,
        every_seconds: float = DEFAULT_EVERY_SECONDS,
        min_parts: int = DEFAULT_MIN_PARTS,
    ) -> None:
        self.stop = stop
        self.lake = lake
        self.every_seconds = every_seconds
        self.min_parts = min_parts
        self.enqueued = 0

    def check(self) -> bool:
        """Enqueue the job when a day is due; True when it did."""
        if not days_due(self.lake or lake_dir(), min_parts=self.min_parts):
            return False
        compact_lake_task.enqueue(min_parts=self.min_parts)
        self.enqueued += 1
        return True

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(self.every_seconds):
                try:
                    self.check()
                except Exception:  # the next round tries again; serving goes on
                    logger.exception("periodic lake compaction check failed")
        finally:
            connection.close()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="lake-compaction", daemon=True)
        thread.start()
        return thread


def start_periodic_jobs(stop: threading.Event) -> list[threading.Thread]:
    """The metering context's periodic jobs, for the embedded worker and `pelanggan worker`."""
    return [PeriodicCompaction(stop=stop).start()]
