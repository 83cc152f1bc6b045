"""The customer master's side of data-subject rights (UU PDP): export everything held about a
person, erase or anonymise their identifiers, consents and processing limits.

The privacy context decides *what* to do (its field registry and retention policy); these
functions know *how* to do it on the customer tables. Writes run in one transaction with their
audit record; audit rows carry ids and field names, never values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from pelanggan.customers.models import (
    Account,
    AccountStatus,
    Consent,
    ConsentPurpose,
    DataQualityFinding,
    LimitKind,
    Person,
    PersonNameWord,
    Premise,
    ProcessingLimit,
)
from pelanggan.customers.services.writer import nik_index
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

# Processing purposes a consent, restriction or objection can name, with their labels.
PURPOSES: dict[str, str] = {str(value): str(label) for value, label in ConsentPurpose.choices}
LIMIT_KINDS: dict[str, str] = {str(value): str(label) for value, label in LimitKind.choices}

# What an erased text field reads afterwards (the columns are not nullable).
ERASED_TEXT = "(dihapus)"

# Registry keys (`app.model.field`) this module knows how to erase.
PERSON_KEYS = frozenset(
    {
        "customers.person.full_name",
        "customers.person.nik",
        "customers.person.birth_date",
        "customers.person.gender",
        "customers.person.email",
        "customers.personphone.number",
        "customers.emergencycontact.name",
        "customers.emergencycontact.phone",
    }
)
ACCOUNT_KEYS = frozenset(
    {
        "customers.premise.street",
        "customers.premise.latitude",
        "customers.premise.longitude",
        "customers.account.billing_address",
    }
)
ERASABLE_KEYS = PERSON_KEYS | ACCOUNT_KEYS


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# ------------------------------------------------------------------------------- lookups


def person_id_for(*, idpel: str, principal: Principal) -> int:
    """The owner of an account the caller may see; NotFound otherwise (same as missing)."""
    account = Account.objects.filter(idpel=idpel).only("owner_id", "ulp_id").first()
    if account is None or not principal.can_see_ulp(account.ulp_id):
        raise NotFound("Customer not found", code="customer_not_found")
    return account.owner_id


def person_id_for_nik(*, nik: str, principal: Principal) -> int:
    """The person holding this NIK with an account the caller may see (by blind index).

    NotFound when nobody does; Conflict when several persons share the NIK (a data-quality
    finding to resolve first), so a request is never filed against the wrong person.
    """
    digits = "".join(ch for ch in nik if ch.isdigit())
    if len(digits) != 16:
        raise ValidationFailed.single(
            "nik", "nik_length", "A NIK has 16 digits", "NIK terdiri dari 16 angka"
        )
    accounts = Account.objects.filter(owner__nik_index=nik_index(digits))
    if not principal.national:
        accounts = accounts.filter(ulp_id__in=principal.ulp_ids)
    owners = set(accounts.values_list("owner_id", flat=True))
    if not owners:
        raise NotFound("Customer not found", code="customer_not_found")
    if len(owners) > 1:
        raise Conflict(
            "Several persons hold this NIK: identify the person by IDPEL", code="nik_ambiguous"
        )
    return owners.pop()


@dataclass(frozen=True)
class PersonSummary:
    person_id: int
    full_name: str
    idpels: list[str]
    erased: bool
    anonymised: bool


def person_summaries(person_ids: Collection[int]) -> dict[int, PersonSummary]:
    """Name and IDPELs of persons, for the privacy officer's lists (decrypts names)."""
    accounts: dict[int, list[str]] = {}
    for owner_id, idpel in Account.objects.filter(owner_id__in=person_ids).values_list(
        "owner_id", "idpel"
    ):
        accounts.setdefault(owner_id, []).append(idpel)
    return {
        p.pk: PersonSummary(
            p.pk,
            p.full_name,
            sorted(accounts.get(p.pk, [])),
            p.erased_at is not None,
            p.anonymised_at is not None,
        )
        for p in Person.objects.filter(pk__in=person_ids).only(
            "id", "full_name", "erased_at", "anonymised_at"
        )
    }


def idpels_of(person_id: int) -> list[str]:
    return sorted(Account.objects.filter(owner_id=person_id).values_list("idpel", flat=True))


def person_exists(person_id: int) -> bool:
    return Person.objects.filter(pk=person_id).exists()


# ------------------------------------------------------------------------------- export


