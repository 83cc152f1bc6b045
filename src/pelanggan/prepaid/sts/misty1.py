"""EA11: MISTY1 (RFC 2994), 128-bit key, 64-bit block, 8 rounds, as STS edition 2 uses it.

Written from the RFC's description; the two S-boxes below are the RFC's tables (facts of the
standard). Key and block are big-endian in natural order: data-block bits 63..0 are bytes 0..7
(sts.md 3.5). Blocks are handled as integers because the token codec works on integers.

Structure (RFC 2994 section 2): the key is split into eight 16-bit words K0..K7 and the
expanded words K'i = FI(Ki, K(i+1 mod 8)). The data randomising part is a Feistel network whose
round function FO is a 3-round Feistel of FI, with the key-dependent linear function FL applied
to both halves before every odd round and at the end.
"""

from __future__ import annotations

from typing import Final

from pelanggan.prepaid.sts.errors import KeyMaterialError

# RFC 2994 S7 (128 entries) and S9 (512 entries), as hexadecimal numbers in table order.
_S7_TEXT: Final = """
1b 32 33 5a 3b 10 17 54 5b 1a 72 73 6b 2c 66 49 1f 24 13 6c 37 2e 3f 4a 5d 0f 40 56 25 51 1c 04
0b 46 20 0d 7b 35 44 42 2b 1e 41 14 4b 79 15 6f 0e 55 09 36 74 0c 67 53 28 0a 7e 38 02 07 60 29
19 12 65 2f 30 39 08 68 5f 78 2a 4c 64 45 75 3d 59 48 03 57 7c 4f 62 3c 1d 21 5e 27 6a 70 4d 3a
01 6d 6e 63 18 77 23 05 26 76 00 31 2d 7a 7f 61 50 22 11 06 47 16 52 4e 71 3e 69 43 34 5c 58 7d
"""
_S9_TEXT: Final = """
1c3 0cb 153 19f 1e3 0e9 0fb 035 181 0b9 117 1eb 133 009 02d 0d3 0c7 14a 037 07e
0eb 164 193 1d8 0a3 11e 055 02c 01d 1a2 163 118 14b 152 1d2 00f 02b 030 13a 0e5
111 138 18e 063 0e3 0c8 1f4 01b 001 09d 0f8 1a0 16d 1f3 01c 146 07d 0d1 082 1ea
183 12d 0f4 19e 1d3 0dd 1e2 128 1e0 0ec 059 091 011 12f 026 0dc 0b0 18c 10f 1f7
0e7 16c 0b6 0f9 0d8 151 101 14c 103 0b8 154 12b 1ae 017 071 00c 047 058 07f 1a4
134 129 084 15d 19d 1b2 1a3 048 07c 051 1ca 023 13d 1a7 165 03b 042 0da 192 0ce
0c1 06b 09f 1f1 12c 184 0fa 196 1e1 169 17d 031 180 10a 094 1da 186 13e 11c 060
175 1cf 067 119 065 068 099 150 008 007 17c 0b7 024 019 0de 127 0db 0e4 1a9 052
109 090 19c 1c1 028 1b3 135 16a 176 0df 1e5 188 0c5 16e 1de 1b1 0c3 1df 036 0ee
1ee 0f0 093 049 09a 1b6 069 081 125 00b 05e 0b4 149 1c7 174 03e 13b 1b7 08e 1c6
0ae 010 095 1ef 04e 0f2 1fd 085 0fd 0f6 0a0 16f 083 08a 156 09b 13c 107 167 098
1d0 1e9 003 1fe 0bd 122 089 0d2 18f 012 033 06a 142 0ed 170 11b 0e2 14f 158 131
147 05d 113 1cd 079 161 1a5 179 09e 1b4 0cc 022 132 01a 0e8 004 187 1ed 197 039
1bf 1d7 027 18b 0c6 09c 0d0 14e 06c 034 1f2 06e 0ca 025 0ba 191 0fe 013 106 02f
1ad 172 1db 0c0 10b 1d6 0f5 1ec 10d 076 114 1ab 075 10c 1e4 159 054 11f 04b 0c4
1be 0f7 029 0a4 00e 1f0 077 04d 17a 086 08b 0b3 171 0bf 10e 104 097 15b 160 168
0d7 0bb 066 1ce 0fc 092 1c5 06f 016 04a 0a1 139 0af 0f1 190 00a 1aa 143 17b 056
18d 166 0d4 1fb 14d 194 19a 087 1f8 123 0a7 1b8 141 03c 1f9 140 02a 155 11a 1a1
198 0d5 126 1af 061 12e 157 1dc 072 18a 0aa 096 115 0ef 045 07b 08d 145 053 05f
178 0b2 02e 020 1d5 03f 1c9 1e7 1ac 044 038 014 0b1 16b 0ab 0b5 05a 182 1c8 1d4
018 177 064 0cf 06d 100 199 130 15a 005 120 1bb 1bd 0e0 04f 0d6 13f 1c4 12a 015
006 0ff 19b 0a6 043 088 050 15f 1e8 121 073 17e 0bc 0c2 0c9 173 189 1f5 074 1cc
1e6 1a8 195 01f 041 00d 1ba 032 03d 1d1 080 0a8 057 1b9 162 148 0d9 105 062 07a
021 1ff 112 108 1c0 0a9 11d 1b0 1a6 0cd 0f3 05c 102 05b 1d9 144 1f6 0ad 0a5 03a
1cb 136 17f 046 0e1 01e 1dd 0e6 137 1fa 185 08c 08f 040 1b5 0be 078 000 0ac 110
15e 124 002 1bc 0a2 0ea 070 1fc 116 15c 04c 1c2
"""

