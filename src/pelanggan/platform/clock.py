"""The only place that reads the time.

Everything else receives `now` / `as_of` from its caller. Tests freeze time with `frozen(...)`.
Times are stored as aware UTC; the utility's zone is WIB (Asia/Jakarta) unless a unit says
otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
UTC = dt.UTC

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(tz=UTC)


def now_wib() -> dt.datetime:
    return now().astimezone(WIB)


def today_wib() -> dt.date:
    """Today's date as the utility's customers see it (WIB)."""
    return now_wib().date()


def to_wib(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Pelanggan only handles aware datetimes")
    return moment.astimezone(WIB)


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime at a WIB wall-clock time (handy in code and tests)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


@contextlib.contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Freeze `now()` at `moment` for the duration of the block (tests only)."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous = _frozen
    _frozen = moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous
