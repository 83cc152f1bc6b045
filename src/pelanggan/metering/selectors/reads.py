"""Register reads for billing: consumption of a connection over a period, the review queue,
the reads of a customer.

Consumption of a period `[start, end)` is the sum, over the meter installations overlapping
it, of (register at the later bound − register at the earlier bound) × meter factor, where the
register at a moment is the latest accepted read at or before it within that installation (the
install read at the start of an installation, the removal read at its end). A meter exchanged
mid-period therefore contributes only its own advance: no false peak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pelanggan.customers.models import ServiceConnection
from pelanggan.metering.models import (
    Installation,
    ReadStatus,
    ReadValidationPolicy,
    RegisterRead,
    ReviewItem,
    ReviewStatus,
)
from pelanggan.metering.read_rules import Thresholds
from pelanggan.metering.registers import register_span, registers_of
from pelanggan.metering.selectors.registry import account_for
from pelanggan.platform.errors import NotFound
from pelanggan.platform.periods import Period
from pelanggan.security.selectors import Principal

ENERGY = Decimal("0.001")


def thresholds_for(utility: str) -> Thresholds:
    """The utility's validation thresholds (defaults when no policy row exists)."""
    row = ReadValidationPolicy.objects.filter(utility=utility).first()
    if row is None:
        return Thresholds()
    return Thresholds(
        spike_factor=row.spike_factor,
        dip_factor=row.dip_factor,
        history_months=row.history_months,
        min_history_reads=row.min_history_reads,
        stuck_reads=row.stuck_reads,
        rollover_max_share=row.rollover_max_share,
        rollover_needs_review=row.rollover_needs_review,
    )


def register_advance(
    start: Decimal, end: Decimal, *, digits: int, rollover_max_share: Decimal
) -> Decimal:
    """Register units from `start` to `end`: a wrap through zero when that is plausible
    (under the share of the register range), otherwise a negative advance."""
    if end >= start:
        return end - start
    wrap = end + register_span(digits) - start
    return wrap if wrap <= register_span(digits) * rollover_max_share else end - start


@dataclass(frozen=True)
class ConsumptionPart:
    """One installation's share of a period."""

    meter_number: str
    installation_id: int
    start_read_id: int
    start_value: Decimal
    start_at: dt.datetime
    end_read_id: int | None
    end_value: Decimal | None
    end_at: dt.datetime | None
    estimated: bool
    quantity: Decimal | None  # delivered units, after the meter factor; None when no end read


@dataclass(frozen=True)
class RegisterConsumption:
    register: str
    quantity: Decimal
    complete: bool  # every installation in the period has an end read
    estimated: bool  # some read used is an estimate
    parts: list[ConsumptionPart] = field(default_factory=list)


@dataclass(frozen=True)
class PeriodConsumption:
    connection_id: int
    period_start: dt.datetime
    period_end: dt.datetime
    registers: dict[str, RegisterConsumption]

    @property
    def complete(self) -> bool:
        return bool(self.registers) and all(r.complete for r in self.registers.values())


def _reading_at(
    reads: list[RegisterRead], moment: dt.datetime, *, after: dt.datetime | None = None
) -> RegisterRead | None:
    """The latest read at or before `moment` (and after `after` when given)."""
    best = None
    for read in reads:  # ordered by read_at
        if read.read_at > moment:
            break
        if after is None or read.read_at > after:
            best = read
    return best


