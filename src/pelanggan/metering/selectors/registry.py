"""Meters, installations, seals and pairings as the caller may see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pelanggan.customers.models import Account, ServiceConnection
from pelanggan.metering.models import (
    Installation,
    Meter,
    ModemInstallation,
    Pairing,
    Seal,
)
from pelanggan.metering.models.choices import STS_KINDS
from pelanggan.platform.errors import NotFound
from pelanggan.security.selectors import Principal


def account_for(principal: Principal, idpel: str) -> Account:
    """The account if the caller may see it; NotFound otherwise, exactly as for a missing one."""
    account = Account.objects.filter(idpel=idpel).first()
    if account is None or not principal.can_see_ulp(account.ulp_id):
        raise NotFound("Customer not found", code="customer_not_found")
    return account


def connection_for(
    principal: Principal, idpel: str, utility: str | None = None
) -> ServiceConnection:
    """The customer's live connection (of `utility` when given, else the first)."""
    account = account_for(principal, idpel)
    query = ServiceConnection.objects.filter(account=account, disconnected_on__isnull=True)
    if utility:
        query = query.filter(utility=utility)
    connection = query.order_by("id").first()
    if connection is None:
        raise NotFound("The customer has no live connection", code="connection_not_found")
    return connection


def visible_meter(principal: Principal, number: str) -> Meter:
    """A meter the caller may see: installed (now or before) at a customer of its units.
    A meter never installed is visible to national roles only."""
    meters = list(Meter.objects.filter(number=number).order_by("id"))
    for meter in meters:
        ulp_ids = set(
            Installation.objects.filter(meter=meter).values_list(
                "connection__account__ulp_id", flat=True
            )
        )
        if principal.national or any(principal.can_see_ulp(u) for u in ulp_ids):
            return meter
    raise NotFound("Meter not found", code="meter_not_found")


def _seal(seal: Seal) -> dict[str, Any]:
    return {
        "number": seal.number,
        "location": seal.location,
        "applied_at": seal.applied_at,
        "applied_by": seal.applied_by_label,
        "removed_at": seal.removed_at,
        "removed_by": seal.removed_by_label,
    }


def _installation(inst: Installation) -> dict[str, Any]:
    return {
        "id": inst.pk,
        "meter_number": inst.meter.number,
        "idpel": inst.connection.account.idpel,
        "utility": inst.connection.utility,
        "installed_at": inst.installed_at,
        "removed_at": inst.removed_at,
        "installed_by": inst.installed_by,
        "removed_by": inst.removed_by,
        "reason": inst.reason,
        "initial_reads": {r.register: r.value for r in inst.reads.all() if r.purpose == "install"},
        "final_reads": {r.register: r.value for r in inst.reads.all() if r.purpose == "removal"},
        "seals": [_seal(s) for s in inst.seals.all()],
    }


def _sts(meter: Meter) -> dict[str, Any] | None:
    """The meter's STS key attributes, kept by the prepaid context (by meter number)."""
    from pelanggan.prepaid.services.meters import key_attributes, meter_key_data

    if meter.kind not in STS_KINDS:
        return None
    try:
        row = meter_key_data(meter_number=meter.number)
    except NotFound:
        return None
    return {"drn": row.drn, **key_attributes(row)}


def _masked_phone(phone: str) -> str:
    return phone[:4] + "****" + phone[-4:] if len(phone) > 8 else "****"


def meter_detail(principal: Principal, number: str) -> dict[str, Any]:
    """A meter with its history: installations (with seals and initial/final reads), modems
    (with seals) and SIM pairings (customer phone masked). Raises NotFound."""
    meter = visible_meter(principal, number)
    installations = (
        Installation.objects.filter(meter=meter)
        .select_related("meter", "connection__account")
        .prefetch_related("reads", "seals")
        .order_by("installed_at")
    )
    visible = [i for i in installations if principal.can_see_ulp(i.connection.account.ulp_id)]
    modems = ModemInstallation.objects.filter(meter=meter).select_related("modem")
    pairings = Pairing.objects.filter(meter=meter).select_related("sim").order_by("paired_from")
    return {
        "number": meter.number,
        "utility": meter.utility,
        "kind": meter.kind,
        "manufacturer": meter.manufacturer,
        "model": meter.model,
        "phases": meter.phases,
        "is_two_rate": meter.is_two_rate,
        "has_kvarh_register": meter.has_kvarh_register,
        "meter_factor": meter.meter_factor,
        "register_digits": meter.register_digits,
        "status": meter.status,
        "sts": _sts(meter),
        "installations": [_installation(i) for i in visible],
        "modems": [
            {
                "serial": m.modem.serial,
                "imei": m.modem.imei,
                "installed_at": m.installed_at,
                "removed_at": m.removed_at,
                "installed_by": m.installed_by,
                "seals": [_seal(s) for s in m.seals.all()],
            }
            for m in modems.order_by("installed_at")
        ],
        "pairings": [
            {
                "iccid": p.sim.iccid,
                "msisdn": p.sim.msisdn,
                "operator": p.sim.operator,
                "customer_phone": _masked_phone(p.customer_phone),
                "paired_from": p.paired_from,
                "paired_to": p.paired_to,
                "paired_by": p.paired_by,
                "paired_by_label": p.paired_by_label,
            }
            for p in pairings
        ],
    }


def meters_for_customer(principal: Principal, idpel: str) -> list[dict[str, Any]]:
    """The meters installed (now or before) on the customer's connections, newest first."""
    account = account_for(principal, idpel)
    rows = (
        Installation.objects.filter(connection__account=account)
        .select_related("meter")
        .order_by("-installed_at")
    )
    return [
        {
            "number": i.meter.number,
            "utility": i.meter.utility,
            "kind": i.meter.kind,
            "status": i.meter.status,
            "installed_at": i.installed_at,
            "removed_at": i.removed_at,
            "is_live": i.removed_at is None,
        }
        for i in rows
    ]


def live_installation(connection_id: int, at: dt.datetime | None = None) -> Installation | None:
    """The installation live on the connection at `at` (now-live when None)."""
    query = Installation.objects.filter(connection_id=connection_id).select_related("meter")
    if at is None:
        return query.filter(removed_at__isnull=True).first()
    for inst in query.filter(installed_at__lte=at).order_by("-installed_at"):
        if inst.removed_at is None or inst.removed_at > at:
            return inst
    return None


ZERO = Decimal(0)
