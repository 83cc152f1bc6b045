"""Changes to existing customers: person data, address, terms over time, status, consents,
assets and programme enrolments. Each runs in one transaction with its audit record, and
publishes an outbox event where other contexts may want to react.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from pelanggan.customers.models import (
    Account,
    AccountStatus,
    Asset,
    AssetKind,
    Consent,
    ConsentPurpose,
    DataSource,
    EmergencyContact,
    Person,
    PersonNameWord,
    PersonPhone,
    ProgrammeEnrolment,
    ServiceTerms,
)
from pelanggan.customers.services.cleaning import Problem, RecordInvalid, clean_record
from pelanggan.customers.services.registration import problems_to_error
from pelanggan.customers.services.writer import (
    Index,
    address_index,
    name_index,
    phone_index,
    word_indexes,
)
from pelanggan.customers.validation import FieldError, normalize_name, normalize_phone, phone_kind
from pelanggan.platform import audit, clock, crypto, outbox
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.periods import Period, find_overlap
from pelanggan.security.selectors import Principal


def _account(idpel: str, principal: Principal, *, lock: bool = True) -> Account:
    """The account if the caller may see it; otherwise NotFound, exactly as for a missing one."""
    query = Account.objects.select_related("owner", "premise")
    if lock:
        query = query.select_for_update(of=("self",))
    account = query.filter(idpel=idpel).first()
    if account is None or not principal.can_see_ulp(account.ulp_id):
        raise NotFound("Customer not found", code="customer_not_found")
    return account


def _flat_from(account: Account, **overrides: Any) -> dict[str, Any]:
    """The account as a flat DIL record, so changes re-run the same validation as creation."""
    person, premise = account.owner, account.premise
    connection = account.connections.filter(disconnected_on__isnull=True).order_by("id").first()
    terms = connection.terms.filter(valid_to__isnull=True).first() if connection else None
    phones = list(person.phones.order_by("-is_primary", "id").values_list("number", flat=True))
    flat = {
        "idpel": account.idpel,
        "ulp_code": account.ulp.code,
        "full_name": person.full_name,
        "nik": person.nik or "",
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "gender": person.gender or "",
        "phone": phones[0] if phones else "",
        "phone_2": phones[1] if len(phones) > 1 else "",
        "email": person.email or "",
        "street": premise.street,
        "rt": premise.rt,
        "rw": premise.rw,
        "village_code": premise.village_code,
        "postal_code": premise.postal_code,
        "latitude": str(premise.latitude) if premise.latitude is not None else "",
        "longitude": str(premise.longitude) if premise.longitude is not None else "",
        "utility": connection.utility if connection else "",
        "meter_number": connection.meter_number if connection else "",
        "payment_mode": terms.payment_mode if terms else "",
        "tariff_group": terms.tariff_group if terms else "",
        "daya_va": str(terms.daya_va or "") if terms else "",
        "customer_group": terms.customer_group if terms else "",
        "pipe_size_mm": str(terms.pipe_size_mm or "") if terms else "",
        "account_status": account.status,
        "data_source": account.data_source,
    }
    flat.update({k: ("" if v is None else v) for k, v in overrides.items()})
    return flat


def _clean(account: Account, **overrides: Any) -> Any:
    try:
        return clean_record(_flat_from(account, **overrides), today=clock.today_wib())
    except RecordInvalid as exc:
        touched = set(overrides)
        relevant = [p for p in exc.problems if p.column in touched] or exc.problems
        raise problems_to_error(relevant) from exc


@dataclass(frozen=True)
class PersonChange:
    """Fields to change; None leaves a field as it is, "" clears an optional one."""

    full_name: str | None = None
    nik: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    phone: str | None = None
    phone_2: str | None = None
    email: str | None = None
    # Replaces the whole list when given: dicts with name, phone and relationship.
    emergency_contacts: list[dict[str, str]] | None = None


def _clean_contacts(contacts: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    cleaned, problems = [], []
    if len(contacts) > 5:
        raise ValidationFailed.single(
            "emergency_contacts", "too_many", "At most 5 emergency contacts"
        )
    for i, contact in enumerate(contacts):
        try:
            name = normalize_name(str(contact.get("name", "")))
            phone = normalize_phone(str(contact.get("phone", "")))
        except FieldError as exc:
            problems.append(
                Problem(
                    f"emergency_contacts.{i}.{exc.field}", exc.code, exc.message, exc.message_id
                )
            )
            continue
        cleaned.append((name, phone, str(contact.get("relationship", "")).strip()[:40]))
    if problems:
        raise problems_to_error(problems)
    return cleaned


def update_person(
    *, idpel: str, change: PersonChange, principal: Principal, reason: str = ""
) -> Person:
    """Change the owner's personal data with the same validation as registration."""
    overrides = {
        k: v for k, v in vars(change).items() if v is not None and k != "emergency_contacts"
    }
    contacts = (
        None if change.emergency_contacts is None else _clean_contacts(change.emergency_contacts)
    )
    if not overrides and contacts is None:
        raise ValidationFailed("Nothing to change", code="nothing_to_change")
    with transaction.atomic():
        account = _account(idpel, principal)
        record = _clean(account, **overrides)
        person = Person.objects.select_for_update().get(pk=account.owner_id)
        changed = []
        if record.full_name != person.full_name:
            person.full_name = record.full_name
            person.name_index = name_index(record.full_name)
            PersonNameWord.objects.filter(person=person).delete()
            PersonNameWord.objects.bulk_create(
                PersonNameWord(person=person, word_index=w)
                for w in dict.fromkeys(word_indexes(record.full_name))
            )
            changed.append("full_name")
        if record.nik != person.nik:
            person.nik = record.nik
            person.nik_index = (
                crypto.blind_index(record.nik, purpose=Index.NIK) if record.nik else ""
            )
            changed.append("nik")
        for name in ("birth_date", "gender", "email"):
            if getattr(record, name) != getattr(person, name):
                setattr(person, name, getattr(record, name))
                changed.append(name)
        person.email_index = (
            crypto.blind_index(person.email, purpose=Index.EMAIL) if person.email else ""
        )
        current = list(person.phones.order_by("-is_primary", "id").values_list("number", flat=True))
        if list(record.phones) != current:
            person.phones.all().delete()
            PersonPhone.objects.bulk_create(
                PersonPhone(
                    person=person,
                    number=n,
                    number_index=phone_index(n),
                    kind=phone_kind(n),
                    is_primary=i == 0,
                )
                for i, n in enumerate(record.phones)
            )
            changed.append("phones")
        if contacts is not None:
            person.emergency_contacts.all().delete()
            EmergencyContact.objects.bulk_create(
                EmergencyContact(person=person, name=n, phone=p, relationship=r)
                for n, p, r in contacts
            )
            changed.append("emergency_contacts")
        if not changed:
            return person
        person.updated_at = clock.now()
        person.save()
        audit.record(
            "customers.person.updated",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={name: {"changed": True} for name in changed},
            reason=reason,
        )
        outbox.publish(
            "customers.person.updated", {"idpel": idpel, "person_id": person.pk, "fields": changed}
        )
    return person


