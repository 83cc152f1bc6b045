"""Dates, times and numbers as people in Indonesia write them, in the active language.

"22 November 2026", "22 November 2026 14.05 WIB", "1.300 VA", "3,3 kWp" in Bahasa Indonesia;
"November 22, 2026", "1,300" in English. Aware datetimes are shown in WIB (Asia/Jakarta).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from django.utils import translation

WIB = ZoneInfo("Asia/Jakarta")


def babel_locale() -> str:
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


def to_wib(value: dt.datetime) -> dt.datetime:
    """An aware datetime in WIB; a naive one is taken to be WIB already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=WIB)
    return value.astimezone(WIB)


def long_date(value: dt.date | dt.datetime | None) -> str:
    """`22 November 2026`; a datetime is first converted to WIB so the day is the local day."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = to_wib(value).date()
    return format_date(value, format="long", locale=babel_locale())


def long_datetime(value: dt.datetime | None) -> str:
    """`22 November 2026 14.05 WIB` (English: `November 22, 2026 14:05 WIB`)."""
    if value is None or value == "":
        return ""
    local = to_wib(value)
    separator = ":" if babel_locale() == "en" else "."
    return f"{long_date(local)} {local:%H}{separator}{local:%M} WIB"


def number(value: int | Decimal | str | None) -> str:
    """`1.300`, `3,3` (no float: values are ints or Decimals from the database)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        raise TypeError("numbers shown in the console are int or Decimal, never float")
    return format_decimal(Decimal(value), format="#,##0.###", locale=babel_locale())
