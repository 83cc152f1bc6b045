"""Demo meters: every live demo connection gets a meter, an installation with its initial read
and a seal; postpaid and water connections get six months of monthly reads (the last one run
through the real read validation, a few made implausible so the review queue has work); smart
prepaid meters get STS key data (development keys), a modem with its seal, and most of them a
SIM pairing with the customer's phone.

Written in bulk (platform.bulk) because the demo has ten thousand customers; deterministic from
the seed; idempotent (does nothing when meters exist). One audit event records the counts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from pelanggan.customers.models import PersonPhone, ServiceConnection, ServiceTerms
from pelanggan.metering.models import (
    Installation,
    Meter,
    MeterKind,
    MeterStatus,
    Modem,
    ModemInstallation,
    PairedBy,
    Pairing,
    ReadPurpose,
    ReadSource,
    ReadStatus,
    RegisterRead,
    ReviewItem,
    Seal,
    SealLocation,
    SimCard,
)
from pelanggan.metering.read_rules import PriorRead, ReadFacts, Thresholds, check_read
from pelanggan.metering.registers import register_span
from pelanggan.metering.services.pairing import PHONE_INDEX_PURPOSE
from pelanggan.metering.validation import luhn_valid
from pelanggan.platform import audit, clock, crypto
from pelanggan.platform.bulk import db_value, insert_rows

READ_MONTHS = 6
DEFAULT_INSTALL = dt.date(2019, 1, 1)
ENERGY = Decimal("0.001")


@dataclass
class _Conn:
    id: int
    utility: str
    number: str
    installed_on: dt.date
    active: bool
    account_id: int
    payment_mode: str
    daya_va: int | None


def _luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _kind(conn: _Conn, rng: random.Random) -> tuple[str, int, bool, bool]:
    """(kind, phases, two-rate, kVArh) for a connection."""
    if conn.utility == "water":
        return MeterKind.WATER, 1, False, False
    daya = conn.daya_va or 1300
    phases = 3 if daya > 5500 else 1
    if conn.payment_mode == "prepaid" and len(conn.number) == 11:
        kind = MeterKind.SMART_PREPAID if rng.random() < 0.08 else MeterKind.PREPAID_STS
        return kind, phases, False, False
    if rng.random() < 0.04:
        return MeterKind.SMART_POSTPAID, phases, daya >= 33000, daya >= 33000
    kind = MeterKind.POSTPAID_THREE_PHASE if phases == 3 else MeterKind.POSTPAID_SINGLE_PHASE
    return kind, phases, daya >= 33000, daya >= 33000


def _connections() -> list[_Conn]:
    terms = {
        conn_id: (mode, daya)
        for conn_id, mode, daya in ServiceTerms.objects.filter(valid_to__isnull=True).values_list(
            "connection_id", "payment_mode", "daya_va"
        )
    }
    rows = ServiceConnection.objects.filter(disconnected_on__isnull=True).order_by("id")
    seen: set[tuple[str, str]] = set()
    found: list[_Conn] = []
    for conn_id, utility, number, connected_on, status, account_id in rows.values_list(
        "id", "utility", "meter_number", "connected_on", "account__status", "account_id"
    ):
        if (utility, number) in seen or not number:
            continue
        seen.add((utility, number))
        mode, daya = terms.get(conn_id, ("postpaid", None))
        found.append(
            _Conn(
                conn_id,
                utility,
                number,
                connected_on or DEFAULT_INSTALL,
                status == "active",
                account_id,
                mode,
                daya,
            )
        )
    return found


def build_demo_meters(
    *, seed: int, actor: audit.Actor, as_of: dt.date, progress: Callable[[str], Any] = print
) -> dict[str, int]:
    """Give every live demo connection a meter (see the module docstring). Returns counts."""
    rng = random.Random(seed + 4)  # noqa: S311 - demo data, not security
    now = clock.now()
    with transaction.atomic():
        if Meter.objects.exists():
            return {"meters": 0}
        connections = _connections()
        progress(f"Installing {len(connections)} demo meters...")
        plans = [(conn, *_kind(conn, rng)) for conn in connections]
        meter_ids = insert_rows(
            Meter,
            (
                "number",
                "utility",
                "kind",
                "manufacturer",
                "model",
                "phases",
                "is_two_rate",
                "has_kvarh_register",
                "meter_factor",
                "register_digits",
                "status",
                "created_at",
                "updated_at",
            ),
            [
                (
                    conn.number,
                    conn.utility,
                    kind,
                    rng.choice(_MAKERS[conn.utility]),
                    "",
                    phases,
                    two_rate,
                    kvarh,
                    db_value(Decimal(1)),
                    5 if conn.utility == "water" else 6,
                    MeterStatus.INSTALLED,
                    db_value(now),
                    db_value(now),
                )
                for conn, kind, phases, two_rate, kvarh in plans
            ],
            returning_id=True,
        )
        installed_at = [
            clock.wib(c.installed_on.year, c.installed_on.month, c.installed_on.day)
            for c, *_ in plans
        ]
        installation_ids = insert_rows(
            Installation,
            (
                "meter_id",
                "connection_id",
                "installed_at",
                "removed_at",
                "installed_by",
                "removed_by",
                "reason",
            ),
            [
                (meter_id, conn.id, db_value(at), None, actor.label, "", "demo")
                for meter_id, (conn, *_), at in zip(meter_ids, plans, installed_at, strict=True)
            ],
            returning_id=True,
        )
        insert_rows(
            Seal,
            (
                "number",
                "location",
                "installation_id",
                "modem_installation_id",
                "applied_at",
                "applied_by_id",
                "applied_by_label",
                "removed_at",
                "removed_by_label",
                "removal_reason",
            ),
            [
                (
                    f"SG{inst_id:08d}",
                    SealLocation.TERMINAL_COVER,
                    inst_id,
                    None,
                    db_value(at),
                    None,
                    actor.label,
                    None,
                    "",
                    "",
                )
                for inst_id, at in zip(installation_ids, installed_at, strict=True)
            ],
            returning_id=False,
        )
        counts = _reads(
            plans, installation_ids, installed_at, rng=rng, actor=actor, now=now, as_of=as_of
        )
        smart = [
            (meter_id, conn)
            for meter_id, (conn, kind, *_) in zip(meter_ids, plans, strict=True)
            if kind == MeterKind.SMART_PREPAID
        ]
        when = dict(zip(meter_ids, installed_at, strict=True))
        counts.update(_two_way(smart, installed_at_of=when, rng=rng, actor=actor, now=now))
        counts["meters"] = len(meter_ids)
        audit.record(
            "metering.demo.built",
            actor=actor,
            subject_type="demo",
            subject_ids=["meters"],
            changes=counts,
        )
    counts["sts_key_data"] = _sts_key_data([conn.number for _, conn in smart], actor=actor)
    return counts


_MAKERS = {
    "electricity": ["Hexing", "Itron", "Sanxing", "Star", "Wasion", "Landis+Gyr"],
    "water": ["Itron", "Amico", "Linflow", "Sensus"],
}


def _month_starts(first: dt.date, as_of: dt.date) -> list[dt.datetime]:
    months = []
    year, month = as_of.year, as_of.month
    for _ in range(READ_MONTHS):
        moment = clock.wib(year, month, 1)
        if moment.date() > first:
            months.append(moment)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(months)


def _reads(
    plans: list[tuple[_Conn, str, int, bool, bool]],
    installation_ids: list[int],
    installed_at: list[dt.datetime],
    *,
    rng: random.Random,
    actor: audit.Actor,
    now: dt.datetime,
    as_of: dt.date,
) -> dict[str, int]:
    """Initial reads for every installation, monthly reads for postpaid and water."""
    limits = Thresholds()
    rows: list[tuple[Any, ...]] = []
    flagged: list[tuple[int, list[dict[str, Any]]]] = []  # (row index, reasons)
    for (conn, _kind, _phases, two_rate, _kvarh), inst_id, start in zip(
        plans, installation_ids, installed_at, strict=True
    ):
        registers = ["m3"] if conn.utility == "water" else ["kwh_total"]
        if two_rate:
            registers += ["kwh_wbp", "kwh_lwbp"]
        span = register_span(5 if conn.utility == "water" else 6)
        for register in registers:
            rows.append(_read_row(inst_id, register, start, Decimal(0), ReadPurpose.INSTALL,
                                  ReadStatus.ACCEPTED, actor, now))  # fmt: skip
        if conn.payment_mode == "prepaid" and conn.utility == "electricity":
            continue
        if conn.utility == "water":
            monthly = Decimal(rng.randint(8, 35))
        else:
            load = Decimal(str(round(rng.uniform(0.08, 0.25), 3)))
            monthly = Decimal(conn.daya_va or 1300) / 1000 * 720 * load
        months = _month_starts(start.date(), as_of)
        if not months:
            continue
        elapsed_days = Decimal((months[0] - start).days)
        value = (monthly * elapsed_days / 30).quantize(ENERGY)
        anomaly = rng.random()
        if anomaly < 0.005:
            months = months[:-1]  # a missing read: billing estimates it
        history: list[tuple[dt.datetime, Decimal]] = []
        for index, moment in enumerate(months):
            if index:
                value += (monthly * Decimal(str(round(rng.uniform(0.85, 1.15), 3)))).quantize(
                    ENERGY
                )
            shown = value
            last = index == len(months) - 1
            if last and anomaly > 0.97:
                shown = history[-1][1] if history else value  # register did not move
            elif last and 0.94 < anomaly <= 0.97:
                shown = value + monthly * 4  # spike
            elif last and 0.92 < anomaly <= 0.94 and history:
                shown = max(history[-1][1] - 50, Decimal(0))  # reads lower than last month
            shown = (shown % span).quantize(ENERGY)
            status = ReadStatus.ACCEPTED
            if last and history:
                verdict = _check(conn, registers[0], shown, moment, history, limits, span)
                if verdict:
                    status = ReadStatus.PENDING_REVIEW
                    flagged.append((len(rows), verdict))
            rows.append(_read_row(inst_id, registers[0], moment, shown, ReadPurpose.CYCLE,
                                  status, actor, now, source=_source(rng)))  # fmt: skip
            history.append((moment, shown))
    read_ids = insert_rows(
        RegisterRead,
        (
            "installation_id",
            "register",
            "read_at",
            "value",
            "source",
            "purpose",
            "status",
            "is_estimated",
            "estimation_method",
            "replaces_id",
            "photo_path",
            "photo_sha256",
            "submitted_by",
            "created_at",
        ),
        rows,
        returning_id=True,
    )
    ReviewItem.objects.bulk_create(
        ReviewItem(read_id=read_ids[index], reasons=reasons, created_at=now)
        for index, reasons in flagged
    )
    return {"reads": len(rows), "reviews": len(flagged)}


def _source(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return ReadSource.MANUAL
    return ReadSource.SELF_READ if roll < 0.7 else ReadSource.AMI


def _check(
    conn: _Conn,
    register: str,
    value: Decimal,
    moment: dt.datetime,
    history: list[tuple[dt.datetime, Decimal]],
    limits: Thresholds,
    span: Decimal,
) -> list[dict[str, Any]]:
    """The real validation rules over the generated history."""
    rates = []
    for (t0, v0), (t1, v1) in itertools.pairwise(history):
        units = v1 - v0 if v1 >= v0 else v1 + span - v0
        rates.append(units * 86400 / Decimal((t1 - t0).total_seconds()))
    previous = history[-1]
    verdict = check_read(
        ReadFacts(
            register=register,
            value=value,
            read_at=moment,
            previous=PriorRead(previous[1], previous[0]),
            register_digits=5 if conn.utility == "water" else 6,
            meter_factor=Decimal(1),
            connection_active=conn.active,
            daya_va=conn.daya_va if conn.utility == "electricity" else None,
            recent_values=[v for _, v in reversed(history)],
            history_daily=rates,
        ),
        limits,
    )
    return [{"code": f.code, "detail": f.detail} for f in verdict.findings]


def _read_row(
    inst_id: int,
    register: str,
    at: dt.datetime,
    value: Decimal,
    purpose: str,
    status: str,
    actor: audit.Actor,
    now: dt.datetime,
    *,
    source: str = ReadSource.MANUAL,
) -> tuple[Any, ...]:
    return (inst_id, register, db_value(at), db_value(value), source, purpose, status, False,
            "", None, "", "", actor.label, db_value(now))  # fmt: skip


def _two_way(
    smart: list[tuple[int, _Conn]],
    *,
    installed_at_of: dict[int, dt.datetime],
    rng: random.Random,
    actor: audit.Actor,
    now: dt.datetime,
) -> dict[str, int]:
    """Modems with seals for every smart prepaid meter; SIM pairings for most of them."""
    if not smart:
        return {"modems": 0, "pairings": 0}
    modems = Modem.objects.bulk_create(
        Modem(
            serial=f"HX{meter_id:08d}",
            imei=_luhn_complete(f"86{rng.randrange(10**11, 10**12)}"),
            manufacturer="Hexing",
            model="HXE-GPRS",
            created_at=now,
        )
        for meter_id, _ in smart
    )
    fitted = ModemInstallation.objects.bulk_create(
        ModemInstallation(
            modem=modem,
            meter_id=meter_id,
            installed_at=installed_at_of[meter_id] + dt.timedelta(hours=1),
            installed_by=actor.label,
        )
        for modem, (meter_id, _) in zip(modems, smart, strict=True)
    )
    Seal.objects.bulk_create(
        Seal(
            number=f"MD{row.pk:08d}",
            location=SealLocation.MODEM,
            modem_installation=row,
            applied_at=row.installed_at,
            applied_by_label=actor.label,
        )
        for row in fitted
    )
    phones = _primary_phones([conn.account_id for _, conn in smart])
    pairings = []
    for index, (meter_id, conn) in enumerate(smart):
        phone = phones.get(conn.account_id)
        if phone is None or not phone.startswith("+628") or rng.random() < 0.25:
            continue
        operator, prefix = rng.choice([("telkomsel", "811"), ("indosat", "857"), ("xl", "817")])
        sim = SimCard(
            iccid=_luhn_complete(f"8962{index:014d}"),
            msisdn=f"+62{prefix}{rng.randrange(10**7, 10**8)}",
            operator=operator,
            created_at=now,
        )
        pairings.append((meter_id, sim, phone))
    SimCard.objects.bulk_create(sim for _, sim, _ in pairings)
    Pairing.objects.bulk_create(
        Pairing(
            meter_id=meter_id,
            sim=sim,
            customer_phone=phone,
            customer_phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX_PURPOSE),
            paired_from=installed_at_of[meter_id] + dt.timedelta(hours=2),
            paired_by=PairedBy.OPERATOR_API if rng.random() < 0.7 else PairedBy.TECHNICIAN,
            paired_by_label=sim.get_operator_display(),
        )
        for meter_id, sim, phone in pairings
    )
    return {"modems": len(modems), "pairings": len(pairings)}


def _primary_phones(account_ids: list[int]) -> dict[int, str]:
    phones: dict[int, str] = {}
    rows = PersonPhone.objects.filter(
        person__accounts__id__in=account_ids, kind="mobile"
    ).values_list("person__accounts__id", "number", "is_primary")
    for account_id, number, primary in rows:
        if number and (primary or account_id not in phones):
            phones[account_id] = number
    return phones


def _sts_key_data(numbers: list[str], *, actor: audit.Actor) -> int:
    """STS key data for the smart prepaid meters, under the development vending keys (tokens
    made with them work only on simulated meters). Meters that already have key data are
    left alone."""
    from pelanggan.platform.errors import DomainError
    from pelanggan.prepaid.services import register_meter_key_data
    from pelanggan.prepaid.services.keys import DEVELOPMENT_SUPPLY_GROUP_CODE, init_development_keys
    from pelanggan.prepaid.sts import BaseDate, EncryptionAlgorithm

    if not numbers:
        return 0
    init_development_keys(actor=actor)
    written = 0
    for number in numbers:
        try:
            register_meter_key_data(
                meter_number=number,
                supply_group_code=DEVELOPMENT_SUPPLY_GROUP_CODE,
                tariff_index="01",
                key_revision_number=1,
                base_date=BaseDate.Y2014,
                dkga="04",
                algorithm=EncryptionAlgorithm.STA,
                actor=actor,
            )
            written += 1
        except DomainError:
            continue
    return written