@dataclass(frozen=True)
class AddressChange:
    street: str
    rt: str
    rw: str
    village_code: str
    postal_code: str = ""
    latitude: str = ""
    longitude: str = ""


def change_address(
    *, idpel: str, change: AddressChange, principal: Principal, reason: str
) -> Account:
    """Change the premise address (the SOP address change); publishes customers.address.changed."""
    if not reason.strip():
        raise ValidationFailed.single(
            "reason", "reason_required", "A reason is required", "Alasan wajib diisi"
        )
    with transaction.atomic():
        account = _account(idpel, principal)
        record = _clean(account, **vars(change))
        premise = account.premise
        old_village = premise.village_code
        address = record.address
        premise.street, premise.rt, premise.rw = address.street, address.rt, address.rw
        premise.village_code, premise.kelurahan, premise.kecamatan = (
            address.village_code,
            address.kelurahan,
            address.kecamatan,
        )
        premise.kabupaten_kota, premise.provinsi = address.kabupaten_kota, address.provinsi
        premise.postal_code = address.postal_code or ""
        premise.latitude, premise.longitude = record.latitude, record.longitude
        premise.address_index = address_index(
            street=address.street, rt=address.rt, rw=address.rw, village_code=address.village_code
        )
        premise.updated_at = clock.now()
        premise.save()
        audit.record(
            "customers.address.changed",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={
                "street": {"changed": True},
                "village_code": audit.change(old_village, address.village_code),
            },
            reason=reason,
        )
        outbox.publish(
            "customers.address.changed",
            {
                "idpel": idpel,
                "premise_id": premise.pk,
                "village_code": address.village_code,
                "old_village_code": old_village,
            },
        )
    return account


