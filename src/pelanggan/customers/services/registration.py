"""Registering one customer (API, console, contact centre)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from pelanggan.customers.models import Account, ServiceConnection
from pelanggan.customers.services.cleaning import Problem, RecordInvalid, clean_record
from pelanggan.customers.services.writer import write_records
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.security.selectors import Principal, ulp_by_code


def problems_to_error(problems: list[Problem]) -> ValidationFailed:
    fields: dict[str, list[dict[str, str]]] = {}
    for problem in problems:
        fields.setdefault(problem.column, []).append(problem.as_dict())
    return ValidationFailed(fields=fields)


def next_idpel(prefix: str) -> str:
    """The next free IDPEL under a ULP's prefix (prefix digits + zero-padded sequence)."""
    if not (prefix.isdigit() and 1 <= len(prefix) <= 6):
        raise ValidationFailed.single(
            "ulp_code", "ulp_without_idpel_prefix", "This unit has no IDPEL prefix configured"
        )
    last = (
        Account.objects.filter(idpel__startswith=prefix)
        .order_by("-idpel")
        .values_list("idpel", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    width = 12 - len(prefix)
    if sequence >= 10**width:
        raise Conflict("The unit's IDPEL range is exhausted", code="idpel_range_exhausted")
    return f"{prefix}{sequence:0{width}d}"


def register_customer(*, data: Mapping[str, Any], principal: Principal) -> Account:
    """Validate and create person, premise, account, connection and terms in one transaction.

    `data` uses the flat DIL column names. Raises ValidationFailed (every problem, by field),
    Conflict (IDPEL or meter number already in use), NotFound-equivalent ValidationFailed for a
    ULP outside the caller's scope.
    """
    now = clock.now()
    try:
        record = clean_record(data, today=clock.today_wib())
    except RecordInvalid as exc:
        raise problems_to_error(exc.problems) from exc
    ulp = ulp_by_code(record.ulp_code)
    if ulp is None or not principal.can_see_ulp(ulp.pk):
        raise ValidationFailed.single(
            "ulp_code", "ulp_unknown", "Unknown service unit (ULP)", "ULP tidak dikenal"
        )
    with transaction.atomic():
        if record.idpel and Account.objects.filter(idpel=record.idpel).exists():
            raise Conflict("This IDPEL is already registered", code="idpel_taken")
        live_meter = ServiceConnection.objects.filter(
            utility=record.utility, meter_number=record.meter_number, disconnected_on__isnull=True
        )
        if live_meter.exists():
            raise Conflict("This meter number is already on a live connection", code="meter_taken")
        idpel = record.idpel or next_idpel(ulp.idpel_prefix)
        try:
            with transaction.atomic():
                (account,) = write_records(
                    [record], ulp_ids={ulp.code: ulp.pk}, idpels=[idpel], now=now
                )
        except IntegrityError as exc:
            raise Conflict(
                "The IDPEL or meter number was taken concurrently; retry",
                code="concurrent_registration",
            ) from exc
        audit.record(
            "customers.customer.created",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[account.idpel],
            changes={
                "full_name": audit.change(None, "set"),
                "nik": audit.change(None, "set"),
                "utility": audit.change(None, record.utility),
                "tariff_group": audit.change(None, record.tariff_group),
                "daya_va": audit.change(None, record.daya_va),
                "payment_mode": audit.change(None, record.payment_mode),
                "ulp": audit.change(None, ulp.code),
            },
        )
        outbox.publish("customers.customer.registered", {"idpel": account.idpel, "ulp": ulp.code})
    return account
