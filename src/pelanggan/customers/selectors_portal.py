"""Read side of the customer master for the customer portal: the caller is the data subject.

Staff selectors (`customers.selectors`) are scoped by unit; these are scoped by person: a
signed-in customer reaches only the accounts they own. An IDPEL of someone else is answered
exactly like one that does not exist. Contact data is masked even for its own subject, because
a portal session may be read over a shoulder; the full values come through an access request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pelanggan.customers.models import Account, Person, PersonPhone
from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.customers.services.writer import Index
from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.identifiers import normalize_email
from pelanggan.customers.validation.phone import normalize_phone
from pelanggan.platform import crypto
from pelanggan.platform.errors import NotFound
from pelanggan.platform.masking import mask_email, mask_nik, mask_phone


@dataclass(frozen=True)
class Contact:
    """The person behind a sign-in contact, and where to send the code (normalised)."""

    person_ref: str
    destination: str
    channel: str


def contact_for(value: str) -> Contact | None:
    """The person whose registered phone or e-mail this is, if exactly one living person has it.

    Looked up by blind index only (nothing is decrypted). A malformed, unknown or shared
    contact gives None: the portal then behaves as if a code was sent.
    """
    text = value.strip()
    try:
        if "@" in text:
            destination, channel = normalize_email(text), "email"
            ids = list(
                Person.objects.filter(
                    email_index=crypto.blind_index(destination, purpose=Index.EMAIL),
                    erased_at__isnull=True,
                ).values_list("pk", flat=True)[:2]
            )
        else:
            destination, channel = normalize_phone(text), "sms"
            ids = list(
                PersonPhone.objects.filter(
                    number_index=crypto.blind_index(destination, purpose=Index.PHONE),
                    person__erased_at__isnull=True,
                )
                .values_list("person_id", flat=True)
                .distinct()[:2]
            )
    except FieldError:
        return None
    if len(ids) != 1:
        return None  # unknown, or shared by several people: no sign-in by this contact
    return Contact(str(ids[0]), destination, channel)


def person_id_of(person_ref: str) -> int | None:
    """The person id behind a portal account's reference, or None when it is not one."""
    return int(person_ref) if person_ref.isdigit() else None


@dataclass(frozen=True)
class OwnAccount:
    idpel: str
    status: str
    ulp_name: str
    utilities: tuple[str, ...]


def accounts_of(person_ref: str) -> list[OwnAccount]:
    """The accounts (IDPELs) held by the person, in IDPEL order."""
    person_id = person_id_of(person_ref)
    if person_id is None:
        return []
    rows = (
        Account.objects.filter(owner_id=person_id)
        .select_related("ulp")
        .prefetch_related("connections")
        .order_by("idpel")
    )
    return [
        OwnAccount(
            idpel=account.idpel,
            status=account.get_status_display(),
            ulp_name=account.ulp.name,
            utilities=tuple(sorted({c.get_utility_display() for c in account.connections.all()})),
        )
        for account in rows
    ]


@dataclass(frozen=True)
class OwnConnection:
    utility: str
    utility_label: str
    meter_number: str
    connected_on: dt.date | None
    payment_mode: str
    tariff_group: str
    daya_va: int | None
    customer_group: str
    pipe_size_mm: int | None


@dataclass(frozen=True)
class OwnAccountDetail:
    idpel: str
    status: str
    ulp_name: str
    full_name: str
    nik_masked: str
    phones_masked: list[str]
    email_masked: str
    street: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    kabupaten_kota: str
    provinsi: str
    postal_code: str
    connections: list[OwnConnection]


def _own_account(person_ref: str, idpel: str) -> Account:
    person_id = person_id_of(person_ref)
    account = (
        Account.objects.filter(idpel=idpel, owner_id=person_id)
        .select_related("ulp", "premise", "owner")
        .first()
        if person_id is not None and idpel.isdigit()
        else None
    )
    if account is None:
        raise NotFound("Customer not found", code="customer_not_found")
    return account


def account_detail(*, person_ref: str, idpel: str) -> OwnAccountDetail:
    """One of the person's own accounts: premise address, live connections with their current
    terms (tariff group and daya, or water group and pipe size), meter, and the person's own
    contact data masked. Raises NotFound for an IDPEL the person does not own."""
    account = _own_account(person_ref, idpel)
    person = account.owner
    premise = account.premise
    connections = []
    for connection in account.connections.filter(disconnected_on__isnull=True).order_by("id"):
        terms = connection.terms.filter(valid_to__isnull=True).first()
        connections.append(
            OwnConnection(
                utility=connection.utility,
                utility_label=connection.get_utility_display(),
                meter_number=connection.meter_number,
                connected_on=connection.connected_on,
                payment_mode=terms.get_payment_mode_display() if terms else "",
                tariff_group=terms.tariff_group if terms else "",
                daya_va=terms.daya_va if terms else None,
                customer_group=terms.customer_group if terms else "",
                pipe_size_mm=terms.pipe_size_mm if terms else None,
            )
        )
    phones = [
        mask_phone(p.number)
        for p in PersonPhone.objects.filter(person=person).order_by("-is_primary", "id")
    ]
    return OwnAccountDetail(
        idpel=account.idpel,
        status=account.get_status_display(),
        ulp_name=account.ulp.name,
        full_name=person.full_name,
        nik_masked=mask_nik(person.nik) if person.nik else "",
        phones_masked=phones,
        email_masked=mask_email(person.email) if person.email else "",
        street=premise.street,
        rt=premise.rt,
        rw=premise.rw,
        kelurahan=premise.kelurahan,
        kecamatan=premise.kecamatan,
        kabupaten_kota=premise.kabupaten_kota,
        provinsi=premise.provinsi,
        postal_code=premise.postal_code,
        connections=connections,
    )


def own_idpels(person_ref: str) -> list[str]:
    """The IDPELs the person owns (for checks such as "is this IDPEL theirs")."""
    person_id = person_id_of(person_ref)
    return customer_privacy.idpels_of(person_id) if person_id is not None else []


def processing_purposes() -> dict[str, str]:
    """Processing purposes a consent withdrawal, objection or restriction can name."""
    return dict(customer_privacy.PURPOSES)


def account_unit_id(*, person_ref: str, idpel: str) -> int:
    """The ULP serving one of the person's own accounts (reads of other contexts scoped to
    it). Raises NotFound for an IDPEL the person does not own."""
    return int(_own_account(person_ref, idpel).ulp_id)