def person_data(person_id: int) -> dict[str, Any]:
    """Everything the customer master holds about a person, decrypted, as JSON-ready values.

    For the data subject's own copy (UU PDP Pasal 7 and 13); the caller audits the export.
    """
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("Person not found", code="person_not_found")
    accounts = []
    for account in (
        Account.objects.filter(owner=person).select_related("premise", "ulp").order_by("idpel")
    ):
        premise = account.premise
        accounts.append(
            {
                "idpel": account.idpel,
                "status": account.status,
                "ulp": {"code": account.ulp.code, "name": account.ulp.name},
                "billing_address": account.billing_address,
                "data_source": account.data_source,
                "created_at": _iso(account.created_at),
                "premise": {
                    "street": premise.street,
                    "rt": premise.rt,
                    "rw": premise.rw,
                    "village_code": premise.village_code,
                    "kelurahan": premise.kelurahan,
                    "kecamatan": premise.kecamatan,
                    "kabupaten_kota": premise.kabupaten_kota,
                    "provinsi": premise.provinsi,
                    "postal_code": premise.postal_code,
                    "latitude": _iso(premise.latitude),
                    "longitude": _iso(premise.longitude),
                },
                "connections": [
                    {
                        "utility": c.utility,
                        "meter_number": c.meter_number,
                        "connected_on": _iso(c.connected_on),
                        "disconnected_on": _iso(c.disconnected_on),
                        "terms": [
                            {
                                "valid_from": _iso(t.valid_from),
                                "valid_to": _iso(t.valid_to),
                                "payment_mode": t.payment_mode,
                                "tariff_group": t.tariff_group,
                                "daya_va": t.daya_va,
                                "customer_group": t.customer_group,
                                "pipe_size_mm": t.pipe_size_mm,
                            }
                            for t in c.terms.order_by("valid_from")
                        ],
                    }
                    for c in account.connections.order_by("id")
                ],
                "assets": [
                    {
                        "kind": a.kind,
                        "capacity_kwp": _iso(a.capacity_kwp),
                        "export_meter_number": a.export_meter_number,
                        "installed_on": _iso(a.installed_on),
                    }
                    for a in account.assets.order_by("id")
                ],
                "programmes": [
                    {
                        "code": p.programme_code,
                        "name": p.programme_name,
                        "enrolled_on": _iso(p.enrolled_on),
                        "ended_on": _iso(p.ended_on),
                    }
                    for p in account.programmes.order_by("enrolled_on")
                ],
            }
        )
    return {
        "person": {
            "full_name": person.full_name,
            "nik": person.nik,
            "birth_date": _iso(person.birth_date),
            "gender": person.gender,
            "email": person.email,
            "data_source": person.data_source,
            "created_at": _iso(person.created_at),
            "updated_at": _iso(person.updated_at),
            "erased_at": _iso(person.erased_at),
            "anonymised_at": _iso(person.anonymised_at),
        },
        "phones": [
            {"number": p.number, "kind": p.kind, "primary": p.is_primary}
            for p in person.phones.order_by("-is_primary", "id")
        ],
        "emergency_contacts": [
            {"name": c.name, "phone": c.phone, "relationship": c.relationship}
            for c in person.emergency_contacts.order_by("id")
        ],
        "accounts": accounts,
        "consents": [
            {
                "purpose": c.purpose,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
                "channel": c.channel,
                "evidence": c.evidence,
            }
            for c in person.consents.order_by("given_at", "id")
        ],
        "processing_limits": [
            {
                "kind": limit.kind,
                "purpose": limit.purpose,
                "started_at": _iso(limit.started_at),
                "ended_at": _iso(limit.ended_at),
                "reason": limit.reason,
            }
            for limit in person.processing_limits.order_by("started_at", "id")
        ],
    }


# ------------------------------------------------------------------------------- consent


def has_active_consent(person_id: int, purpose: str) -> bool:
    """Whether the person has a live consent for `purpose` (and has not been erased).

    Other contexts call this before processing for a consent-based purpose (marketing,
    analytics, third-party sharing): after a withdrawal it answers False at once.
    """
    return Consent.objects.filter(
        person_id=person_id,
        purpose=purpose,
        withdrawn_at__isnull=True,
        person__erased_at__isnull=True,
    ).exists()


