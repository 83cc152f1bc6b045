"""Which registers a meter has, and the register arithmetic (rollover). Pure."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from pelanggan.metering.models.choices import MeterKind, Register


def registers_of(
    *, utility: str, kind: str, is_two_rate: bool, has_kvarh_register: bool
) -> list[str]:
    """The registers read on a meter: m³ for water; kWh total, plus WBP/LWBP on a two-rate
    meter and kVArh when it has that register, for electricity."""
    if utility == "water" or kind == MeterKind.WATER:
        return [Register.M3]
    registers: list[str] = [Register.KWH_TOTAL]
    if is_two_rate:
        registers += [Register.KWH_WBP, Register.KWH_LWBP]
    if has_kvarh_register:
        registers.append(Register.KVARH)
    return registers


def register_span(digits: int) -> Decimal:
    """The register counts from 0 to span − 1 and then wraps to 0."""
    return Decimal(10) ** digits


def advance(previous: Decimal, current: Decimal, *, digits: int) -> Decimal:
    """Register units between two reads, wrapping once through zero when current < previous."""
    if current >= previous:
        return current - previous
    return current + register_span(digits) - previous


def shift_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock moment `months` later (earlier when negative), the day clamped to
    the target month's length (31 March − 1 month = 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
