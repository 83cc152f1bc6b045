"""Validation of a register read against its predecessor and the customer's history.

Pure: plain values in, findings out; no ORM, no clock. The thresholds come from the utility's
`ReadValidationPolicy` row (data, not constants), passed in as `Thresholds`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pelanggan.metering.registers import register_span

KWH_REGISTERS = frozenset({"kwh_total", "kwh_wbp", "kwh_lwbp"})
ENERGY = Decimal("0.001")  # kWh and m³ carry 3 decimal places
SECONDS_PER_HOUR = Decimal(3600)
SECONDS_PER_DAY = Decimal(86400)


@dataclass(frozen=True)
class Thresholds:
    spike_factor: Decimal = Decimal(3)
    dip_factor: Decimal = Decimal("0.3")
    history_months: int = 6
    min_history_reads: int = 3
    stuck_reads: int = 3
    rollover_max_share: Decimal = Decimal("0.1")
    rollover_needs_review: bool = True


@dataclass(frozen=True)
class PriorRead:
    value: Decimal
    read_at: dt.datetime


@dataclass(frozen=True)
class ReadFacts:
    """What validation needs to know about a new read.

    `previous`: the latest real read of the same installation and register before it.
    `recent_values`: values of the real reads before it on that installation, newest first.
    `history_daily`: daily consumption rates (delivered units/day) of earlier read intervals
    of the connection within the history window.
    """

    register: str
    value: Decimal
    read_at: dt.datetime
    previous: PriorRead | None
    register_digits: int
    meter_factor: Decimal
    connection_active: bool
    daya_va: int | None
    recent_values: Sequence[Decimal] = ()
    history_daily: Sequence[Decimal] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    consumption: Decimal | None  # delivered units since the previous read (after the factor)
    findings: list[Finding]
    wrapped: bool = False

    @property
    def needs_review(self) -> bool:
        return bool(self.findings)


def _days(start: dt.datetime, end: dt.datetime) -> Decimal:
    return Decimal((end - start).total_seconds()) / SECONDS_PER_DAY


def median(values: Sequence[Decimal]) -> Decimal:
    return Decimal(statistics.median(values))


def check_read(facts: ReadFacts, limits: Thresholds) -> Verdict:
    """The consumption the read implies and every rule it breaks."""
    previous = facts.previous
    if previous is None:
        return Verdict(None, [])
    findings: list[Finding] = []
    span = register_span(facts.register_digits)
    raw = facts.value - previous.value
    wrapped = False
    if raw < 0:
        wrap = facts.value + span - previous.value
        if wrap <= span * limits.rollover_max_share:
            wrapped = True
            raw = wrap
            if limits.rollover_needs_review:
                findings.append(Finding("rollover", {"wrapped_units": str(wrap)}))
        else:
            findings.append(Finding("negative_consumption", {"units": str(raw)}))
    consumption = (raw * facts.meter_factor).quantize(ENERGY)
    days = _days(previous.read_at, facts.read_at)
    if consumption == 0 and facts.connection_active:
        findings.append(Finding("zero_consumption"))
    needed = limits.stuck_reads - 1
    recent = facts.recent_values[:needed]
    if needed > 0 and len(recent) == needed and all(v == facts.value for v in recent):
        findings.append(Finding("stuck_register", {"reads": str(limits.stuck_reads)}))
    if facts.register in KWH_REGISTERS and facts.daya_va and consumption > 0:
        hours = Decimal((facts.read_at - previous.read_at).total_seconds()) / SECONDS_PER_HOUR
        hours_of_use = consumption / (Decimal(facts.daya_va) / 1000)
        if hours_of_use > hours:
            findings.append(
                Finding(
                    "hours_of_use",
                    {"hours_of_use": f"{hours_of_use:.1f}", "hours_in_period": f"{hours:.1f}"},
                )
            )
    history = [r for r in facts.history_daily if r >= 0]
    if consumption > 0 and days > 0 and len(history) >= limits.min_history_reads:
        typical = median(history)
        rate = consumption / days
        if typical > 0 and rate > typical * limits.spike_factor:
            findings.append(Finding("spike", {"daily": f"{rate:.3f}", "median": f"{typical:.3f}"}))
        elif typical > 0 and rate < typical * limits.dip_factor:
            findings.append(Finding("dip", {"daily": f"{rate:.3f}", "median": f"{typical:.3f}"}))
    return Verdict(consumption, findings, wrapped)