def consumption_for_period(
    connection: ServiceConnection | int, period: Period[dt.datetime]
) -> PeriodConsumption:
    """Per-register consumption of the connection in `period`, with the reads behind it.

    Not scoped (billing calls it for connections it already holds); the API reaches it through
    a scoped view. A register whose end read is missing is reported `complete=False` with the
    installations that lack one (`quantity=None`): estimate the read, then ask again.
    """
    connection_id = connection if isinstance(connection, int) else connection.pk
    if period.end is None:
        raise ValueError("consumption needs a closed period")
    installations = [
        inst
        for inst in Installation.objects.filter(connection_id=connection_id)
        .select_related("meter", "connection")
        .order_by("installed_at")
        if Period(inst.installed_at, inst.removed_at).overlaps(period)
    ]
    limits = thresholds_for(installations[0].meter.utility) if installations else Thresholds()
    by_register: dict[str, list[ConsumptionPart]] = {}
    for inst in installations:
        meter = inst.meter
        reads_by_register: dict[str, list[RegisterRead]] = {}
        for read in RegisterRead.objects.filter(
            installation=inst, status=ReadStatus.ACCEPTED
        ).order_by("read_at", "id"):
            reads_by_register.setdefault(read.register, []).append(read)
        registers = registers_of(
            utility=meter.utility,
            kind=meter.kind,
            is_two_rate=meter.is_two_rate,
            has_kvarh_register=meter.has_kvarh_register,
        )
        lower = max(period.start, inst.installed_at)
        upper = period.end if inst.removed_at is None else min(period.end, inst.removed_at)
        for register in registers:
            reads = reads_by_register.get(register, [])
            start = _reading_at(reads, lower)
            if start is None:
                continue
            end = _reading_at(reads, upper, after=start.read_at)
            quantity = None
            if end is not None:
                units = register_advance(
                    start.value,
                    end.value,
                    digits=meter.register_digits,
                    rollover_max_share=limits.rollover_max_share,
                )
                quantity = (units * meter.meter_factor).quantize(ENERGY)
            by_register.setdefault(register, []).append(
                ConsumptionPart(
                    meter_number=meter.number,
                    installation_id=inst.pk,
                    start_read_id=start.pk,
                    start_value=start.value,
                    start_at=start.read_at,
                    end_read_id=end.pk if end else None,
                    end_value=end.value if end else None,
                    end_at=end.read_at if end else None,
                    estimated=start.is_estimated or bool(end and end.is_estimated),
                    quantity=quantity,
                )
            )
    return PeriodConsumption(
        connection_id=connection_id,
        period_start=period.start,
        period_end=period.end,
        registers={
            register: RegisterConsumption(
                register=register,
                quantity=sum((p.quantity for p in parts if p.quantity is not None), Decimal(0)),
                complete=all(p.quantity is not None for p in parts),
                estimated=any(p.estimated for p in parts),
                parts=parts,
            )
            for register, parts in by_register.items()
        },
    )


def _read_view(read: RegisterRead) -> dict[str, Any]:
    return {
        "id": read.pk,
        "meter_number": read.installation.meter.number,
        "register": read.register,
        "read_at": read.read_at,
        "value": read.value,
        "source": read.source,
        "purpose": read.purpose,
        "status": read.status,
        "is_estimated": read.is_estimated,
        "estimation_method": read.estimation_method,
        "replaces_id": read.replaces_id,
        "has_photo": bool(read.photo_path),
        "submitted_by": read.submitted_by,
    }


def reads_for(principal: Principal, idpel: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The register reads of the customer's connections, newest first. Raises NotFound."""
    account = account_for(principal, idpel)
    rows = (
        RegisterRead.objects.filter(installation__connection__account=account)
        .select_related("installation__meter")
        .order_by("-read_at", "-id")[: max(1, min(limit, 1000))]
    )
    return [_read_view(r) for r in rows]


def review_queue(
    principal: Principal,
    *,
    status: str = ReviewStatus.OPEN,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """Review items of the caller's units, oldest first: `{"total", "page", "page_size",
    "items"}`."""
    query = ReviewItem.objects.filter(status=status).select_related(
        "read__installation__meter", "read__installation__connection__account"
    )
    if not principal.national:
        query = query.filter(read__installation__connection__account__ulp_id__in=principal.ulp_ids)
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    offset = (page - 1) * page_size
    rows = query.order_by("created_at", "id")[offset : offset + page_size]
    return {
        "total": query.count(),
        "page": page,
        "page_size": page_size,
        "items": [review_view(item) for item in rows],
    }


def review_view(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "idpel": item.read.installation.connection.account.idpel,
        "status": item.status,
        "reasons": item.reasons,
        "created_at": item.created_at,
        "resolved_at": item.resolved_at,
        "resolved_by": item.resolved_by,
        "resolution_note": item.resolution_note,
        "read": _read_view(item.read),
        "corrected_read_id": item.corrected_read_id,
    }


def scoped_review(principal: Principal, review_id: int) -> ReviewItem:
    item = (
        ReviewItem.objects.select_related(
            "read__installation__meter", "read__installation__connection__account"
        )
        .filter(pk=review_id)
        .first()
    )
    if item is None or not principal.can_see_ulp(item.read.installation.connection.account.ulp_id):
        raise NotFound("Review item not found", code="review_not_found")
    return item