@dataclass(frozen=True)
class TermsChange:
    effective_at: dt.datetime
    reason: str
    payment_mode: str | None = None
    tariff_group: str | None = None
    daya_va: int | None = None
    customer_group: str | None = None
    pipe_size_mm: int | None = None


def change_terms(*, idpel: str, change: TermsChange, principal: Principal) -> ServiceTerms:
    """Close the open terms period at `effective_at` and open the next (tariff/power change)."""
    if change.effective_at.tzinfo is None:
        raise ValidationFailed.single(
            "effective_at", "naive_datetime", "effective_at needs a time zone"
        )
    if not change.reason.strip():
        raise ValidationFailed.single(
            "reason", "reason_required", "A reason is required", "Alasan wajib diisi"
        )
    with transaction.atomic():
        account = _account(idpel, principal)
        connection = account.connections.filter(disconnected_on__isnull=True).order_by("id").first()
        if connection is None:
            raise Conflict("The account has no live connection", code="no_live_connection")
        current = ServiceTerms.objects.select_for_update().get(
            connection=connection, valid_to__isnull=True
        )
        overrides = {
            "payment_mode": change.payment_mode,
            "tariff_group": change.tariff_group,
            "daya_va": change.daya_va,
            "customer_group": change.customer_group,
            "pipe_size_mm": change.pipe_size_mm,
        }
        record = _clean(account, **{k: v for k, v in overrides.items() if v is not None})
        if change.effective_at <= current.valid_from:
            raise ValidationFailed.single(
                "effective_at",
                "before_current_period",
                "The change must take effect after the current terms began",
                "Perubahan harus berlaku setelah periode berjalan dimulai",
            )
        same = (
            record.payment_mode,
            record.tariff_group,
            record.daya_va,
            record.customer_group,
            record.pipe_size_mm,
        ) == (
            current.payment_mode,
            current.tariff_group,
            current.daya_va,
            current.customer_group,
            current.pipe_size_mm,
        )
        if same:
            raise ValidationFailed("The new terms equal the current ones", code="nothing_to_change")
        current.valid_to = change.effective_at
        current.save(update_fields=["valid_to"])
        new = ServiceTerms.objects.create(
            connection=connection,
            valid_from=change.effective_at,
            payment_mode=record.payment_mode,
            tariff_group=record.tariff_group,
            daya_va=record.daya_va,
            customer_group=record.customer_group,
            pipe_size_mm=record.pipe_size_mm,
            reason=change.reason,
        )
        periods = [Period(t.valid_from, t.valid_to) for t in connection.terms.all()]
        if find_overlap(periods) is not None:
            raise Conflict("Terms periods would overlap", code="terms_overlap")
        diff = {
            name: audit.change(getattr(current, name), getattr(new, name))
            for name in (
                "payment_mode",
                "tariff_group",
                "daya_va",
                "customer_group",
                "pipe_size_mm",
            )
            if getattr(current, name) != getattr(new, name)
        }
        audit.record(
            "customers.terms.changed",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes=diff,
            reason=change.reason,
        )
        outbox.publish(
            "customers.terms.changed",
            {
                "idpel": idpel,
                "connection_id": connection.pk,
                "terms_id": new.pk,
                "effective_at": change.effective_at.isoformat(),
            },
        )
    return new


def set_account_status(*, idpel: str, status: str, principal: Principal, reason: str) -> Account:
    if status not in AccountStatus.values:
        raise ValidationFailed.single("status", "choice_invalid", "Unknown account status")
    with transaction.atomic():
        account = _account(idpel, principal)
        if account.status == status:
            return account
        old, account.status, account.updated_at = account.status, status, clock.now()
        account.save(update_fields=["status", "updated_at"])
        audit.record(
            "customers.account.status_changed",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={"status": audit.change(old, status)},
            reason=reason,
        )
        outbox.publish(
            "customers.account.status_changed", {"idpel": idpel, "old": old, "new": status}
        )
    return account


