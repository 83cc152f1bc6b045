"""EA07, the STS Standard Transfer Algorithm (STA): a 64-bit key, 64-bit block, 16-round
substitution/permutation cipher (sts.md 3.2).

Bits are numbered from the least significant bit (bit 0) everywhere, including the permutation
table: bit i of the substituted block moves to bit P[i]. Per round r (0..15) the round key is
(NOT key) rotated right by 12, then left by r; nibble i of the block goes through S1 when bit
4i+3 of the round key is 0 and through S2 when it is 1, then the block is permuted.

Speed: a bit-by-bit round costs hundreds of Python operations. Because the substitution works on
nibbles and the permutation is linear over XOR, substitute-then-permute can be done per input
byte: the contribution of byte j to the round output depends only on the byte value and on the
two key bits that select its nibbles' tables. `StaTables` precomputes those 8 x 4 x 256 entries
once (key-independent), and a `StaCipher` only picks one of the four tables per byte and round.
Decryption uses the same trick on inverse-substitute-then-inverse-permute of adjacent rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pelanggan.prepaid.sts.errors import KeyMaterialError

_MASK64: Final = (1 << 64) - 1

STS_S1: Final = (14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11)
STS_S2: Final = (12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14)
STS_P: Final = (
    55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50,
    6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4, 32, 20, 63, 25,
    51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5,
    40, 60, 39, 11, 15, 17, 1, 0, 57, 34, 59, 8, 47, 14, 45, 26,
)  # fmt: skip

_ByteTables = tuple[tuple[tuple[int, ...], ...], ...]  # [byte position][selector][byte value]


def _rotl64(value: int, count: int) -> int:
    count %= 64
    return ((value << count) | (value >> (64 - count))) & _MASK64


def _invert(table: Sequence[int]) -> tuple[int, ...]:
    inverse = [0] * len(table)
    for index, value in enumerate(table):
        inverse[value] = index
    return tuple(inverse)


def _permute_bits(value: int, positions: Sequence[int]) -> int:
    out = 0
    bit = 0
    while value:
        if value & 1:
            out |= 1 << positions[bit]
        value >>= 1
        bit += 1
    return out


def _check_tables(s1: Sequence[int], s2: Sequence[int], p: Sequence[int]) -> None:
    if sorted(s1) != list(range(16)) or sorted(s2) != list(range(16)):
        raise KeyMaterialError("STA substitution tables must each be a permutation of 0..15")
    if sorted(p) != list(range(64)):
        raise KeyMaterialError("STA permutation table must be a permutation of 0..63")


class StaTables:
    """Precomputed byte tables for one set of STA constants (the real ones by default).

    Other constants exist only for the spec's worked example with non-secret tables; the
    parameter lets a test prove the bit conventions with them.
    """

    def __init__(
        self,
        s1: Sequence[int] = STS_S1,
        s2: Sequence[int] = STS_S2,
        p: Sequence[int] = STS_P,
    ) -> None:
        _check_tables(s1, s2, p)
        p_inverse = _invert(p)
        s1_inverse, s2_inverse = _invert(s1), _invert(s2)
        boxes = (tuple(s1), tuple(s2))
        inverse_boxes = (s1_inverse, s2_inverse)

        def substitute(byte: int, selector: int, tables: tuple[tuple[int, ...], ...]) -> int:
            low = tables[selector & 1][byte & 0xF]
            high = tables[selector >> 1][byte >> 4]
            return (high << 4) | low

        # Encryption round: permute(substitute(x)), split per input byte.
        self.encrypt_round: _ByteTables = tuple(
            tuple(
                tuple(_permute_bits(substitute(b, sel, boxes) << (8 * j), p) for b in range(256))
                for sel in range(4)
            )
            for j in range(8)
        )
        # Inverse permutation alone, per input byte (first step of decryption).
        self.unpermute: tuple[tuple[int, ...], ...] = tuple(
            tuple(_permute_bits(b << (8 * j), p_inverse) for b in range(256)) for j in range(8)
        )
        # Inverse substitution of round r followed by inverse permutation of round r-1.
        self.decrypt_round: _ByteTables = tuple(
            tuple(
                tuple(
                    _permute_bits(substitute(b, sel, inverse_boxes) << (8 * j), p_inverse)
                    for b in range(256)
                )
                for sel in range(4)
            )
            for j in range(8)
        )
        # Inverse substitution alone (last step of decryption).
        self.unsubstitute: _ByteTables = tuple(
            tuple(
                tuple(substitute(b, sel, inverse_boxes) << (8 * j) for b in range(256))
                for sel in range(4)
            )
            for j in range(8)
        )


_STANDARD_TABLES: StaTables | None = None


def standard_tables() -> StaTables:
    """The tables for the licensed STS constants, built on first use (about 10 ms)."""
    global _STANDARD_TABLES
    if _STANDARD_TABLES is None:
        _STANDARD_TABLES = StaTables()
    return _STANDARD_TABLES


def _selectors(round_key: int) -> tuple[int, ...]:
    """Per byte j: bit 0 = key bit 8j+3 (low nibble), bit 1 = key bit 8j+7 (high nibble)."""
    return tuple(
        ((round_key >> (8 * j + 3)) & 1) | (((round_key >> (8 * j + 7)) & 1) << 1) for j in range(8)
    )


class StaCipher:
    """STA with one decoder key; building it once per key is the "cached key" of the benchmark."""

    __slots__ = ("_dec_first", "_dec_last", "_dec_rounds", "_enc_rounds", "_unpermute")

    def __init__(self, key: bytes, tables: StaTables | None = None) -> None:
        if not isinstance(key, bytes) or len(key) != 8:
            raise KeyMaterialError("an STA (EA07) decoder key must be 8 bytes")
        tables = tables or standard_tables()
        prepared = _rotl64(~int.from_bytes(key, "big") & _MASK64, 64 - 12)
        selectors = [_selectors(_rotl64(prepared, r)) for r in range(16)]
        self._enc_rounds = tuple(
            tuple(tables.encrypt_round[j][sel[j]] for j in range(8)) for sel in selectors
        )
        self._unpermute = tables.unpermute
        # Decryption: rounds 15..1 fuse "unsubstitute round r" with "unpermute round r-1".
        self._dec_rounds = tuple(
            tuple(tables.decrypt_round[j][selectors[r][j]] for j in range(8))
            for r in range(15, 0, -1)
        )
        self._dec_first = self._unpermute
        self._dec_last = tuple(tables.unsubstitute[j][selectors[0][j]] for j in range(8))

    def encrypt_block(self, block: int) -> int:
        """Encrypt a 64-bit block given as an integer (bit 63 = first bit of the block)."""
        x = block
        for t0, t1, t2, t3, t4, t5, t6, t7 in self._enc_rounds:
            x = (
                t0[x & 0xFF] | t1[(x >> 8) & 0xFF] | t2[(x >> 16) & 0xFF] | t3[(x >> 24) & 0xFF]
                | t4[(x >> 32) & 0xFF] | t5[(x >> 40) & 0xFF] | t6[(x >> 48) & 0xFF]
                | t7[x >> 56]
            )  # fmt: skip
        return x

    def decrypt_block(self, block: int) -> int:
        """Invert `encrypt_block`."""
        t0, t1, t2, t3, t4, t5, t6, t7 = self._dec_first
        x = (
            t0[block & 0xFF] | t1[(block >> 8) & 0xFF] | t2[(block >> 16) & 0xFF]
            | t3[(block >> 24) & 0xFF] | t4[(block >> 32) & 0xFF] | t5[(block >> 40) & 0xFF]
            | t6[(block >> 48) & 0xFF] | t7[block >> 56]
        )  # fmt: skip
        for t0, t1, t2, t3, t4, t5, t6, t7 in self._dec_rounds:
            x = (
                t0[x & 0xFF] | t1[(x >> 8) & 0xFF] | t2[(x >> 16) & 0xFF] | t3[(x >> 24) & 0xFF]
                | t4[(x >> 32) & 0xFF] | t5[(x >> 40) & 0xFF] | t6[(x >> 48) & 0xFF]
                | t7[x >> 56]
            )  # fmt: skip
        t0, t1, t2, t3, t4, t5, t6, t7 = self._dec_last
        return (
            t0[x & 0xFF] | t1[(x >> 8) & 0xFF] | t2[(x >> 16) & 0xFF] | t3[(x >> 24) & 0xFF]
            | t4[(x >> 32) & 0xFF] | t5[(x >> 40) & 0xFF] | t6[(x >> 48) & 0xFF] | t7[x >> 56]
        )  # fmt: skip
