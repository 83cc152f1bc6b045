"""Per-meter STS key data: recording a meter's key attributes, and its decoder key on demand.

The decoder key is derived through the key store each time it is needed (the store may cache
it for a few seconds) and is never stored or logged.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.prepaid.keystore import (
    DecoderKeySpec,
    KeyStore,
    MeterIdentity,
    get_key_store,
)
from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.sts import BaseDate, DecoderKey, EncryptionAlgorithm, StsError


def meter_key_data(*, meter_number: str, lock: bool = False) -> MeterKeyData:
    """The key data of a meter (row-locked with `lock` inside a transaction).
    Raises `NotFound` (code `meter_key_data_not_found`)."""
    query = MeterKeyData.objects.filter(meter_number=meter_number)
    if lock:
        query = query.select_for_update()
    row = query.first()
    if row is None:
        raise NotFound("No STS key data for that meter", code="meter_key_data_not_found")
    return row


def spec_of(row: MeterKeyData) -> DecoderKeySpec:
    """The decoder key a meter currently holds, as a key-store request."""
    return DecoderKeySpec(
        supply_group_code=row.supply_group_code,
        key_revision_number=row.key_revision_number,
        key_type=row.key_type,
        tariff_index=row.tariff_index,
        meter=MeterIdentity(iin=row.iin, drn=row.drn),
        base_date=BaseDate(row.tid_base_date),
        dkga=row.dkga,
        algorithm=EncryptionAlgorithm(row.ea_code),
    )


def decoder_key_for(*, meter_number: str, store: KeyStore | None = None) -> DecoderKey:
    """The meter's current decoder key, derived through the key store.
    Raises `NotFound`, `VendingKeyMissing`, `KeyStoreError`."""
    row = meter_key_data(meter_number=meter_number)
    return (store or get_key_store()).derive_decoder_key(spec=spec_of(row))


def register_meter_key_data(
    *,
    meter_number: str,
    supply_group_code: str,
    tariff_index: str,
    key_revision_number: int,
    base_date: BaseDate,
    dkga: str,
    algorithm: EncryptionAlgorithm,
    actor: Actor,
    iin: str = "600727",
    drn: str | None = None,
    key_type: int = 2,
    key_expiry_number: int = 255,
    last_tid: int | None = None,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> MeterKeyData:
    """Record the STS key data of a meter (the DRN defaults to the meter number). The vending
    key it derives from must be stored and active.

    Raises `ValidationFailed` for bad attributes or a missing/retired vending key, `Conflict`
    when the meter already has key data (change it with a key change).
    """
    drn = meter_number if drn is None else drn
    try:
        spec = DecoderKeySpec(
            supply_group_code=supply_group_code,
            key_revision_number=key_revision_number,
            key_type=key_type,
            tariff_index=tariff_index,
            meter=MeterIdentity(iin=iin, drn=drn),
            base_date=base_date,
            dkga=dkga,
            algorithm=algorithm,
        )
    except StsError as error:
        raise ValidationFailed.single("key_data", "invalid", str(error)) from None
    if not 0 <= key_expiry_number <= 255:
        raise ValidationFailed.single(
            "key_expiry_number", "out_of_range", "the key expiry number must be 0..255"
        )
    require_active_vending_key(spec, store or get_key_store())
    moment = now or clock.now()
    row = MeterKeyData(
        meter_number=meter_number,
        iin=iin,
        drn=drn,
        supply_group_code=supply_group_code,
        tariff_index=tariff_index,
        key_revision_number=key_revision_number,
        key_type=key_type,
        key_expiry_number=key_expiry_number,
        tid_base_date=base_date.value,
        dkga=dkga,
        ea_code=algorithm.value,
        last_tid=last_tid,
        created_at=moment,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            raise Conflict(
                "The meter already has STS key data", code="meter_key_data_exists"
            ) from None
        audit.record(
            "prepaid.meter_key.registered",
            actor=actor,
            subject_type="prepaid.meter",
            subject_ids=[meter_number],
            changes=key_attributes(row),
            occurred_at=moment,
        )
    return row


def key_attributes(row: MeterKeyData) -> dict[str, object]:
    """The non-secret key attributes of a meter, for audit rows and displays."""
    return {
        "supply_group_code": row.supply_group_code,
        "key_revision_number": row.key_revision_number,
        "key_type": row.key_type,
        "tariff_index": row.tariff_index,
        "key_expiry_number": row.key_expiry_number,
        "tid_base_date": row.tid_base_date,
        "dkga": row.dkga,
        "ea_code": row.ea_code,
    }


def require_active_vending_key(spec: DecoderKeySpec, store: KeyStore) -> None:
    """`ValidationFailed` unless the vending key behind `spec` is stored and active."""
    ref = spec.vending_key
    for info in store.list_keys():
        if info.ref == ref:
            if not info.is_active:
                raise ValidationFailed.single(
                    "vending_key", "retired", f"the vending key {ref.label} is retired"
                )
            return
    raise ValidationFailed.single(
        "vending_key", "missing", f"no vending key {ref.label} in the key store"
    )