def give_consent(
    *, idpel: str, purpose: str, channel: str, principal: Principal, evidence: str = ""
) -> Consent:
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed.single("purpose", "choice_invalid", "Unknown consent purpose")
    if channel not in DataSource.values:
        raise ValidationFailed.single("channel", "choice_invalid", "Unknown channel")
    with transaction.atomic():
        account = _account(idpel, principal)
        live = Consent.objects.filter(
            person_id=account.owner_id, purpose=purpose, withdrawn_at__isnull=True
        ).first()
        if live is not None:
            return live  # giving a consent twice is the same consent
        consent = Consent.objects.create(
            person_id=account.owner_id,
            purpose=purpose,
            given_at=clock.now(),
            channel=channel,
            evidence=evidence,
        )
        audit.record(
            "customers.consent.given",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={"purpose": audit.change(None, purpose)},
        )
    return consent


def withdraw_consent(*, idpel: str, purpose: str, principal: Principal) -> Consent:
    with transaction.atomic():
        account = _account(idpel, principal)
        consent = Consent.objects.filter(
            person_id=account.owner_id, purpose=purpose, withdrawn_at__isnull=True
        ).first()
        if consent is None:
            raise NotFound("No live consent for this purpose", code="consent_not_found")
        consent.withdrawn_at = clock.now()
        consent.save(update_fields=["withdrawn_at"])
        audit.record(
            "customers.consent.withdrawn",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={"purpose": audit.change(purpose, None)},
        )
        outbox.publish(
            "customers.consent.withdrawn",
            {"idpel": idpel, "person_id": account.owner_id, "purpose": purpose},
        )
    return consent


def add_asset(
    *,
    idpel: str,
    kind: str,
    principal: Principal,
    capacity_kwp: Decimal | None = None,
    export_meter_number: str = "",
    installed_on: dt.date | None = None,
) -> Asset:
    if kind not in AssetKind.values:
        raise ValidationFailed.single("kind", "choice_invalid", "Unknown asset kind")
    if capacity_kwp is not None and not Decimal("0") < capacity_kwp <= Decimal("100000"):
        raise ValidationFailed.single(
            "capacity_kwp", "capacity_out_of_range", "Capacity must be above 0 kWp"
        )
    if kind == AssetKind.ROOFTOP_PV and capacity_kwp is None:
        raise ValidationFailed.single(
            "capacity_kwp", "required", "Rooftop PV needs its capacity in kWp"
        )
    if installed_on is not None and installed_on > clock.today_wib():
        raise ValidationFailed.single(
            "installed_on", "date_in_future", "Installation date cannot be in the future"
        )
    with transaction.atomic():
        account = _account(idpel, principal)
        asset = Asset.objects.create(
            account=account,
            kind=kind,
            capacity_kwp=capacity_kwp,
            export_meter_number=export_meter_number.strip(),
            installed_on=installed_on,
            data_source=DataSource.COUNTER,
            created_at=clock.now(),
        )
        audit.record(
            "customers.asset.added",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={
                "kind": audit.change(None, kind),
                "capacity_kwp": audit.change(None, str(capacity_kwp)),
            },
        )
    return asset


def enrol_programme(
    *,
    idpel: str,
    programme_code: str,
    programme_name: str,
    enrolled_on: dt.date,
    principal: Principal,
) -> ProgrammeEnrolment:
    if not programme_code.strip() or not programme_name.strip():
        raise ValidationFailed.single(
            "programme_code", "required", "Programme code and name are required"
        )
    with transaction.atomic():
        account = _account(idpel, principal)
        if ProgrammeEnrolment.objects.filter(
            account=account, programme_code=programme_code, ended_on__isnull=True
        ).exists():
            raise Conflict("Already enrolled in this programme", code="already_enrolled")
        enrolment = ProgrammeEnrolment.objects.create(
            account=account,
            programme_code=programme_code.strip(),
            programme_name=programme_name.strip(),
            enrolled_on=enrolled_on,
            data_source=DataSource.COUNTER,
        )
        audit.record(
            "customers.programme.enrolled",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            changes={"programme": audit.change(None, programme_code)},
        )
    return enrolment


__all__ = [
    "AddressChange",
    "PersonChange",
    "TermsChange",
    "add_asset",
    "change_address",
    "change_terms",
    "enrol_programme",
    "give_consent",
    "set_account_status",
    "update_person",
    "withdraw_consent",
]