S7: Final = tuple(int(entry, 16) for entry in _S7_TEXT.split())
S9: Final = tuple(int(entry, 16) for entry in _S9_TEXT.split())


def _fi(value: int, key: int) -> int:
    """FI: a 16-bit three-round unbalanced Feistel of S9/S7 keyed by 16 key bits (7 + 9)."""
    d9 = value >> 7
    d7 = value & 0x7F
    d9 = S9[d9] ^ d7
    d7 = (S7[d7] ^ d9) & 0x7F
    d7 ^= key >> 9
    d9 ^= key & 0x1FF
    d9 = S9[d9] ^ d7
    return (d7 << 9) | d9


class Misty1Cipher:
    """MISTY1 with one 128-bit key; the key schedule is computed once in the constructor."""

    __slots__ = ("_fl", "_fo")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 16:
            raise KeyMaterialError("a MISTY1 (EA11) decoder key must be 16 bytes")
        k = [int.from_bytes(key[2 * i : 2 * i + 2], "big") for i in range(8)]
        kx = [_fi(k[i], k[(i + 1) % 8]) for i in range(8)]
        # FO_i uses KO = (K_i, K_i+2, K_i+7, K_i+4) and KI = (K'_i+5, K'_i+1, K'_i+3).
        self._fo = tuple(
            (
                k[i], kx[(i + 5) % 8],
                k[(i + 2) % 8], kx[(i + 1) % 8],
                k[(i + 7) % 8], kx[(i + 3) % 8],
                k[(i + 4) % 8],
            )
            for i in range(8)
        )  # fmt: skip
        # FL_i uses (KL1, KL2): even i -> (K_i/2, K'_(i/2+6));
        # odd i -> (K'_((i-1)/2+2), K_((i-1)/2+4)).
        self._fl = tuple(
            (k[i // 2], kx[(i // 2 + 6) % 8])
            if i % 2 == 0
            else (kx[((i - 1) // 2 + 2) % 8], k[((i - 1) // 2 + 4) % 8])
            for i in range(10)
        )

    def _fo_apply(self, value: int, index: int) -> int:
        ko1, ki1, ko2, ki2, ko3, ki3, ko4 = self._fo[index]
        t0 = value >> 16
        t1 = value & 0xFFFF
        t0 = _fi(t0 ^ ko1, ki1) ^ t1
        t1 = _fi(t1 ^ ko2, ki2) ^ t0
        t0 = _fi(t0 ^ ko3, ki3) ^ t1
        t1 ^= ko4
        return (t1 << 16) | t0

    def _fl_apply(self, value: int, index: int) -> int:
        kl1, kl2 = self._fl[index]
        d0 = value >> 16
        d1 = value & 0xFFFF
        d1 ^= d0 & kl1
        d0 ^= d1 | kl2
        return (d0 << 16) | d1

    def _fl_invert(self, value: int, index: int) -> int:
        kl1, kl2 = self._fl[index]
        d0 = value >> 16
        d1 = value & 0xFFFF
        d0 ^= d1 | kl2
        d1 ^= d0 & kl1
        return (d0 << 16) | d1

    def encrypt_block(self, block: int) -> int:
        """Encrypt a 64-bit block given as an integer."""
        d0 = block >> 32
        d1 = block & 0xFFFFFFFF
        for i in (0, 2, 4, 6):
            d0 = self._fl_apply(d0, i)
            d1 = self._fl_apply(d1, i + 1)
            d1 ^= self._fo_apply(d0, i)
            d0 ^= self._fo_apply(d1, i + 1)
        d0 = self._fl_apply(d0, 8)
        d1 = self._fl_apply(d1, 9)
        return (d1 << 32) | d0

    def decrypt_block(self, block: int) -> int:
        """Invert `encrypt_block`, undoing its steps in reverse order."""
        d1 = block >> 32
        d0 = block & 0xFFFFFFFF
        d0 = self._fl_invert(d0, 8)
        d1 = self._fl_invert(d1, 9)
        for i in (6, 4, 2, 0):
            d0 ^= self._fo_apply(d1, i + 1)
            d1 ^= self._fo_apply(d0, i)
            d0 = self._fl_invert(d0, i)
            d1 = self._fl_invert(d1, i + 1)
        return (d0 << 32) | d1

    def encrypt(self, block: bytes) -> bytes:
        """Encrypt one 8-byte block (the RFC's byte interface, for its test vectors)."""
        return self.encrypt_block(int.from_bytes(block, "big")).to_bytes(8, "big")

    def decrypt(self, block: bytes) -> bytes:
        """Decrypt one 8-byte block."""
        return self.decrypt_block(int.from_bytes(block, "big")).to_bytes(8, "big")
