"""Half-open periods `[start, end)`; `end=None` means open-ended.

Used for tariff validity, service terms, billing periods, SLAs and outages. A period that ends
where the next starts does not overlap it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", dt.date, dt.datetime)


class InvalidPeriod(ValueError):
    """The end of a period is not after its start."""


@dataclass(frozen=True, slots=True)
class Period(Generic[T]):
    start: T
    end: T | None = None

    def __post_init__(self) -> None:
        if self.end is not None and not self.end > self.start:
            raise InvalidPeriod("a period must end after it starts")

    @property
    def is_open(self) -> bool:
        return self.end is None

    def contains(self, moment: T) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    def overlaps(self, other: Period[T]) -> bool:
        starts_before_other_ends = other.end is None or self.start < other.end
        other_starts_before_self_ends = self.end is None or other.start < self.end
        return starts_before_other_ends and other_starts_before_self_ends

    def closed_at(self, end: T) -> Period[T]:
        """This period ended at `end` (which must fall inside it)."""
        if not self.contains(end) and end != self.end:
            raise InvalidPeriod("a period can only be closed at a moment inside it")
        return Period(self.start, end)


def find_overlap(periods: list[Period[T]]) -> tuple[Period[T], Period[T]] | None:
    """The first pair of overlapping periods, or None when they are disjoint."""
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.overlaps(later):
            return earlier, later
    return None
