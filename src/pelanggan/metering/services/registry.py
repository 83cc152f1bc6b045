"""Meters and their life on service connections: register, install, remove, exchange, seal.

Every service runs in one transaction with its audit record. Installations are half-open
`[installed_at, removed_at)`; an exchange removes the old meter and installs the new one at the
same instant with the final and initial reads, so the readings of each meter stay with its own
period and consumption never jumps across the exchange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from pelanggan.customers.models import Account, ServiceConnection
from pelanggan.customers.services.meter_link import set_connection_meter
from pelanggan.customers.validation import FieldError, validate_meter_number
from pelanggan.metering.models import (
    Installation,
    Meter,
    MeterKind,
    MeterStatus,
    ReadPurpose,
    ReadSource,
    ReadStatus,
    RegisterRead,
    Seal,
    SealLocation,
)
from pelanggan.metering.models.choices import STS_KINDS
from pelanggan.metering.registers import registers_of
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.periods import Period, find_overlap
from pelanggan.security.selectors import Principal

_KIND_UTILITY = {
    kind: ("water" if kind == MeterKind.WATER else "electricity") for kind in MeterKind
}


@dataclass(frozen=True)
class SealIn:
    number: str
    location: str


def _fail(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed.single(field, code, message)


def register_meter(
    *,
    number: str,
    kind: str,
    actor: audit.Actor,
    manufacturer: str = "",
    model: str = "",
    phases: int | None = None,
    is_two_rate: bool = False,
    has_kvarh_register: bool = False,
    meter_factor: Decimal = Decimal(1),
    register_digits: int = 6,
    now: dt.datetime | None = None,
) -> Meter:
    """Add a meter to the registry (status in stock). The utility follows from the kind.

    Raises ValidationFailed (bad number for the kind, bad phases/digits/factor, water meter
    with electricity registers), Conflict when the number exists for that utility.
    """
    if kind not in MeterKind.values:
        raise _fail("kind", "unknown_kind", "Unknown meter kind")
    utility = _KIND_UTILITY[MeterKind(kind)]
    mode = "prepaid" if kind in STS_KINDS else None
    try:
        number = validate_meter_number(number, utility=utility, payment_mode=mode)  # type: ignore[arg-type]
    except FieldError as error:
        raise _fail("number", error.code, error.message) from None
    phases = phases or (3 if kind == MeterKind.POSTPAID_THREE_PHASE else 1)
    if phases not in (1, 3) or (kind == MeterKind.POSTPAID_THREE_PHASE and phases != 3):
        raise _fail("phases", "bad_phases", "A meter has 1 or 3 phases, as its kind says")
    if kind == MeterKind.POSTPAID_SINGLE_PHASE and phases != 1:
        raise _fail("phases", "bad_phases", "A single-phase meter has 1 phase")
    if utility == "water" and (is_two_rate or has_kvarh_register):
        raise _fail("is_two_rate", "not_for_water", "A water meter has only an m³ register")
    if not 3 <= register_digits <= 10:
        raise _fail("register_digits", "out_of_range", "A register has 3 to 10 digits")
    if meter_factor <= 0:
        raise _fail("meter_factor", "not_positive", "The meter factor must be positive")
    moment = now or clock.now()
    meter = Meter(
        number=number,
        utility=utility,
        kind=kind,
        manufacturer=manufacturer,
        model=model,
        phases=phases,
        is_two_rate=is_two_rate,
        has_kvarh_register=has_kvarh_register,
        meter_factor=meter_factor,
        register_digits=register_digits,
        status=MeterStatus.IN_STOCK,
        created_at=moment,
        updated_at=moment,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                meter.save(force_insert=True)
        except IntegrityError:
            raise Conflict("A meter with that number exists", code="meter_exists") from None
        audit.record(
            "metering.meter.registered",
            actor=actor,
            subject_type="metering.meter",
            subject_ids=[meter.pk],
            changes={"number": number, "kind": kind, "utility": utility},
            occurred_at=moment,
        )
    return meter


def meter_registers(meter: Meter) -> list[str]:
    return registers_of(
        utility=meter.utility,
        kind=meter.kind,
        is_two_rate=meter.is_two_rate,
        has_kvarh_register=meter.has_kvarh_register,
    )


def _clean_reads(
    meter: Meter, reads: Mapping[str, Decimal | str | int], field: str
) -> dict[str, Decimal]:
    expected = meter_registers(meter)
    problems: dict[str, list[dict[str, str]]] = {}
    cleaned: dict[str, Decimal] = {}
    for register in expected:
        if register not in reads:
            problems[f"{field}.{register}"] = [
                {"code": "missing", "message": "A value is needed for every register"}
            ]
            continue
        try:
            value = Decimal(str(reads[register]))
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value < 0 or value >= Decimal(10) ** meter.register_digits:
            problems[f"{field}.{register}"] = [
                {"code": "out_of_range", "message": "Outside the register's range"}
            ]
            continue
        cleaned[register] = value.quantize(Decimal("0.001"))
    for register in reads:
        if register not in expected:
            problems[f"{field}.{register}"] = [
                {"code": "no_such_register", "message": "The meter has no such register"}
            ]
    if problems:
        raise ValidationFailed(fields=problems)
    return cleaned


def _connection(principal: Principal, idpel: str, utility: str) -> ServiceConnection:
    account = Account.objects.filter(idpel=idpel).first()
    if account is None or not principal.can_see_ulp(account.ulp_id):
        raise NotFound("Customer not found", code="customer_not_found")
    connection = (
        ServiceConnection.objects.select_for_update()
        .filter(account=account, utility=utility, disconnected_on__isnull=True)
        .order_by("id")
        .first()
    )
    if connection is None:
        raise NotFound(
            "The customer has no live connection of that utility", code="connection_not_found"
        )
    return connection


def _meter(number: str, *, utility: str | None = None, lock: bool = True) -> Meter:
    query = Meter.objects.filter(number=number)
    if utility:
        query = query.filter(utility=utility)
    if lock:
        query = query.select_for_update()
    meter = query.order_by("id").first()
    if meter is None:
        raise NotFound("Meter not found", code="meter_not_found")
    return meter


def _check_no_overlap(
    installations: Sequence[Installation], new: Period[dt.datetime], what: str
) -> None:
    periods = [Period(i.installed_at, i.removed_at) for i in installations] + [new]
    if find_overlap(periods):
        raise Conflict(
            f"The installation would overlap an earlier one of the same {what}",
            code=f"installation_overlaps_{what}",
        )


def _write_reads(
    installation: Installation,
    reads: Mapping[str, Decimal],
    *,
    at: dt.datetime,
    purpose: str,
    actor: audit.Actor,
    now: dt.datetime,
) -> None:
    RegisterRead.objects.bulk_create(
        RegisterRead(
            installation=installation,
            register=register,
            read_at=at,
            value=value,
            source=ReadSource.MANUAL,
            purpose=purpose,
            status=ReadStatus.ACCEPTED,
            submitted_by=actor.label,
            created_at=now,
        )
        for register, value in reads.items()
    )


def _apply_seals(
    seals: Sequence[SealIn],
    *,
    at: dt.datetime,
    principal: Principal,
    installation: Installation | None = None,
    modem_installation_id: int | None = None,
) -> list[Seal]:
    problems: dict[str, list[dict[str, str]]] = {}
    for index, seal in enumerate(seals):
        if seal.location not in SealLocation.values:
            problems[f"seals.{index}.location"] = [
                {"code": "unknown_location", "message": "Unknown seal location"}
            ]
        if not (seal.number.strip() and len(seal.number.strip()) <= 30):
            problems[f"seals.{index}.number"] = [
                {"code": "bad_number", "message": "A seal number has 1-30 characters"}
            ]
    if problems:
        raise ValidationFailed(fields=problems)
    rows = [
        Seal(
            number=seal.number.strip().upper(),
            location=seal.location,
            installation=installation,
            modem_installation_id=modem_installation_id,
            applied_at=at,
            applied_by_id=principal.user_id,
            applied_by_label=principal.username,
        )
        for seal in seals
    ]
    try:
        with transaction.atomic():
            Seal.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict("A seal with that number is already in place", code="seal_in_use") from None
    return rows


def _check_moment(at: dt.datetime, now: dt.datetime) -> None:
    if at.tzinfo is None:
        raise _fail("at", "naive_time", "Times need an offset")
    if at > now:
        raise _fail("at", "in_future", "The moment lies in the future")


def _install(
    *,
    connection: ServiceConnection,
    meter: Meter,
    at: dt.datetime,
    initial_reads: Mapping[str, Decimal],
    seals: Sequence[SealIn],
    principal: Principal,
    reason: str,
    now: dt.datetime,
) -> Installation:
    if meter.utility != connection.utility:
        raise _fail("meter_number", "wrong_utility", "The meter is for another utility")
    if meter.status == MeterStatus.RETIRED:
        raise Conflict("The meter is retired", code="meter_retired")
    if Installation.objects.filter(meter=meter, removed_at__isnull=True).exists():
        raise Conflict("The meter is installed elsewhere", code="meter_installed_elsewhere")
    if Installation.objects.filter(connection=connection, removed_at__isnull=True).exists():
        raise Conflict("The connection already has a meter", code="connection_has_meter")
    _check_no_overlap(list(Installation.objects.filter(meter=meter)), Period(at, None), "meter")
    _check_no_overlap(
        list(Installation.objects.filter(connection=connection)), Period(at, None), "connection"
    )
    try:
        with transaction.atomic():
            installation = Installation.objects.create(
                meter=meter,
                connection=connection,
                installed_at=at,
                installed_by=principal.username,
                reason=reason,
            )
    except IntegrityError:
        raise Conflict(
            "The meter or the connection already has a live installation",
            code="live_installation_exists",
        ) from None
    _write_reads(
        installation,
        initial_reads,
        at=at,
        purpose=ReadPurpose.INSTALL,
        actor=principal.actor,
        now=now,
    )
    _apply_seals(seals, at=at, principal=principal, installation=installation)
    meter.status = MeterStatus.INSTALLED
    meter.updated_at = now
    meter.save(update_fields=["status", "updated_at"])
    set_connection_meter(connection_id=connection.pk, meter_number=meter.number)
    return installation


def install_meter(
    *,
    principal: Principal,
    idpel: str,
    meter_number: str,
    installed_at: dt.datetime,
    initial_reads: Mapping[str, Decimal | str | int],
    seals: Sequence[SealIn] = (),
    reason: str = "",
    now: dt.datetime | None = None,
) -> Installation:
    """Install a meter on the customer's live connection of the meter's utility, with its
    initial register values and seals. Raises NotFound (customer outside the caller's units,
    unknown meter), ValidationFailed (reads, seals, future time), Conflict (the meter or the
    connection has a live installation, overlap with history, seal number in use)."""
    moment = now or clock.now()
    _check_moment(installed_at, moment)
    with transaction.atomic():
        meter = _meter(meter_number)
        connection = _connection(principal, idpel, meter.utility)
        reads = _clean_reads(meter, initial_reads, "initial_reads")
        installation = _install(
            connection=connection,
            meter=meter,
            at=installed_at,
            initial_reads=reads,
            seals=seals,
            principal=principal,
            reason=reason,
            now=moment,
        )
        audit.record(
            "metering.meter.installed",
            actor=principal.actor,
            subject_type="metering.installation",
            subject_ids=[installation.pk, meter.pk, connection.pk],
            changes={
                "meter_number": meter.number,
                "installed_at": installed_at.isoformat(),
                "initial_reads": {k: str(v) for k, v in reads.items()},
                "seals": [s.number for s in seals],
            },
            reason=reason,
            occurred_at=moment,
        )
    return installation


def _remove(
    *,
    installation: Installation,
    at: dt.datetime,
    final_reads: Mapping[str, Decimal],
    principal: Principal,
    now: dt.datetime,
) -> None:
    if at <= installation.installed_at:
        raise _fail("removed_at", "before_installation", "Removal must follow the installation")
    later_reads = RegisterRead.objects.filter(
        installation=installation,
        read_at__gt=at,
        status__in=[ReadStatus.ACCEPTED, ReadStatus.PENDING_REVIEW],
    )
    if later_reads.exists():
        raise Conflict("The meter has reads after that moment", code="reads_after_removal")
    installation.removed_at = at
    installation.removed_by = principal.username
    installation.save(update_fields=["removed_at", "removed_by"])
    _write_reads(
        installation,
        final_reads,
        at=at,
        purpose=ReadPurpose.REMOVAL,
        actor=principal.actor,
        now=now,
    )
    Seal.objects.filter(installation=installation, removed_at__isnull=True).update(
        removed_at=at, removed_by_label=principal.username, removal_reason="meter removed"
    )
    meter = installation.meter
    meter.status = MeterStatus.REMOVED
    meter.updated_at = now
    meter.save(update_fields=["status", "updated_at"])


def _live_installation(connection: ServiceConnection) -> Installation:
    installation = (
        Installation.objects.select_for_update()
        .select_related("meter")
        .filter(connection=connection, removed_at__isnull=True)
        .first()
    )
    if installation is None:
        raise NotFound("The connection has no installed meter", code="no_live_installation")
    return installation


def remove_meter(
    *,
    principal: Principal,
    idpel: str,
    utility: str,
    removed_at: dt.datetime,
    final_reads: Mapping[str, Decimal | str | int],
    reason: str,
    now: dt.datetime | None = None,
) -> Installation:
    """Remove the live meter of the customer's connection with its final reads; its seals are
    recorded as removed. Raises NotFound, ValidationFailed, Conflict (reads after the moment)."""
    moment = now or clock.now()
    _check_moment(removed_at, moment)
    if not reason.strip():
        raise _fail("reason", "required", "A reason is required")
    with transaction.atomic():
        connection = _connection(principal, idpel, utility)
        installation = _live_installation(connection)
        reads = _clean_reads(installation.meter, final_reads, "final_reads")
        _remove(
            installation=installation,
            at=removed_at,
            final_reads=reads,
            principal=principal,
            now=moment,
        )
        audit.record(
            "metering.meter.removed",
            actor=principal.actor,
            subject_type="metering.installation",
            subject_ids=[installation.pk, installation.meter_id, connection.pk],
            changes={
                "meter_number": installation.meter.number,
                "removed_at": removed_at.isoformat(),
                "final_reads": {k: str(v) for k, v in reads.items()},
            },
            reason=reason,
            occurred_at=moment,
        )
    return installation


def exchange_meter(
    *,
    principal: Principal,
    idpel: str,
    new_meter_number: str,
    exchanged_at: dt.datetime,
    final_reads: Mapping[str, Decimal | str | int],
    initial_reads: Mapping[str, Decimal | str | int],
    reason: str,
    seals: Sequence[SealIn] = (),
    now: dt.datetime | None = None,
) -> Installation:
    """Replace the live meter of the connection atomically: the old installation closes at
    `exchanged_at` with its final reads and the new one opens at the same instant with its
    initial reads. Nothing changes when any part is refused. Returns the new installation."""
    moment = now or clock.now()
    _check_moment(exchanged_at, moment)
    if not reason.strip():
        raise _fail("reason", "required", "A reason is required")
    with transaction.atomic():
        new_meter = _meter(new_meter_number)
        connection = _connection(principal, idpel, new_meter.utility)
        old = _live_installation(connection)
        if old.meter_id == new_meter.pk:
            raise Conflict("That meter is already installed here", code="same_meter")
        final = _clean_reads(old.meter, final_reads, "final_reads")
        initial = _clean_reads(new_meter, initial_reads, "initial_reads")
        _remove(
            installation=old, at=exchanged_at, final_reads=final, principal=principal, now=moment
        )
        new = _install(
            connection=connection,
            meter=new_meter,
            at=exchanged_at,
            initial_reads=initial,
            seals=seals,
            principal=principal,
            reason=reason,
            now=moment,
        )
        audit.record(
            "metering.meter.exchanged",
            actor=principal.actor,
            subject_type="metering.installation",
            subject_ids=[old.pk, new.pk, connection.pk],
            changes={
                "meter_number": {"old": old.meter.number, "new": new_meter.number},
                "exchanged_at": exchanged_at.isoformat(),
                "final_reads": {k: str(v) for k, v in final.items()},
                "initial_reads": {k: str(v) for k, v in initial.items()},
            },
            reason=reason,
            occurred_at=moment,
        )
    return new


def apply_seal(
    *,
    principal: Principal,
    idpel: str,
    utility: str,
    seal: SealIn,
    applied_at: dt.datetime,
    replaces_number: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> Seal:
    """Apply a seal to the live meter of the connection, optionally replacing (removing) a
    seal in place there (after an inspection broke it). Raises NotFound, ValidationFailed,
    Conflict (the number is in use)."""
    moment = now or clock.now()
    _check_moment(applied_at, moment)
    with transaction.atomic():
        connection = _connection(principal, idpel, utility)
        installation = _live_installation(connection)
        if applied_at < installation.installed_at:
            raise _fail("applied_at", "before_installation", "The seal predates the installation")
        removed = ""
        if replaces_number:
            old = Seal.objects.filter(
                installation=installation,
                number=replaces_number.strip().upper(),
                removed_at__isnull=True,
            ).first()
            if old is None:
                raise NotFound("No such seal on this meter", code="seal_not_found")
            old.removed_at = applied_at
            old.removed_by_label = principal.username
            old.removal_reason = reason[:200]
            old.save(update_fields=["removed_at", "removed_by_label", "removal_reason"])
            removed = old.number
        (row,) = _apply_seals([seal], at=applied_at, principal=principal, installation=installation)
        audit.record(
            "metering.seal.applied",
            actor=principal.actor,
            subject_type="metering.installation",
            subject_ids=[installation.pk],
            changes={"number": row.number, "location": row.location, "replaces": removed},
            reason=reason,
            occurred_at=moment,
        )
    return row
