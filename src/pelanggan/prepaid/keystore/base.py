"""The key-store interface: vending keys in, decoder keys out.

A `KeyStore` holds the utility's vending keys (per supply group code, key revision number and
DKGA) and derives a meter's decoder key from them on request. The derived `DecoderKey` leaves
the store — tokens are encrypted in software by the STS engine — but the vending key itself
does not (see README.md in this package for what each store lets out). Nothing here logs key
material; `DecoderKey.__repr__` prints no key bytes either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from pelanggan.platform.errors import DomainError, NotFound
from pelanggan.prepaid.sts import (
    BaseDate,
    DecoderKey,
    EncryptionAlgorithm,
    KeyAttributes,
    KeyMaterialError,
    dkga02,
    dkga04,
    meter_pan,
)
from pelanggan.prepaid.sts.dkga import luhn_check_digit

VENDING_KEY_LENGTH: Final = {"02": 8, "04": 20}
DEVELOPMENT_KEY_WARNING: Final = (
    "DEVELOPMENT vending keys: they were generated here, not issued by the utility's key "
    "management centre. Tokens made with them work ONLY on simulated meters, never on a real "
    "meter. Do not use them in production."
)


class KeyStoreError(DomainError):
    """The key store cannot do what was asked (HSM unreachable, mechanism missing, bad key)."""

    status = 503
    default_code = "key_store_unavailable"


class VendingKeyMissing(NotFound):
    """No vending key for that SGC, KRN and DKGA."""

    default_code = "vending_key_missing"


class VendingKeyExists(DomainError):
    """A vending key for that SGC, KRN and DKGA is already stored."""

    status = 409
    default_code = "vending_key_exists"


def _check_dkga(dkga: str) -> str:
    if dkga not in VENDING_KEY_LENGTH:
        raise KeyMaterialError("dkga must be '02' or '04'")
    return dkga


@dataclass(frozen=True, slots=True, kw_only=True)
class VendingKeyRef:
    """Names one vending key: supply group code, key revision number, DKGA ("02"/"04")."""

    supply_group_code: str
    key_revision_number: int
    dkga: str

    def __post_init__(self) -> None:
        # KeyAttributes validates the SGC and KRN the same way the derivation will.
        KeyAttributes(
            key_type=2,
            supply_group_code=self.supply_group_code,
            tariff_index="01",
            key_revision_number=self.key_revision_number,
        )
        _check_dkga(self.dkga)

    @property
    def key_length(self) -> int:
        """Vending-key length in bytes: 8 for DKGA02, 20 for DKGA04."""
        return VENDING_KEY_LENGTH[self.dkga]

    @property
    def label(self) -> str:
        """A stable text name, used in audit rows and as the HSM object label."""
        return f"sts-vk-{self.supply_group_code}-{self.key_revision_number}-dkga{self.dkga}"


@dataclass(frozen=True, slots=True, kw_only=True)
class VendingKeyInfo:
    """What may be shown about a stored vending key: never its value."""

    ref: VendingKeyRef
    is_development: bool
    is_active: bool
    created_at: dt.datetime | None
    retired_at: dt.datetime | None
    backend: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterIdentity:
    """The meter's STS identity: IIN (600727 or 0000) and DRN (11 or 13 digits)."""

    iin: str
    drn: str

    def __post_init__(self) -> None:
        meter_pan(self.iin, self.drn)  # validates both and their lengths

    @property
    def pan(self) -> str:
        """The 18-digit PAN with its Luhn check digit."""
        return meter_pan(self.iin, self.drn)

    @classmethod
    def from_pan(cls, pan: str) -> MeterIdentity:
        """Parse an 18-digit PAN (IIN 0000 + 13-digit DRN, else 6-digit IIN + 11-digit DRN);
        the check digit must be right."""
        if not isinstance(pan, str) or len(pan) != 18 or not pan.isascii() or not pan.isdigit():
            raise KeyMaterialError("meter_pan must be 18 decimal digits")
        iin_length = 4 if pan.startswith("0000") else 6
        if luhn_check_digit(pan[:17]) != pan[17]:
            raise KeyMaterialError("meter_pan has a wrong check digit")
        return cls(iin=pan[:iin_length], drn=pan[iin_length:17])


@dataclass(frozen=True, slots=True, kw_only=True)
class DecoderKeySpec:
    """Everything that names one decoder key: which vending key, the key attributes, the meter,
    the base date (DKGA04 only) and the token encryption algorithm."""

    supply_group_code: str
    key_revision_number: int
    key_type: int
    tariff_index: str
    meter: MeterIdentity
    base_date: BaseDate
    dkga: str
    algorithm: EncryptionAlgorithm

    def __post_init__(self) -> None:
        self.attributes  # noqa: B018 - validates SGC, KRN, KT and TI
        _check_dkga(self.dkga)
        if self.dkga == "02" and self.algorithm is not EncryptionAlgorithm.STA:
            raise KeyMaterialError("DKGA02 yields 64-bit keys: it pairs with EA07 (STA) only")

    @property
    def attributes(self) -> KeyAttributes:
        """The engine's key attributes."""
        return KeyAttributes(
            key_type=self.key_type,
            supply_group_code=self.supply_group_code,
            tariff_index=self.tariff_index,
            key_revision_number=self.key_revision_number,
        )

    @property
    def vending_key(self) -> VendingKeyRef:
        """The vending key this decoder key derives from."""
        return VendingKeyRef(
            supply_group_code=self.supply_group_code,
            key_revision_number=self.key_revision_number,
            dkga=self.dkga,
        )


def derive_in_software(spec: DecoderKeySpec, vending_key: bytes) -> DecoderKey:
    """The decoder key for `spec` from the vending key's value, with the engine's DKGA."""
    if spec.dkga == "02":
        raw = dkga02(
            vending_key=vending_key,
            attributes=spec.attributes,
            iin=spec.meter.iin,
            drn=spec.meter.drn,
        )
    else:
        raw = dkga04(
            vending_key=vending_key,
            attributes=spec.attributes,
            base_date=spec.base_date,
            algorithm=spec.algorithm,
            meter_pan=spec.meter.pan,
        )
    return DecoderKey(raw, spec.algorithm)


def with_des_parity(key: bytes) -> bytes:
    """`key` with every byte's low bit set for odd parity (the DES convention; DES ignores
    these bits, an HSM may insist on them)."""
    return bytes((b & 0xFE) | (bin(b >> 1).count("1") % 2 == 0) for b in key)


@runtime_checkable
class KeyStore(Protocol):
    """Where vending keys live. Implementations: `SoftwareKeyStore` (database, encrypted at
    rest) and `Pkcs11KeyStore` (a hardware security module)."""

    backend: str

    def list_keys(self) -> list[VendingKeyInfo]:
        """Every stored vending key, by SGC, KRN and DKGA."""
        ...

    def add_key(
        self,
        *,
        ref: VendingKeyRef,
        key_material: bytes | None,
        is_development: bool,
        now: dt.datetime,
    ) -> VendingKeyInfo:
        """Store a vending key: `key_material` as given, or generated inside the store when
        None. Raises `VendingKeyExists` when one is already stored under `ref`."""
        ...

    def retire_key(self, *, ref: VendingKeyRef, now: dt.datetime) -> VendingKeyInfo:
        """Mark a vending key retired (it still derives); `VendingKeyMissing` if absent."""
        ...

    def derive_decoder_key(self, *, spec: DecoderKeySpec) -> DecoderKey:
        """The decoder key named by `spec`; `VendingKeyMissing` if its vending key is absent."""
        ...
