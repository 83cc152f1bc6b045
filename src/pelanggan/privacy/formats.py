"""Indonesian formats for documents and notices: 22 November 2026, 14.05 WIB."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from pelanggan.platform import clock


def tanggal(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        value = clock.to_wib(value).date()
    return format_date(value, "d MMMM y", locale="id")


def waktu(value: dt.datetime | None) -> str:
    """`22 November 2026 pukul 14.05 WIB`."""
    if value is None:
        return "-"
    local = clock.to_wib(value)
    return f"{tanggal(local.date())} pukul {local:%H.%M} WIB"
