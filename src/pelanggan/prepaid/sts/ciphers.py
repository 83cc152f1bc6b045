"""Encryption algorithm codes and decoder keys (sts.md 3.1).

A `DecoderKey` is the key bytes in natural order (DES/HMAC output order, sts.md gotcha 4) plus
the algorithm it is used with; its cipher object (the precomputed key schedule) is built once
per key and cached, because vending and the meter simulator reuse the same keys all day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from pelanggan.prepaid.sts.crypto_sta import StaCipher
from pelanggan.prepaid.sts.errors import KeyMaterialError
from pelanggan.prepaid.sts.misty1 import Misty1Cipher


class EncryptionAlgorithm(enum.Enum):
    """STS encryption algorithm codes. EA09 (single DES) is deprecated and not offered."""

    STA = "07"
    MISTY1 = "11"

    @property
    def key_length(self) -> int:
        """Decoder-key length in bytes: 8 for STA, 16 for MISTY1."""
        return 8 if self is EncryptionAlgorithm.STA else 16

    @classmethod
    def from_code(cls, code: str) -> EncryptionAlgorithm:
        """Parse "07"/"11" (also "EA07"/"EA11"); anything else is a `KeyMaterialError`."""
        text = code.strip().upper().removeprefix("EA")
        for member in cls:
            if member.value == text:
                return member
        raise KeyMaterialError("ea_code must be '07' (STA) or '11' (MISTY1)")


class BlockCipher(Protocol):
    """A 64-bit block cipher over integers."""

    def encrypt_block(self, block: int) -> int: ...

    def decrypt_block(self, block: int) -> int: ...


def parse_key_hex(text: str, *, field: str, length: int) -> bytes:
    """Key bytes from hex text of exactly `length` bytes; the message never echoes the key."""
    if not isinstance(text, str):
        raise KeyMaterialError(f"{field} must be a hex string")
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise KeyMaterialError(f"{field} is not valid hexadecimal") from None
    if len(key) != length:
        raise KeyMaterialError(f"{field} must be {length} bytes ({2 * length} hex digits)")
    return key


@dataclass(frozen=True, slots=True)
class DecoderKey:
    """A meter's decoder key and the algorithm it encrypts with."""

    key: bytes
    algorithm: EncryptionAlgorithm

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != self.algorithm.key_length:
            raise KeyMaterialError(
                f"an EA{self.algorithm.value} decoder key must be {self.algorithm.key_length} bytes"
            )

    def __repr__(self) -> str:  # never print key material
        return f"DecoderKey(algorithm={self.algorithm.name}, key=<{len(self.key)} bytes>)"

    @classmethod
    def from_hex(cls, key_hex: str, ea_code: str | EncryptionAlgorithm) -> DecoderKey:
        """Build from hex text and an EA code ("07"/"11")."""
        algorithm = (
            ea_code
            if isinstance(ea_code, EncryptionAlgorithm)
            else EncryptionAlgorithm.from_code(ea_code)
        )
        return cls(
            parse_key_hex(key_hex, field="decoder_key_hex", length=algorithm.key_length),
            algorithm,
        )

    @property
    def cipher(self) -> BlockCipher:
        """The cached cipher for this key."""
        return cipher_for(self.key, self.algorithm)


@lru_cache(maxsize=4096)
def cipher_for(key: bytes, algorithm: EncryptionAlgorithm) -> BlockCipher:
    """Build (once) the cipher with the precomputed schedule for `key`."""
    if algorithm is EncryptionAlgorithm.STA:
        return StaCipher(key)
    return Misty1Cipher(key)
