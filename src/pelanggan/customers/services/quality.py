"""Data-quality checks of the customer master.

`scan_data_quality` finds duplicates (same NIK under different names, one phone shared by
different persons, several accounts at one premise) and records them as findings for staff to
resolve; nothing is merged. `quality_report` gives completeness and consistency percentages per
ULP without decrypting anything (it counts present values and findings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from pelanggan.customers.models import (
    Account,
    DataQualityFinding,
    FindingKind,
    Person,
    PersonPhone,
    Premise,
)
from pelanggan.platform import audit, clock
from pelanggan.security.selectors import ulps as list_ulps


@dataclass(frozen=True)
class ScanResult:
    open_findings: dict[str, int]
    resolved: int


def _upsert(
    kind: str,
    key: str,
    account_ids: list[int],
    person_ids: list[int],
    ulp_ids: dict[int, int],
    now: dt.datetime,
) -> None:
    ulp = ulp_ids.get(account_ids[0]) if account_ids else None
    DataQualityFinding.objects.update_or_create(
        kind=kind,
        key=key,
        defaults={
            "account_ids": sorted(account_ids),
            "person_ids": sorted(person_ids),
            "ulp_id": ulp,
            "last_seen_at": now,
            "resolved_at": None,
        },
        create_defaults={
            "account_ids": sorted(account_ids),
            "person_ids": sorted(person_ids),
            "ulp_id": ulp,
            "first_seen_at": now,
            "last_seen_at": now,
        },
    )


def scan_data_quality(*, actor: audit.Actor) -> ScanResult:
    """Recompute duplicate findings; findings no longer present are marked resolved."""
    now = clock.now()
    with transaction.atomic():
        account_ulp = dict(Account.objects.values_list("id", "ulp_id"))
        seen: set[tuple[str, str]] = set()

        nik_keys = (
            Person.objects.exclude(nik_index="")
            .values("nik_index")
            .annotate(names=Count("name_index", distinct=True))
            .filter(names__gt=1)
            .values_list("nik_index", flat=True)
        )
        for key in nik_keys:
            persons = list(Person.objects.filter(nik_index=key).values_list("id", flat=True))
            accounts = list(
                Account.objects.filter(owner_id__in=persons).values_list("id", flat=True)
            )
            _upsert(FindingKind.DUPLICATE_NIK, key, accounts, persons, account_ulp, now)
            seen.add((FindingKind.DUPLICATE_NIK, key))

        phone_keys = (
            PersonPhone.objects.values("number_index")
            .annotate(persons=Count("person", distinct=True))
            .filter(persons__gt=1)
            .values_list("number_index", flat=True)
        )
        for key in phone_keys:
            persons = list(
                PersonPhone.objects.filter(number_index=key).values_list("person_id", flat=True)
            )
            accounts = list(
                Account.objects.filter(owner_id__in=persons).values_list("id", flat=True)
            )
            _upsert(FindingKind.SHARED_PHONE, key, accounts, persons, account_ulp, now)
            seen.add((FindingKind.SHARED_PHONE, key))

        premise_keys = (
            Premise.objects.values("address_index")
            .annotate(n=Count("accounts", distinct=True))
            .filter(n__gt=1)
            .values_list("address_index", flat=True)
        )
        for key in premise_keys:
            pairs: list[tuple[int, int]] = list(
                Account.objects.filter(premise__address_index=key).values_list("id", "owner_id")
            )
            _upsert(
                FindingKind.SAME_PREMISE,
                key,
                [a for a, _ in pairs],
                sorted({p for _, p in pairs}),
                account_ulp,
                now,
            )
            seen.add((FindingKind.SAME_PREMISE, key))

        stale = DataQualityFinding.objects.filter(resolved_at__isnull=True)
        resolved = 0
        for finding in stale:
            if (finding.kind, finding.key) not in seen:
                finding.resolved_at = now
                finding.save(update_fields=["resolved_at"])
                resolved += 1
        counts = dict(
            DataQualityFinding.objects.filter(resolved_at__isnull=True)
            .values("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        audit.record(
            "customers.quality.scanned",
            actor=actor,
            subject_type="dil",
            subject_ids=["all"],
            changes={"open": counts, "resolved": resolved},
        )
    return ScanResult(counts, resolved)


@dataclass(frozen=True)
class UnitQuality:
    ulp_code: str
    ulp_name: str
    accounts: int
    completeness: dict[str, Decimal]
    findings: dict[str, int]
    consistency: Decimal

    @property
    def completeness_overall(self) -> Decimal:
        values = list(self.completeness.values())
        return (
            (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"))
            if values
            else Decimal(0)
        )


@dataclass(frozen=True)
class QualityReport:
    units: list[UnitQuality]


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def quality_report(*, ulp_ids: frozenset[int] | None = None) -> QualityReport:
    """Completeness and consistency per ULP (all ULPs when `ulp_ids` is None)."""
    ulps = list_ulps(ulp_ids=ulp_ids)
    has_phone = Exists(PersonPhone.objects.filter(person_id=OuterRef("owner_id")))
    open_findings = list(
        DataQualityFinding.objects.filter(resolved_at__isnull=True).values_list(
            "kind", "account_ids"
        )
    )
    units = []
    for ulp in ulps:
        accounts = Account.objects.filter(ulp=ulp).annotate(has_phone=has_phone)
        stats = accounts.aggregate(
            total=Count("id"),
            nik=Count("id", filter=~Q(owner__nik__isnull=True)),
            birth=Count("id", filter=~Q(owner__birth_date__isnull=True)),
            email=Count("id", filter=~Q(owner__email__isnull=True)),
            phone=Count("id", filter=Q(has_phone=True)),
            coords=Count("id", filter=~Q(premise__latitude__isnull=True)),
            postal=Count("id", filter=~Q(premise__postal_code="")),
        )
        total = stats["total"]
        ids = set(accounts.values_list("id", flat=True))
        findings: dict[str, int] = {}
        flagged: set[int] = set()
        for kind, account_ids in open_findings:
            mine = ids.intersection(account_ids)
            if mine:
                findings[kind] = findings.get(kind, 0) + len(mine)
                flagged |= mine
        units.append(
            UnitQuality(
                ulp_code=ulp.code,
                ulp_name=ulp.name,
                accounts=total,
                completeness={
                    "nik": _pct(stats["nik"], total),
                    "phone": _pct(stats["phone"], total),
                    "email": _pct(stats["email"], total),
                    "birth_date": _pct(stats["birth"], total),
                    "coordinates": _pct(stats["coords"], total),
                    "postal_code": _pct(stats["postal"], total),
                },
                findings=findings,
                consistency=_pct(total - len(flagged), total),
            )
        )
    return QualityReport(units)
