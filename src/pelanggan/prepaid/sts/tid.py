"""Token identifiers (TID): whole minutes since the base date, 24 bits (sts.md 2).

Base dates are 1993-01-01, 2014-01-01 and 2035-01-01; a TID period lasts 2^24 minutes (about
31.9 years) and the 1993 period ended on 2024-11-24 20:15. The clock convention is explicit:
the base date's midnight is taken in a given zone (UTC unless the caller says otherwise), and the
issue time must be timezone-aware, so a TID never depends on the host's local zone (NectarAPI's
failure mode, sts.md gotcha 5). Seconds are dropped, never rounded.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final

from pelanggan.prepaid.sts.errors import FieldRangeError, TidError

TID_MAX: Final = 0xFFFFFF
_UTC: Final = dt.UTC


class BaseDate(enum.Enum):
    """The STS TID base dates; the value is the two-digit code used by DKGA04 ("93", "14", "35")."""

    Y1993 = "93"
    Y2014 = "14"
    Y2035 = "35"

    @property
    def date(self) -> dt.date:
        """The calendar date of the base."""
        return {"93": dt.date(1993, 1, 1), "14": dt.date(2014, 1, 1), "35": dt.date(2035, 1, 1)}[
            self.value
        ]

    @property
    def following(self) -> BaseDate | None:
        """The next base date (what a roll-over key change moves a meter to), if any."""
        members = list(BaseDate)
        index = members.index(self)
        return members[index + 1] if index + 1 < len(members) else None

    @classmethod
    def parse(cls, text: str) -> BaseDate:
        """Accept "93"/"14"/"35", "1993"/"2014"/"2035" or an ISO date "1993-01-01"."""
        value = str(text).strip()
        for member in cls:
            if value in (member.value, str(member.date.year), member.date.isoformat()):
                return member
        raise TidError("tid_base_date must be 1993-01-01, 2014-01-01 or 2035-01-01")


def tid_for(issued_at: dt.datetime, base_date: BaseDate, *, zone: dt.tzinfo = _UTC) -> int:
    """The TID for an issue time: minutes since the base date's midnight in `zone`.

    Raises `TidError` for a naive datetime, a time before the base date, or one past the end of
    the base date's 24-bit period (the meter needs a roll-over to the next base date).
    """
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise TidError("the issue time must be timezone-aware")
    base_date_value = base_date.date
    origin = dt.datetime(
        base_date_value.year, base_date_value.month, base_date_value.day, tzinfo=zone
    )
    seconds = (issued_at - origin) // dt.timedelta(seconds=1)
    if seconds < 0:
        raise TidError(f"the issue time is before the TID base date {base_date_value}")
    tid = seconds // 60
    if tid > TID_MAX:
        raise TidError(f"the issue time is past the end of the {base_date_value} TID period")
    return tid


def datetime_of_tid(tid: int, base_date: BaseDate, *, zone: dt.tzinfo = _UTC) -> dt.datetime:
    """The start of the minute that a TID names, as an aware datetime in `zone`."""
    check_tid(tid)
    base_date_value = base_date.date
    origin = dt.datetime(
        base_date_value.year, base_date_value.month, base_date_value.day, tzinfo=zone
    )
    return origin + dt.timedelta(minutes=tid)


def check_tid(tid: int) -> int:
    """Return `tid` if it is a 24-bit TID, else raise `FieldRangeError`."""
    if isinstance(tid, bool) or not isinstance(tid, int) or not 0 <= tid <= TID_MAX:
        raise FieldRangeError("tid must be an integer 0..16777215 (24 bits)")
    return tid


def next_free_tid(candidate: int, last_issued: int | None) -> int:
    """The TID to use for a meter's next token: `candidate` (usually "now"), bumped one minute
    past the last TID issued to that meter, so two tokens in one minute never collide as
    *Used* and a clock step backwards never reissues an old TID."""
    check_tid(candidate)
    tid = candidate if last_issued is None else max(candidate, check_tid(last_issued) + 1)
    return check_tid(tid)
