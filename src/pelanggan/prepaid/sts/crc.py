"""The STS token CRC (IEC 62055-41): CRC-16 with generator 0x8005, bit-reflected (0xA001),
register preset to 0xFFFF, no final XOR -- the CRC-16/MODBUS routine.

The input is the 50 bits class ‖ subclass ‖ ... ‖ last data field, left-padded to 56 bits and fed
as 7 bytes, most significant first. The 16-bit register is stored byte-swapped in the token (low
byte in bits 15..8 of the CRC field); `token_crc` returns the field value as stored.
Currency tokens (class 0, subclass 4..7) use CRC_C: the same routine over the 7 bytes followed by
one 0x01 byte [U in sts.md 4.3: one implementation].
"""

from __future__ import annotations

from typing import Final


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        register = byte
        for _ in range(8):
            register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
        table.append(register)
    return tuple(table)


_TABLE: Final = _make_table()


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS of `data` (register value, not byte-swapped)."""
    register = 0xFFFF
    for byte in data:
        register = (register >> 8) ^ _TABLE[(register ^ byte) & 0xFF]
    return register


def token_crc(class_and_data: int, *, currency: bool = False) -> int:
    """The 16-bit CRC field for the 50-bit value class(2) ‖ data(48), as stored in the block.

    Written with the 7 byte steps unrolled from one table because the CRC runs once per token
    in vending and in decoding, and the byte loop would dominate the token rate.
    """
    table = _TABLE
    register = 0xFFFF
    for shift in (48, 40, 32, 24, 16, 8, 0):
        register = (register >> 8) ^ table[(register ^ (class_and_data >> shift)) & 0xFF]
    if currency:
        register = (register >> 8) ^ table[(register ^ 0x01) & 0xFF]
    return ((register & 0xFF) << 8) | (register >> 8)
