"""Two-way meters (seed 003): modems, SIM cards, modem installation with seals, and the
meter ↔ SIM ↔ customer phone pairing done by the cellular operator's API or a technician.

Pairings are half-open `[paired_from, paired_to)`; a meter and a SIM each have at most one live
pairing (database constraints). Re-pairing closes the live pairing at the new one's start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from pelanggan.customers.validation import FieldError, normalize_phone, phone_kind
from pelanggan.metering.models import (
    Installation,
    Meter,
    Modem,
    ModemInstallation,
    PairedBy,
    Pairing,
    SimCard,
    SimOperator,
)
from pelanggan.metering.models.choices import TWO_WAY_KINDS
from pelanggan.metering.services.registry import SealIn, _apply_seals
from pelanggan.metering.validation import (
    IdentifierInvalid,
    normalize_iccid,
    normalize_imei,
    normalize_msisdn,
)
from pelanggan.platform import audit, clock, crypto
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.security.selectors import Principal

PHONE_INDEX_PURPOSE = "metering.pairing_phone"


def _invalid(error: IdentifierInvalid) -> ValidationFailed:
    return ValidationFailed.single(error.field, error.code, error.message)


def _two_way_meter(principal: Principal, number: str) -> Meter:
    """A two-way meter the caller may act on: installed at a customer of its units (or
    national roles for one in stock)."""
    meter = Meter.objects.select_for_update().filter(number=number, utility="electricity").first()
    if meter is None:
        raise NotFound("Meter not found", code="meter_not_found")
    live = (
        Installation.objects.filter(meter=meter, removed_at__isnull=True)
        .values_list("connection__account__ulp_id", flat=True)
        .first()
    )
    if not (principal.national or (live is not None and principal.can_see_ulp(live))):
        raise NotFound("Meter not found", code="meter_not_found")
    if meter.kind not in TWO_WAY_KINDS:
        raise ValidationFailed.single(
            "meter_number", "not_two_way", "Only two-way (smart) meters take a modem and SIM"
        )
    return meter


def register_sim(
    *, iccid: str, msisdn: str, operator: str, actor: audit.Actor, now: dt.datetime | None = None
) -> SimCard:
    """Add a SIM card (ICCID Luhn-checked, MSISDN an Indonesian mobile number in E.164).
    Raises ValidationFailed, Conflict (ICCID or MSISDN already registered)."""
    try:
        iccid = normalize_iccid(iccid)
        msisdn = normalize_msisdn(msisdn)
    except IdentifierInvalid as error:
        raise _invalid(error) from None
    if operator not in SimOperator.values:
        raise ValidationFailed.single("operator", "unknown_operator", "Unknown operator")
    moment = now or clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                sim = SimCard.objects.create(
                    iccid=iccid, msisdn=msisdn, operator=operator, created_at=moment
                )
        except IntegrityError:
            raise Conflict("The SIM card is already registered", code="sim_exists") from None
        audit.record(
            "metering.sim.registered",
            actor=actor,
            subject_type="metering.sim",
            subject_ids=[sim.pk],
            changes={"iccid": iccid, "operator": operator},
            occurred_at=moment,
        )
    return sim


def register_modem(
    *,
    serial: str,
    imei: str,
    actor: audit.Actor,
    manufacturer: str = "",
    model: str = "",
    now: dt.datetime | None = None,
) -> Modem:
    """Add a modem (IMEI Luhn-checked). Raises ValidationFailed, Conflict."""
    try:
        imei = normalize_imei(imei)
    except IdentifierInvalid as error:
        raise _invalid(error) from None
    serial = serial.strip().upper()
    if not 1 <= len(serial) <= 40:
        raise ValidationFailed.single("serial", "bad_serial", "A serial has 1-40 characters")
    moment = now or clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                modem = Modem.objects.create(
                    serial=serial,
                    imei=imei,
                    manufacturer=manufacturer,
                    model=model,
                    created_at=moment,
                )
        except IntegrityError:
            raise Conflict("The modem is already registered", code="modem_exists") from None
        audit.record(
            "metering.modem.registered",
            actor=actor,
            subject_type="metering.modem",
            subject_ids=[modem.pk],
            changes={"serial": serial},
            occurred_at=moment,
        )
    return modem


def install_modem(
    *,
    principal: Principal,
    meter_number: str,
    modem_serial: str,
    installed_at: dt.datetime,
    seals: Sequence[SealIn] = (),
    now: dt.datetime | None = None,
) -> ModemInstallation:
    """Fit a modem to a two-way meter with its seals. Raises NotFound, ValidationFailed,
    Conflict (modem or meter already has a live modem, seal in use)."""
    moment = now or clock.now()
    if installed_at.tzinfo is None or installed_at > moment:
        raise ValidationFailed.single("installed_at", "bad_time", "Aware and not in the future")
    with transaction.atomic():
        meter = _two_way_meter(principal, meter_number)
        modem = Modem.objects.filter(serial=modem_serial.strip().upper()).first()
        if modem is None:
            raise NotFound("Modem not found", code="modem_not_found")
        try:
            with transaction.atomic():
                fitted = ModemInstallation.objects.create(
                    modem=modem,
                    meter=meter,
                    installed_at=installed_at,
                    installed_by=principal.username,
                )
        except IntegrityError:
            raise Conflict(
                "The modem or the meter already has a live modem installation",
                code="modem_installed",
            ) from None
        _apply_seals(seals, at=installed_at, principal=principal, modem_installation_id=fitted.pk)
        audit.record(
            "metering.modem.installed",
            actor=principal.actor,
            subject_type="metering.modem_installation",
            subject_ids=[fitted.pk, meter.pk, modem.pk],
            changes={"seals": [s.number for s in seals]},
            occurred_at=moment,
        )
    return fitted


def pair_meter(
    *,
    principal: Principal,
    meter_number: str,
    iccid: str,
    customer_phone: str,
    paired_by: str,
    paired_from: dt.datetime,
    paired_by_label: str = "",
    now: dt.datetime | None = None,
) -> Pairing:
    """Pair a two-way meter with a registered SIM and the customer's mobile phone. The live
    pairing of the meter (if any) ends at `paired_from`; a SIM paired to another meter is
    refused. `paired_by` is "operator_api" (label: the operator) or "technician" (label: the
    technician; defaults to the caller). Raises NotFound, ValidationFailed, Conflict."""
    moment = now or clock.now()
    if paired_by not in PairedBy.values:
        raise ValidationFailed.single("paired_by", "unknown", "operator_api or technician")
    if paired_from.tzinfo is None or paired_from > moment:
        raise ValidationFailed.single("paired_from", "bad_time", "Aware and not in the future")
    try:
        phone = normalize_phone(customer_phone)
    except FieldError as error:
        raise ValidationFailed.single("customer_phone", error.code, error.message) from None
    if phone_kind(phone) != "mobile":
        raise ValidationFailed.single(
            "customer_phone", "not_mobile", "The customer phone must be a mobile number"
        )
    try:
        iccid = normalize_iccid(iccid)
    except IdentifierInvalid as error:
        raise _invalid(error) from None
    label = paired_by_label.strip() or principal.username
    with transaction.atomic():
        meter = _two_way_meter(principal, meter_number)
        sim = SimCard.objects.select_for_update().filter(iccid=iccid).first()
        if sim is None:
            raise NotFound("SIM card not found", code="sim_not_found")
        if Pairing.objects.filter(sim=sim, paired_to__isnull=True).exclude(meter=meter).exists():
            raise Conflict("The SIM card is paired with another meter", code="sim_in_use")
        live = (
            Pairing.objects.select_for_update().filter(meter=meter, paired_to__isnull=True).first()
        )
        if live is not None:
            if paired_from <= live.paired_from:
                raise Conflict("A later pairing exists", code="pairing_out_of_order")
            live.paired_to = paired_from
            live.unpaired_by_label = label
            live.save(update_fields=["paired_to", "unpaired_by_label"])
        if Pairing.objects.filter(meter=meter, paired_to__gt=paired_from).exists():
            raise Conflict("A later pairing exists", code="pairing_out_of_order")
        pairing = Pairing.objects.create(
            meter=meter,
            sim=sim,
            customer_phone=phone,
            customer_phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX_PURPOSE),
            paired_from=paired_from,
            paired_by=paired_by,
            paired_by_label=label,
        )
        audit.record(
            "metering.pairing.created",
            actor=principal.actor,
            subject_type="metering.pairing",
            subject_ids=[pairing.pk, meter.pk, sim.pk],
            changes={
                "customer_phone": phone,
                "paired_by": paired_by,
                "paired_by_label": label,
                "ended_pairing": live.pk if live else None,
            },
            occurred_at=moment,
        )
    return pairing


def end_pairing(
    *, principal: Principal, meter_number: str, at: dt.datetime, now: dt.datetime | None = None
) -> Pairing:
    """End the live pairing of the meter at `at`. Raises NotFound, ValidationFailed."""
    moment = now or clock.now()
    with transaction.atomic():
        meter = _two_way_meter(principal, meter_number)
        live = (
            Pairing.objects.select_for_update().filter(meter=meter, paired_to__isnull=True).first()
        )
        if live is None:
            raise NotFound("The meter has no live pairing", code="pairing_not_found")
        if at.tzinfo is None or at <= live.paired_from or at > moment:
            raise ValidationFailed.single("at", "bad_time", "After the pairing, not in the future")
        live.paired_to = at
        live.unpaired_by_label = principal.username
        live.save(update_fields=["paired_to", "unpaired_by_label"])
        audit.record(
            "metering.pairing.ended",
            actor=principal.actor,
            subject_type="metering.pairing",
            subject_ids=[live.pk, meter.pk],
            occurred_at=moment,
        )
    return live
