"""Reads of the customer master the portal needs (the person behind a contact, their accounts).

These belong in `pelanggan.customers.selectors`; they live here until the customers context
offers them, and use only its blind indexes and normalisers (no decryption beyond the
customer's own account list).
"""

from __future__ import annotations

from dataclasses import dataclass

from pelanggan.customers.models import Account, Person, PersonPhone
from pelanggan.customers.services.writer import Index
from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.identifiers import normalize_email
from pelanggan.customers.validation.phone import normalize_phone
from pelanggan.platform import crypto


@dataclass(frozen=True)
class Contact:
    person_ref: str
    destination: str
    channel: str


def contact_for(value: str) -> Contact | None:
    """The person whose registered phone or e-mail this is, if exactly one person has it."""
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
    except FieldError:  # a malformed contact is simply not found
        return None
    if len(ids) != 1:
        return None  # unknown, or shared by several people: no sign-in by this contact
    return Contact(str(ids[0]), destination, channel)


@dataclass(frozen=True)
class OwnAccount:
    idpel: str
    status: str
    ulp_name: str
    utilities: tuple[str, ...]


def accounts_of(person_ref: str) -> list[OwnAccount]:
    """The accounts (IDPELs) held by the person, in IDPEL order."""
    if not person_ref.isdigit():
        return []
    rows = (
        Account.objects.filter(owner_id=int(person_ref))
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
