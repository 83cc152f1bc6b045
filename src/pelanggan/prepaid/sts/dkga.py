"""Decoder-key generation: DKGA02 (DES, 64-bit vending key) and DKGA04 (KDF with HMAC-SHA-256,
160-bit vending key), sts.md 3.3 and 3.4.

A vending key is the utility's secret; a CIS holds one only for simulation and test meters
(sts.md gotcha 1). Outputs are in natural byte order (gotcha 4). Inputs are validated here
because every one of them changes the key silently when wrong.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

from Crypto.Cipher import DES

from pelanggan.prepaid.sts.ciphers import EncryptionAlgorithm
from pelanggan.prepaid.sts.errors import KeyMaterialError
from pelanggan.prepaid.sts.tid import BaseDate

STS_IIN: Final = "600727"
KEY_TYPE_COMMON: Final = 3


def _digits(value: str, *, field: str, lengths: tuple[int, ...]) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise KeyMaterialError(f"{field} must be a string of decimal digits")
    if len(value) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise KeyMaterialError(f"{field} must have {expected} digits")
    return value


def _small_int(value: int, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise KeyMaterialError(f"{field} must be an integer {low}..{high}")
    return value


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit that makes `digits` + digit pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def meter_pan(iin: str, drn: str) -> str:
    """The 18-digit meter PAN: IIN + DRN + Luhn check digit (IIN 600727 with an 11-digit DRN,
    or 0000 with a 13-digit DRN)."""
    _check_iin_drn(iin, drn)
    return iin + drn + luhn_check_digit(iin + drn)


def _check_iin_drn(iin: str, drn: str) -> None:
    _digits(iin, field="iin", lengths=(4, 6))
    _digits(drn, field="drn", lengths=(11, 13))
    if len(iin) + len(drn) != 17:
        raise KeyMaterialError("a 6-digit IIN needs an 11-digit DRN, a 4-digit IIN a 13-digit one")


@dataclass(frozen=True, slots=True)
class KeyAttributes:
    """What, besides the vending key and the meter, diversifies a decoder key."""

    key_type: int  # 0 DITK, 1 DDTK, 2 DUTK, 3 DCTK
    supply_group_code: str  # 6 digits
    tariff_index: str  # 2 digits, "01".."99"
    key_revision_number: int  # 1..9

    def __post_init__(self) -> None:
        _small_int(self.key_type, field="key_type", low=0, high=3)
        _digits(self.supply_group_code, field="supply_group_code", lengths=(6,))
        _digits(self.tariff_index, field="tariff_index", lengths=(2,))
        _small_int(self.key_revision_number, field="key_revision_number", low=1, high=9)


def dkga02_pan_block(iin: str, drn: str, key_type: int) -> str:
    """16 digits: the IIN without its first digit (last 5 of 6, or last 3 of 4) + the DRN;
    the DRN part is zeros for a common key (KT 3)."""
    _check_iin_drn(iin, drn)
    if key_type == KEY_TYPE_COMMON:
        drn = "0" * len(drn)
    return iin[1:] + drn


def dkga02_control_block(attributes: KeyAttributes) -> str:
    """16 hex digits: KT ‖ SGC ‖ TI ‖ KRN ‖ FFFFFF."""
    return (
        f"{attributes.key_type:X}{attributes.supply_group_code}{attributes.tariff_index}"
        f"{attributes.key_revision_number:X}FFFFFF"
    )


def dkga02(*, vending_key: bytes, attributes: KeyAttributes, iin: str, drn: str) -> bytes:
    """DKGA02: DK = DES(VK, D) XOR D XOR VK with D = PANBlock XOR CONTROLBlock (8 bytes)."""
    if not isinstance(vending_key, bytes) or len(vending_key) != 8:
        raise KeyMaterialError("a DKGA02 vending key must be 8 bytes")
    pan = bytes.fromhex(dkga02_pan_block(iin, drn, attributes.key_type))
    control = bytes.fromhex(dkga02_control_block(attributes))
    data = bytes(a ^ b for a, b in zip(pan, control, strict=True))
    # DKGA02 is defined on single DES; the choice is the standard's, not ours.
    encrypted = DES.new(vending_key, DES.MODE_ECB).encrypt(data)  # noqa: S304
    return bytes(e ^ d ^ v for e, d, v in zip(encrypted, data, vending_key, strict=True))


def _length_prefixed(*parts: str) -> bytes:
    out = bytearray([len(parts)])
    for part in parts:
        raw = part.encode("ascii")
        out.append(len(raw))
        out += raw
    return bytes(out)


def dkga04_message(
    *,
    attributes: KeyAttributes,
    base_date: BaseDate,
    algorithm: EncryptionAlgorithm,
    meter_pan: str,
) -> bytes:
    """The KDF input: Label ‖ 0x00 ‖ Context ‖ L (sts.md 3.4), L = key length in bits."""
    _digits(meter_pan, field="meter_pan", lengths=(18,))
    label = _length_prefixed("04", base_date.value, algorithm.value, attributes.tariff_index)
    context = _length_prefixed(
        attributes.supply_group_code,
        f"{attributes.key_type:X}",
        f"{attributes.key_revision_number:X}",
        meter_pan,
    )
    length_bits = 8 * algorithm.key_length
    return label + b"\x00" + context + length_bits.to_bytes(4, "big")


def dkga04(
    *,
    vending_key: bytes,
    attributes: KeyAttributes,
    base_date: BaseDate,
    algorithm: EncryptionAlgorithm,
    meter_pan: str,
) -> bytes:
    """DKGA04: the leftmost 8 (STA) or 16 (MISTY1) bytes of HMAC-SHA-256(VK, message)."""
    if not isinstance(vending_key, bytes) or len(vending_key) != 20:
        raise KeyMaterialError("a DKGA04 vending key must be 20 bytes (160 bits)")
    message = dkga04_message(
        attributes=attributes, base_date=base_date, algorithm=algorithm, meter_pan=meter_pan
    )
    digest = hmac.new(vending_key, message, hashlib.sha256).digest()
    return digest[: algorithm.key_length]
