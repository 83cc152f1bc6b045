"""Read side of the metering console pages: the meter section of the 360° page, the meter
event list across the caller's units, and the read review queue with its filters.

Selectors take the caller and return only what it may see; a customer of another unit is
answered exactly like one that does not exist (NotFound)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pelanggan.security.selectors import Principal

# -- console: the meter section of the 360° page, the event list -----------------------------

#: Event kinds that need attention: shown highlighted (danger) on the 360° page and the list.
TAMPER_KINDS = frozenset({"tamper_cover_open", "tamper_magnetic", "bypass_suspected"})
WARNING_KINDS = frozenset(
    {"power_off_last_gasp", "credit_exhausted", "low_credit", "communication_lost", "relay_open"}
)


def event_tone(kind: str) -> str:
    if kind in TAMPER_KINDS:
        return "danger"
    return "warn" if kind in WARNING_KINDS else "muted"


def meter_section(principal: Principal, idpel: str, *, events: int = 10) -> dict[str, Any]:
    """What the 360° page shows about metering: the meters of the customer (live first) with
    their history (installations, seals, modems, SIM pairings) and the latest events.
    Raises NotFound for a customer outside the caller's units."""
    from pelanggan.metering import selectors

    installations = selectors.meters_for_customer(principal, idpel)
    numbers: list[str] = []
    newest_live_first = sorted(
        installations, key=lambda r: (not r["is_live"], -r["installed_at"].timestamp())
    )
    for row in newest_live_first:
        if row["number"] not in numbers:
            numbers.append(row["number"])
    meters = []
    for number in numbers:
        detail = selectors.meter_detail(principal, number)
        detail["is_live"] = any(r["is_live"] and r["number"] == number for r in installations)
        detail["installations"] = [i for i in detail["installations"] if i["idpel"] == idpel]
        meters.append(detail)
    recent = selectors.meter_events_for(principal, idpel, limit=events)
    return {
        "idpel": idpel,
        "meters": meters,
        "events": [{"event": e, "tone": event_tone(e.kind)} for e in recent],
        "has_electricity": any(m["utility"] == "electricity" for m in meters),
    }


@dataclass(frozen=True)
class EventRow:
    id: int
    meter_number: str
    idpel: str
    ulp_code: str
    kind: str
    kind_label: str
    tone: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    source: str


def event_list(
    principal: Principal,
    *,
    kinds: list[str] | None = None,
    ulp_ids: set[int] | None = None,
    occurred_from: dt.datetime | None = None,
    occurred_to: dt.datetime | None = None,
    limit: int = 200,
) -> list[EventRow]:
    """Meter events at customers of the caller's units (optionally some ULPs), newest first.
    An event belongs to the customer whose connection had the meter when it occurred."""
    from django.db.models import Exists, OuterRef, Q

    from pelanggan.metering.models import Installation, MeterEvent, MeterEventKind

    def placed(**scope: Any) -> Any:
        """Installations that held the event's meter when it occurred (within `scope`)."""
        return Installation.objects.filter(
            Q(removed_at__isnull=True) | Q(removed_at__gt=OuterRef("occurred_at")),
            meter_id=OuterRef("meter_id"),
            installed_at__lte=OuterRef("occurred_at"),
            **scope,
        )

    query = MeterEvent.objects.all()
    if not principal.national:
        query = query.filter(Exists(placed(connection__account__ulp_id__in=principal.ulp_ids)))
    if ulp_ids is not None:
        query = query.filter(Exists(placed(connection__account__ulp_id__in=ulp_ids)))
    if kinds:
        query = query.filter(kind__in=kinds)
    if occurred_from is not None:
        query = query.filter(occurred_at__gte=occurred_from)
    if occurred_to is not None:
        query = query.filter(occurred_at__lt=occurred_to)
    events = list(
        query.select_related("meter").order_by("-occurred_at", "-id")[: max(1, min(limit, 1000))]
    )
    holders: dict[int, list[tuple[dt.datetime, dt.datetime | None, str, str, int]]] = {}
    for row in Installation.objects.filter(meter_id__in={e.meter_id for e in events}).values_list(
        "meter_id", "installed_at", "removed_at", "connection__account__idpel",
        "connection__account__ulp__code", "connection__account__ulp_id",
    ):
        holders.setdefault(row[0], []).append(row[1:])

    def holder(event: Any) -> tuple[str, str]:
        for start, end, idpel, ulp_code, ulp_id in holders.get(event.meter_id, []):
            inside = start <= event.occurred_at and (end is None or event.occurred_at < end)
            if inside and principal.can_see_ulp(ulp_id):
                return idpel, ulp_code
        return "", ""

    labels = dict(MeterEventKind.choices)
    rows = []
    for event in events:
        idpel, ulp_code = holder(event)
        rows.append(
            EventRow(
                id=event.pk,
                meter_number=event.meter.number,
                idpel=idpel,
                ulp_code=ulp_code,
                kind=event.kind,
                kind_label=str(labels.get(event.kind, event.kind)),
                tone=event_tone(event.kind),
                occurred_at=event.occurred_at,
                received_at=event.received_at,
                source=event.source,
            )
        )
    return rows


def review_items(
    principal: Principal,
    *,
    status: str = "open",
    ulp_ids: set[int] | None = None,
    reason: str = "",
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The read review queue of the caller's units, oldest first, optionally one ULP and one
    reason; each item as `selectors.reads.review_view` plus its ULP code."""
    from pelanggan.metering.models import ReviewItem
    from pelanggan.metering.selectors.reads import review_view

    query = ReviewItem.objects.filter(status=status).select_related(
        "read__installation__meter", "read__installation__connection__account__ulp"
    )
    account = "read__installation__connection__account__ulp_id__in"
    if not principal.national:
        query = query.filter(**{account: principal.ulp_ids})
    if ulp_ids is not None:
        query = query.filter(**{account: ulp_ids})
    items = list(query.order_by("created_at", "id")[: max(1, min(limit, 1000))])
    if reason:
        items = [i for i in items if any(r.get("code") == reason for r in i.reasons)]
    return [
        {**review_view(item), "ulp_code": item.read.installation.connection.account.ulp.code}
        for item in items
    ]