def processing_allowed(person_id: int, purpose: str) -> bool:
    """A live consent for `purpose`, no live restriction of all processing or of this purpose,
    and no objection against this purpose."""
    if not has_active_consent(person_id, purpose):
        return False
    return not ProcessingLimit.objects.filter(
        Q(purpose="") | Q(purpose=purpose), person_id=person_id, ended_at__isnull=True
    ).exists()


def withdraw_person_consent(
    *, person_id: int, purpose: str, actor: audit.Actor, reason: str = ""
) -> Consent | None:
    """End the live consent of a person for `purpose` (UU PDP Pasal 9); None if none is live.

    Publishes `customers.consent.withdrawn` so contexts processing for the purpose stop.
    """
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed.single("purpose", "choice_invalid", "Unknown consent purpose")
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(person_id=person_id, purpose=purpose, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            return None
        consent.withdrawn_at = clock.now()
        consent.save(update_fields=["withdrawn_at"])
        idpels = idpels_of(person_id)
        audit.record(
            "customers.consent.withdrawn",
            actor=actor,
            subject_type="account",
            subject_ids=idpels,
            changes={"purpose": audit.change(purpose, None)},
            reason=reason,
        )
        outbox.publish(
            "customers.consent.withdrawn",
            {"idpels": idpels, "person_id": person_id, "purpose": purpose},
        )
    return consent


# ------------------------------------------------------------------------------- limits


def limit_processing(
    *,
    person_id: int,
    kind: str,
    purpose: str,
    actor: audit.Actor,
    reason: str,
    request_ref: str = "",
) -> ProcessingLimit:
    """Record a restriction (UU PDP Pasal 11) or an objection (Pasal 10); idempotent."""
    if kind not in LimitKind.values:
        raise ValidationFailed.single("kind", "choice_invalid", "Unknown limit kind")
    if purpose and purpose not in ConsentPurpose.values:
        raise ValidationFailed.single("purpose", "choice_invalid", "Unknown processing purpose")
    if kind == LimitKind.OBJECTION and not purpose:
        raise ValidationFailed.single(
            "purpose", "required", "An objection names the purpose objected to"
        )
    with transaction.atomic():
        if not Person.objects.select_for_update().filter(pk=person_id).exists():
            raise NotFound("Person not found", code="person_not_found")
        live = ProcessingLimit.objects.filter(
            person_id=person_id, kind=kind, purpose=purpose, ended_at__isnull=True
        ).first()
        if live is not None:
            return live
        limit = ProcessingLimit.objects.create(
            person_id=person_id,
            kind=kind,
            purpose=purpose,
            started_at=clock.now(),
            reason=reason[:300],
            request_ref=request_ref,
        )
        audit.record(
            "customers.processing.limited",
            actor=actor,
            subject_type="person",
            subject_ids=[person_id],
            changes={"kind": audit.change(None, kind), "purpose": audit.change(None, purpose)},
            reason=reason,
        )
        outbox.publish(
            "customers.processing.limited",
            {"person_id": person_id, "kind": kind, "purpose": purpose},
        )
    return limit


def lift_processing_limit(
    *, person_id: int, kind: str, purpose: str, actor: audit.Actor, reason: str
) -> ProcessingLimit:
    with transaction.atomic():
        limit = (
            ProcessingLimit.objects.select_for_update()
            .filter(person_id=person_id, kind=kind, purpose=purpose, ended_at__isnull=True)
            .first()
        )
        if limit is None:
            raise NotFound("No live limit of this kind", code="limit_not_found")
        limit.ended_at = clock.now()
        limit.save(update_fields=["ended_at"])
        audit.record(
            "customers.processing.resumed",
            actor=actor,
            subject_type="person",
            subject_ids=[person_id],
            changes={"kind": audit.change(kind, None), "purpose": audit.change(purpose, None)},
            reason=reason,
        )
    return limit


def restricted_person_ids(person_ids: Collection[int] | None = None) -> set[int]:
    """Persons under a live restriction of all processing."""
    query = ProcessingLimit.objects.filter(
        kind=LimitKind.RESTRICTION, purpose="", ended_at__isnull=True
    )
    if person_ids is not None:
        query = query.filter(person_id__in=person_ids)
    return set(query.values_list("person_id", flat=True))


def hide_restricted(*, hits: Sequence[Any], total: int, principal: Principal) -> tuple[Any, int]:
    """Drop search hits of restricted persons unless the caller handles privacy requests.

    Search selectors call this on each page of hits (objects with an `idpel`); the total drops
    by the hits hidden on the page. Restricted persons are rare, and a privacy officer still
    finds them.
    """
    if not hits or principal.has(Perm.PRIVACY_REQUESTS_MANAGE):
        return list(hits), total
    owners = dict(
        Account.objects.filter(idpel__in=[h.idpel for h in hits]).values_list("idpel", "owner_id")
    )
    hidden = restricted_person_ids(set(owners.values()))
    if not hidden:
        return list(hits), total
    kept = [h for h in hits if owners.get(h.idpel) not in hidden]
    return kept, max(0, total - (len(hits) - len(kept)))


# ------------------------------------------------------------------------------- retention facts


@dataclass(frozen=True)
class AccountRetention:
    """When an account's retention clock starts: None while the account is live."""

    account_id: int
    idpel: str
    status: str
    ended_on: dt.date | None


def account_retention(person_id: int) -> list[AccountRetention]:
    """Per account of the person: the date its service ended, or None while live.

    An account ends when it is terminated (bongkar rampung) and every connection is
    disconnected; the end date is the last disconnection (or the account's last change when it
    had no connection).
    """
    found = []
    for account in Account.objects.filter(owner_id=person_id).order_by("idpel"):
        found.append(
            AccountRetention(account.pk, account.idpel, account.status, _ended_on(account))
        )
    return found


def _ended_on(account: Account) -> dt.date | None:
    if account.status != AccountStatus.TERMINATED:
        return None
    ends = list(account.connections.values_list("disconnected_on", flat=True))
    if any(end is None for end in ends):
        return None
    if ends:
        return max(e for e in ends if e is not None)
    return clock.to_wib(account.updated_at).date()


def anonymisation_candidates(*, ended_before: dt.date, limit: int = 10_000) -> list[int]:
    """Persons not yet anonymised whose every account ended before `ended_before`."""
    live_connection = Q(connections__disconnected_on__isnull=True) & Q(connections__isnull=False)
    not_ended = Account.objects.filter(
        ~Q(status=AccountStatus.TERMINATED)
        | live_connection
        | Q(connections__disconnected_on__gte=ended_before)
    ).values("owner_id")
    candidates = (
        Person.objects.filter(anonymised_at__isnull=True, accounts__isnull=False)
        .exclude(pk__in=not_ended)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    result = []
    for person_id in candidates:
        ends = [a.ended_on for a in account_retention(person_id)]
        if ends and all(e is not None and e < ended_before for e in ends):
            result.append(person_id)
    return result


# ------------------------------------------------------------------------------- erasure


@dataclass(frozen=True)
class ErasureResult:
    person_id: int
    erased: list[str]
    premises_kept: list[int]


def erase_person(
    *,
    person_id: int,
    keys: Collection[str],
    actor: audit.Actor,
    reason: str,
    complete: bool = False,
    request_ref: str = "",
) -> ErasureResult:
    """Erase the named registry fields of a person and drop the blind indexes that find them.

    `keys` are registry keys from `ERASABLE_KEYS`. Account-level keys (premise street and
    coordinates, billing address) are erased on the person's accounts; a premise that also
    serves another person's account keeps its address. `complete=True` marks the person
    anonymised (retention ended), otherwise erased (identifiers gone, accounts retained).
    Idempotent: erasing an erased field again changes nothing. Raises ValidationFailed for an
    unknown key, NotFound for a missing person.
    """
    unknown = set(keys) - ERASABLE_KEYS
    if unknown:
        raise ValidationFailed.single(
            "keys", "unknown_field", f"Cannot erase {sorted(unknown)}: not an erasable field"
        )
    if not reason.strip():
        raise ValidationFailed.single("reason", "reason_required", "A reason is required")
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound("Person not found", code="person_not_found")
        erased = _erase_person_fields(person, set(keys))
        kept: list[int] = []
        if set(keys) & ACCOUNT_KEYS:
            erased += _erase_account_fields(person, set(keys), kept)
        now = clock.now()
        person.erased_at = person.erased_at or now
        if complete:
            person.anonymised_at = person.anonymised_at or now
        person.updated_at = now
        person.save()
        if erased or complete:
            audit.record(
                "customers.person.erased",
                actor=actor,
                subject_type="person",
                subject_ids=[person_id],
                changes={
                    "fields": sorted(erased),
                    "complete": complete,
                    "request": request_ref,
                    "premises_kept": kept,
                },
                reason=reason,
            )
            outbox.publish(
                "customers.person.erased",
                {"person_id": person_id, "fields": sorted(erased), "complete": complete},
            )
    return ErasureResult(person_id, sorted(erased), kept)


def _erase_person_fields(person: Person, keys: set[str]) -> list[str]:
    erased = []
    if "customers.person.full_name" in keys and (
        person.full_name != ERASED_TEXT or person.name_index
    ):
        person.full_name = ERASED_TEXT
        person.name_index = ""
        erased.append("customers.person.full_name")
    # Name indexes go whenever identifiers are erased: the person must no longer be found by
    # name even while the (encrypted) name is retained with an account.
    if keys & PERSON_KEYS:
        PersonNameWord.objects.filter(person=person).delete()
        person.name_index = ""
    for name, index in (("nik", "nik_index"), ("email", "email_index")):
        key = f"customers.person.{name}"
        if key in keys and (getattr(person, name) is not None or getattr(person, index)):
            setattr(person, name, None)
            setattr(person, index, "")
            erased.append(key)
    for name in ("birth_date", "gender"):
        key = f"customers.person.{name}"
        if key in keys and getattr(person, name) is not None:
            setattr(person, name, None)
            erased.append(key)
    if "customers.personphone.number" in keys and person.phones.exists():
        person.phones.all().delete()
        erased.append("customers.personphone.number")
    contact_keys = {"customers.emergencycontact.name", "customers.emergencycontact.phone"}
    if keys & contact_keys and person.emergency_contacts.exists():
        person.emergency_contacts.all().delete()
        erased += sorted(keys & contact_keys)
    return erased


def _erase_account_fields(person: Person, keys: set[str], kept: list[int]) -> list[str]:
    erased: set[str] = set()
    accounts = list(Account.objects.select_for_update().filter(owner=person))
    if "customers.account.billing_address" in keys:
        for account in accounts:
            if account.billing_address is not None:
                account.billing_address = None
                account.save(update_fields=["billing_address"])
                erased.add("customers.account.billing_address")
    premise_ids = {a.premise_id for a in accounts}
    shared = set(
        Account.objects.filter(premise_id__in=premise_ids)
        .exclude(owner=person)
        .values_list("premise_id", flat=True)
    )
    kept.extend(sorted(shared))
    for premise in Premise.objects.select_for_update().filter(pk__in=premise_ids - shared):
        changed = False
        if "customers.premise.street" in keys and premise.street != ERASED_TEXT:
            premise.street, premise.address_index = ERASED_TEXT, ""
            erased.add("customers.premise.street")
            changed = True
        for name in ("latitude", "longitude"):
            if f"customers.premise.{name}" in keys and getattr(premise, name) is not None:
                setattr(premise, name, None)
                erased.add(f"customers.premise.{name}")
                changed = True
        if changed:
            premise.updated_at = clock.now()
            premise.save()
    return sorted(erased)


def resolved_findings_before(moment: dt.datetime) -> list[int]:
    """Data-quality findings resolved before `moment` (they list person ids)."""
    return list(
        DataQualityFinding.objects.filter(resolved_at__lt=moment)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def delete_findings(finding_ids: Collection[int]) -> int:
    """Delete resolved findings by id (retention); unresolved ones are never deleted."""
    deleted, _ = DataQualityFinding.objects.filter(
        pk__in=finding_ids, resolved_at__isnull=False
    ).delete()
    return deleted


def ensure_not_erased(person_id: int) -> None:
    """Conflict when the person was anonymised: nothing is left to act on."""
    if Person.objects.filter(pk=person_id, anonymised_at__isnull=False).exists():
        raise Conflict("The person's data was anonymised", code="person_anonymised")


__all__ = [
    "ERASABLE_KEYS",
    "ERASED_TEXT",
    "LIMIT_KINDS",
    "PURPOSES",
    "AccountRetention",
    "ErasureResult",
    "PersonSummary",
    "account_retention",
    "anonymisation_candidates",
    "delete_findings",
    "ensure_not_erased",
    "erase_person",
    "has_active_consent",
    "hide_restricted",
    "idpels_of",
    "lift_processing_limit",
    "limit_processing",
    "person_data",
    "person_exists",
    "person_id_for",
    "person_id_for_nik",
    "person_summaries",
    "processing_allowed",
    "resolved_findings_before",
    "restricted_person_ids",
    "withdraw_person_consent",
]
