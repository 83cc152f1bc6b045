"""Key-change token sets: the new decoder key in 32-bit sections (sts.md 1.2 and 5.6).

A 64-bit (STA) key travels in two tokens: 1st section = key bits 63..32, 2nd = bits 31..0.
A 128-bit (MISTY1) key travels in four: 1st = bits 127..96, 3rd = 95..64, 4th = 63..32,
2nd = 31..0; the 3rd and 4th also carry the supply group code (low and high 12 bits).
All of them are encrypted with the meter's CURRENT key (gotcha 8); KEN travels split over the
1st (high nibble) and 2nd (low nibble) sections, TI (binary) in the 2nd.
"""

from __future__ import annotations

from dataclasses import dataclass

from pelanggan.prepaid.sts.ciphers import DecoderKey
from pelanggan.prepaid.sts.codec import EncodedToken, encode_token
from pelanggan.prepaid.sts.errors import FieldRangeError, KeyMaterialError
from pelanggan.prepaid.sts.tokens import (
    KeyChangeSection,
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    Set3rdSectionDecoderKey,
    Set4thSectionDecoderKey,
)

# Which 32-bit chunk of the key (0 = most significant) each section carries, by subclass.
_CHUNK_64 = {3: 0, 4: 1}
_CHUNK_128 = {3: 0, 8: 1, 9: 2, 4: 3}


def key_chunk_index(subclass: int, key_length: int) -> int:
    """The 32-bit chunk (0 = most significant) of a `key_length`-byte key that the section
    with this subclass carries."""
    table = _CHUNK_64 if key_length == 8 else _CHUNK_128
    if subclass not in table:
        raise FieldRangeError(f"subclass {subclass} carries no part of a {8 * key_length}-bit key")
    return table[subclass]


def key_chunk(key: bytes, index: int) -> int:
    """The 32-bit chunk `index` (0 = most significant) of `key`."""
    return int.from_bytes(key[4 * index : 4 * index + 4], "big")


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyChange:
    """Everything a meter installs with a new key."""

    new_key: DecoderKey
    key_expiry_number: int  # 8 bits; 255 = never expires within a base-date period
    key_revision_number: int  # 1..9 (4 bits)
    key_type: int  # 0..3
    tariff_index: int  # 0..99, coded binary in the 2nd section
    rollover: bool  # clears the meter's TID memory: a base-date change
    supply_group_code: str | None = None  # 6 digits; needed for 128-bit keys

    def sections(self) -> tuple[KeyChangeSection, ...]:
        """The section payloads in the order they are usually sent: 1st, 2nd (, 3rd, 4th)."""
        if not 0 <= self.key_expiry_number <= 255:
            raise FieldRangeError("the key expiry number must be 0..255")
        key = self.new_key.key
        first = Set1stSectionDecoderKey(
            ken_high=self.key_expiry_number >> 4,
            key_revision_number=self.key_revision_number,
            rollover=self.rollover,
            key_type=self.key_type,
            key_part=key_chunk(key, 0),
        )
        second = Set2ndSectionDecoderKey(
            ken_low=self.key_expiry_number & 0xF,
            tariff_index=self.tariff_index,
            key_part=key_chunk(key, len(key) // 4 - 1),
        )
        if len(key) == 8:
            return (first, second)
        sgc = self.supply_group_code
        if sgc is None or len(sgc) != 6 or not sgc.isascii() or not sgc.isdigit():
            raise KeyMaterialError("a 128-bit key change needs the 6-digit supply_group_code")
        sgc_value = int(sgc)
        third = Set3rdSectionDecoderKey(sgc_part=sgc_value & 0xFFF, key_part=key_chunk(key, 1))
        fourth = Set4thSectionDecoderKey(
            sgc_part=(sgc_value >> 12) & 0xFFF, key_part=key_chunk(key, 2)
        )
        return (first, second, third, fourth)

    def tokens(self, current_key: DecoderKey) -> tuple[EncodedToken, ...]:
        """The key-change tokens, encrypted with the meter's current key."""
        return tuple(encode_token(section, current_key) for section in self.sections())


def assemble_key(sections: dict[int, KeyChangeSection], key_length: int) -> bytes | None:
    """The new key from the sections received so far (by subclass), or None if incomplete."""
    table = _CHUNK_64 if key_length == 8 else _CHUNK_128
    if not all(subclass in sections for subclass in table):
        return None
    chunks = sorted((index, sections[subclass].key_part) for subclass, index in table.items())
    return b"".join(part.to_bytes(4, "big") for _, part in chunks)
