"""The software key store: vending keys in the database, encrypted at rest.

Each key's hex is sealed with the platform data keys (AES-256-GCM, `platform.crypto`); the
associated data names the SGC, KRN and DKGA, so a sealed value copied onto another row fails
authentication instead of silently deriving the wrong keys. Without the data keys every call
fails closed with `KeyUnavailable`. The vending key is decrypted only for the length of one
derivation and is never logged. This is the embedded default for development and simulation;
production keeps vending keys in an HSM (`Pkcs11KeyStore`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction

from pelanggan.platform import crypto
from pelanggan.prepaid.keystore.base import (
    DecoderKeySpec,
    VendingKeyExists,
    VendingKeyInfo,
    VendingKeyMissing,
    VendingKeyRef,
    derive_in_software,
    with_des_parity,
)
from pelanggan.prepaid.models import VendingKey, VendingKeyStatus
from pelanggan.prepaid.sts import DecoderKey, KeyMaterialError


def _context(ref: VendingKeyRef) -> str:
    return f"prepaid.vending_key:{ref.supply_group_code}:{ref.key_revision_number}:{ref.dkga}"


def _ref_of(row: VendingKey) -> VendingKeyRef:
    return VendingKeyRef(
        supply_group_code=row.supply_group_code,
        key_revision_number=row.key_revision_number,
        dkga=row.dkga,
    )


def _info(row: VendingKey) -> VendingKeyInfo:
    return VendingKeyInfo(
        ref=_ref_of(row),
        is_development=row.is_development,
        is_active=row.status == VendingKeyStatus.ACTIVE,
        created_at=row.created_at,
        retired_at=row.retired_at,
        backend=SoftwareKeyStore.backend,
    )


def generate_vending_key(ref: VendingKeyRef) -> bytes:
    """A random vending key of the right length (DES keys with odd parity)."""
    key = secrets.token_bytes(ref.key_length)
    return with_des_parity(key) if ref.dkga == "02" else key


class SoftwareKeyStore:
    """Vending keys as `VendingKey` rows, sealed with the platform data keys."""

    backend = "software"

    def list_keys(self) -> list[VendingKeyInfo]:
        rows = VendingKey.objects.order_by("supply_group_code", "key_revision_number", "dkga")
        return [_info(row) for row in rows]

    def add_key(
        self,
        *,
        ref: VendingKeyRef,
        key_material: bytes | None,
        is_development: bool,
        now: dt.datetime,
    ) -> VendingKeyInfo:
        key = generate_vending_key(ref) if key_material is None else key_material
        if not isinstance(key, bytes) or len(key) != ref.key_length:
            raise KeyMaterialError(f"a DKGA{ref.dkga} vending key must be {ref.key_length} bytes")
        row = VendingKey(
            supply_group_code=ref.supply_group_code,
            key_revision_number=ref.key_revision_number,
            dkga=ref.dkga,
            sealed_key=crypto.encrypt(key.hex(), context=_context(ref)),
            is_development=is_development,
            created_at=now,
        )
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            raise VendingKeyExists(
                f"a vending key {ref.label} is already stored", details={"key": ref.label}
            ) from None
        return _info(row)

    def retire_key(self, *, ref: VendingKeyRef, now: dt.datetime) -> VendingKeyInfo:
        with transaction.atomic():
            row = self._row(ref, lock=True)
            if row.status != VendingKeyStatus.RETIRED:
                row.status = VendingKeyStatus.RETIRED
                row.retired_at = now
                row.save(update_fields=["status", "retired_at"])
        return _info(row)

    def derive_decoder_key(self, *, spec: DecoderKeySpec) -> DecoderKey:
        ref = spec.vending_key
        row = self._row(ref, lock=False)
        vending_key = bytes.fromhex(crypto.decrypt(row.sealed_key, context=_context(ref)))
        return derive_in_software(spec, vending_key)

    @staticmethod
    def _row(ref: VendingKeyRef, *, lock: bool) -> VendingKey:
        query = VendingKey.objects.filter(
            supply_group_code=ref.supply_group_code,
            key_revision_number=ref.key_revision_number,
            dkga=ref.dkga,
        )
        if lock:
            query = query.select_for_update()
        row = query.first()
        if row is None:
            raise VendingKeyMissing(
                f"no vending key {ref.label} in the key store", details={"key": ref.label}
            )
        return row
