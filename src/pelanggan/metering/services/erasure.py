"""Erasure of the customer's phone on meter ↔ SIM pairings (registry key
`metering.pairing.customer_phone`, erased on a deletion request).

A pairing belongs to a meter, not to a customer: the customer of a pairing is the one at whose
connection the meter was installed while the pairing ran. So the pairings erased for a set of
accounts are those of meters installed on the accounts' connections whose period overlaps the
installation's, plus (optionally) any pairing that carries one of the given phone numbers
(matched by blind index, e.g. a phone the person gave for a meter elsewhere). The pairing
itself (meter, SIM, dates, who paired it) stays: it is the meter's history, not personal data;
only the phone and the blind index that finds it go.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from pelanggan.customers.validation import FieldError, normalize_phone
from pelanggan.metering.models import Installation, Pairing
from pelanggan.metering.services.pairing import PHONE_INDEX_PURPOSE
from pelanggan.platform import audit, crypto
from pelanggan.platform.errors import ValidationFailed

ERASED_PHONE = ""
AUDIT_EVENT = "metering.pairing.phone_erased"


@dataclass(frozen=True)
class PhoneErasure:
    pairing_ids: list[int]

    @property
    def erased(self) -> int:
        return len(self.pairing_ids)


def _pairings_of_accounts(idpels: Collection[str]) -> Q:
    condition = Q(pk__in=[])
    installations = Installation.objects.filter(
        connection__account__idpel__in=list(idpels)
    ).values_list("meter_id", "installed_at", "removed_at")
    for meter_id, installed_at, removed_at in installations:
        # Half-open periods overlap when each starts before the other ends.
        overlap = Q(meter_id=meter_id) & (Q(paired_to__isnull=True) | Q(paired_to__gt=installed_at))
        if removed_at is not None:
            overlap &= Q(paired_from__lt=removed_at)
        condition |= overlap
    return condition


def _phone_indexes(phones: Collection[str]) -> list[str]:
    indexes = []
    for phone in phones:
        try:
            normalised = normalize_phone(phone)
        except FieldError:
            continue  # a landline or malformed number was never a pairing phone
        indexes.append(crypto.blind_index(normalised, purpose=PHONE_INDEX_PURPOSE))
    return indexes


def erase_customer_phone(
    *,
    idpels: Collection[str],
    actor: audit.Actor,
    reason: str,
    phones: Collection[str] = (),
    request_ref: str = "",
) -> PhoneErasure:
    """Erase the customer phone (and its blind index) on the pairings of the accounts `idpels`
    (see the module docstring) and on pairings carrying one of `phones`. One transaction, one
    audit record naming the pairings (never the phone). Idempotent: an erased pairing is not
    counted again. Raises ValidationFailed when `reason` is blank."""
    if not reason.strip():
        raise ValidationFailed.single("reason", "reason_required", "A reason is required")
    condition = _pairings_of_accounts(idpels)
    indexes = _phone_indexes(phones)
    if indexes:
        condition |= Q(customer_phone_index__in=indexes)
    with transaction.atomic():
        pairings = list(
            Pairing.objects.select_for_update()
            .filter(condition)
            .exclude(customer_phone_index="")
            .order_by("pk")
        )
        for pairing in pairings:
            pairing.customer_phone = ERASED_PHONE
            pairing.customer_phone_index = ""
        Pairing.objects.bulk_update(pairings, ["customer_phone", "customer_phone_index"])
        ids = [p.pk for p in pairings]
        if ids:
            audit.record(
                AUDIT_EVENT,
                actor=actor,
                subject_type="metering.pairing",
                subject_ids=ids,
                changes={
                    "fields": ["metering.pairing.customer_phone"],
                    "accounts": sorted(idpels),
                    "request": request_ref,
                },
                reason=reason,
            )
    return PhoneErasure(ids)
