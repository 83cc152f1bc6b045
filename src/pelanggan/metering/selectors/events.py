"""Meter events as the caller may see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from pelanggan.metering.models import Installation, MeterEvent
from pelanggan.metering.selectors.registry import account_for
from pelanggan.security.selectors import Principal


@dataclass(frozen=True)
class MeterEventView:
    id: int
    meter_number: str
    kind: str
    kind_label: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    source: str
    payload: dict[str, Any]


def meter_events_for(
    principal: Principal,
    idpel: str,
    *,
    kinds: list[str] | None = None,
    occurred_from: dt.datetime | None = None,
    occurred_to: dt.datetime | None = None,
    limit: int = 100,
) -> list[MeterEventView]:
    """Events of the meters installed on the customer's connections, newest first, each
    only while that meter was installed there (a meter moved elsewhere does not bring its
    later events along). `[occurred_from, occurred_to)` filters by the meter's time.
    Raises NotFound when the customer does not exist or lies outside the caller's units.
    """
    account = account_for(principal, idpel)
    windows = Q()
    installations = Installation.objects.filter(connection__account_id=account.id)
    for meter_id, start, end in installations.values_list("meter_id", "installed_at", "removed_at"):
        window = Q(meter_id=meter_id, occurred_at__gte=start)
        if end is not None:
            window &= Q(occurred_at__lt=end)
        windows |= window
    if not windows:
        return []
    query = MeterEvent.objects.filter(windows).select_related("meter")
    if kinds:
        query = query.filter(kind__in=kinds)
    if occurred_from is not None:
        query = query.filter(occurred_at__gte=occurred_from)
    if occurred_to is not None:
        query = query.filter(occurred_at__lt=occurred_to)
    rows = query.order_by("-occurred_at", "-id")[: max(1, min(limit, 1000))]
    return [
        MeterEventView(
            id=row.pk,
            meter_number=row.meter.number,
            kind=row.kind,
            kind_label=str(row.get_kind_display()),
            occurred_at=row.occurred_at,
            received_at=row.received_at,
            source=row.source,
            payload=dict(row.payload),
        )
        for row in rows
    ]
