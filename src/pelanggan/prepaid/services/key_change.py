"""Key changes: the token set that moves a meter to a new decoder key, and recording that the
meter holds it.

A key change follows a tariff-index change (a power change, PD), a vending-key rotation (new
KRN) or a TID base-date roll-over (RO bit, next base date). `plan_key_change` derives the
current and the new decoder key through the key store and returns the tokens, 1st and 2nd
section (and 3rd and 4th for 128-bit keys), encrypted under the CURRENT key (sts.md gotcha 8).
It changes nothing but the audit trail, so it can be asked again (a re-send) until the meter
is recorded on the new key with `apply_key_change`; from then on vending uses the new key and,
after a roll-over, counts TIDs from the new base date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.prepaid.keystore import DecoderKeySpec, KeyStore, get_key_store
from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.services.meters import (
    key_attributes,
    meter_key_data,
    require_active_vending_key,
    spec_of,
)
from pelanggan.prepaid.sts import BaseDate, KeyChange, StsError


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyChangeTarget:
    """The key data a meter should move to; None keeps the current value. The encryption
    algorithm cannot change by key change."""

    supply_group_code: str | None = None
    key_revision_number: int | None = None
    key_type: int | None = None
    tariff_index: str | None = None
    key_expiry_number: int | None = None
    base_date: BaseDate | None = None
    dkga: str | None = None


@dataclass(frozen=True, slots=True)
class _Resolved:
    spec: DecoderKeySpec
    key_expiry_number: int
    rollover: bool


def _resolve(row: MeterKeyData, target: KeyChangeTarget) -> _Resolved:
    current = spec_of(row)
    base_date = current.base_date if target.base_date is None else target.base_date
    if base_date not in (current.base_date, current.base_date.following):
        raise ValidationFailed.single(
            "base_date",
            "not_next",
            "a roll-over moves a meter to the base date after its current one",
        )
    key_expiry_number = (
        row.key_expiry_number if target.key_expiry_number is None else target.key_expiry_number
    )
    if not 0 <= key_expiry_number <= 255:
        raise ValidationFailed.single(
            "key_expiry_number", "out_of_range", "the key expiry number must be 0..255"
        )
    try:
        spec = DecoderKeySpec(
            supply_group_code=target.supply_group_code or current.supply_group_code,
            key_revision_number=target.key_revision_number or current.key_revision_number,
            key_type=current.key_type if target.key_type is None else target.key_type,
            tariff_index=target.tariff_index or current.tariff_index,
            meter=current.meter,
            base_date=base_date,
            dkga=target.dkga or current.dkga,
            algorithm=current.algorithm,
        )
    except StsError as error:
        raise ValidationFailed.single("target", "invalid", str(error)) from None
    return _Resolved(spec, key_expiry_number, base_date is not current.base_date)


def _tokens(row: MeterKeyData, resolved: _Resolved, store: KeyStore) -> list[str]:
    current_key = store.derive_decoder_key(spec=spec_of(row))
    new_key = store.derive_decoder_key(spec=resolved.spec)
    if new_key.key == current_key.key:
        # DKGA02 ignores the base date, so a roll-over alone gives the same key: STS pairs a
        # roll-over with a new key revision.
        raise Conflict(
            "The target gives the meter the key it already holds; change the key revision, "
            "tariff index or supply group as well",
            code="key_change_same_key",
        )
    change = KeyChange(
        new_key=new_key,
        key_expiry_number=resolved.key_expiry_number,
        key_revision_number=resolved.spec.key_revision_number,
        key_type=resolved.spec.key_type,
        tariff_index=int(resolved.spec.tariff_index),
        rollover=resolved.rollover,
        supply_group_code=resolved.spec.supply_group_code,
    )
    return [encoded.token for encoded in change.tokens(current_key)]


def _target_changes(row: MeterKeyData, resolved: _Resolved) -> dict[str, object]:
    spec = resolved.spec
    new = {
        "supply_group_code": spec.supply_group_code,
        "key_revision_number": spec.key_revision_number,
        "key_type": spec.key_type,
        "tariff_index": spec.tariff_index,
        "key_expiry_number": resolved.key_expiry_number,
        "tid_base_date": spec.base_date.value,
        "dkga": spec.dkga,
        "ea_code": spec.algorithm.value,
    }
    old = key_attributes(row)
    return {name: audit.change(old[name], value) for name, value in new.items()}


def plan_key_change(
    *,
    meter_number: str,
    target: KeyChangeTarget,
    actor: Actor,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """The key-change tokens, in entry order, that move the meter to `target`, encrypted under
    its current key. Records `prepaid.key_change.planned` (attributes only, no tokens).

    Raises `NotFound`, `ValidationFailed` (bad target, retired or missing target vending key),
    `Conflict` (`key_change_same_key`), `VendingKeyMissing`, `KeyStoreError`.
    """
    store = store or get_key_store()
    moment = now or clock.now()
    with transaction.atomic():
        row = meter_key_data(meter_number=meter_number)
        resolved = _resolve(row, target)
        require_active_vending_key(resolved.spec, store)
        tokens = _tokens(row, resolved, store)
        audit.record(
            "prepaid.key_change.planned",
            actor=actor,
            subject_type="prepaid.meter",
            subject_ids=[meter_number],
            changes={**_target_changes(row, resolved), "rollover": resolved.rollover},
            reason=f"{len(tokens)} key-change tokens",
            occurred_at=moment,
        )
    return tokens


def apply_key_change(
    *,
    meter_number: str,
    target: KeyChangeTarget,
    actor: Actor,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> MeterKeyData:
    """Record that the meter now holds the key of `target` (after its key-change tokens were
    delivered). A roll-over also forgets the last TID: TIDs count from the new base date.

    Raises as `plan_key_change`.
    """
    store = store or get_key_store()
    moment = now or clock.now()
    with transaction.atomic():
        row = meter_key_data(meter_number=meter_number, lock=True)
        resolved = _resolve(row, target)
        require_active_vending_key(resolved.spec, store)
        _tokens(row, resolved, store)  # the same checks as the plan (same-key refusal)
        changes = _target_changes(row, resolved)
        spec = resolved.spec
        row.supply_group_code = spec.supply_group_code
        row.key_revision_number = spec.key_revision_number
        row.key_type = spec.key_type
        row.tariff_index = spec.tariff_index
        row.key_expiry_number = resolved.key_expiry_number
        row.tid_base_date = spec.base_date.value
        row.dkga = spec.dkga
        row.key_changed_at = moment
        if resolved.rollover:
            row.last_tid = None
        row.save()
        audit.record(
            "prepaid.meter_key.changed",
            actor=actor,
            subject_type="prepaid.meter",
            subject_ids=[meter_number],
            changes={**changes, "rollover": resolved.rollover},
            occurred_at=moment,
        )
    return row
