"""From payload to 20 digits and back (sts.md 1.1).

Encoding: data block = subclass(4) ‖ payload(44) ‖ CRC(16); classes 0 and 2 encrypt it with the
decoder key; the class is inserted by moving block bits 28/27 to bits 65/64 and writing the
class into 28/27; the 66-bit number is written as 20 decimal digits. A token is a 20-character
string everywhere: it may start with zeros and does not fit in 64 bits (gotcha 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pelanggan.prepaid.sts.ciphers import DecoderKey
from pelanggan.prepaid.sts.crc import token_crc
from pelanggan.prepaid.sts.errors import KeyMaterialError, TokenFormatError, UnsupportedTokenError
from pelanggan.prepaid.sts.tokens import (
    ClearCredit,
    ClearTamperCondition,
    CurrencyCredit,
    InitiateMeterTest,
    Service,
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    Set3rdSectionDecoderKey,
    Set4thSectionDecoderKey,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TokenClass,
    TokenPayload,
    TransferCredit,
)

TOKEN_DIGITS: Final = 20
_LIMIT_66: Final = 1 << 66
_CLASS_BITS: Final = (1 << 28) | (1 << 27)
_SEPARATORS: Final = str.maketrans("", "", " -\t")


@dataclass(frozen=True, slots=True)
class EncodedToken:
    """A token and the blocks it was built from (hex properties for display and tests)."""

    token: str
    token_class: TokenClass
    subclass: int
    data_block: int
    encrypted_block: int | None  # None for class 1, which is sent in clear

    @property
    def data_block_hex(self) -> str:
        """The 64-bit block before encryption, CRC included."""
        return f"{self.data_block:016x}"

    @property
    def encrypted_block_hex(self) -> str | None:
        """The 64-bit block after encryption, before class insertion."""
        return None if self.encrypted_block is None else f"{self.encrypted_block:016x}"

    @property
    def grouped(self) -> str:
        """The token as printed on a receipt: five groups of four digits."""
        return format_grouped(self.token)


@dataclass(frozen=True, slots=True)
class DecodedToken:
    """What a token says, before any meter rule is applied.

    `payload` is None when the subclass is reserved or unknown. A payload is parsed even when
    the CRC fails so that tools can show it, but only `crc_ok` tokens mean anything.
    """

    token: str
    token_class: TokenClass
    subclass: int
    data_block: int
    encrypted_block: int | None
    crc_ok: bool
    payload: TokenPayload | None

    @property
    def data_block_hex(self) -> str:
        """The decrypted 64-bit block."""
        return f"{self.data_block:016x}"


def format_grouped(token: str) -> str:
    """'12345678901234567890' -> '1234 5678 9012 3456 7890'."""
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


def parse_token(text: str) -> int:
    """The 66-bit number of a token; spaces and hyphens between digits are allowed.

    Raises `TokenFormatError` for anything but 20 ASCII digits or a number >= 2^66.
    """
    if not isinstance(text, str):
        raise TokenFormatError("a token must be given as text, not as a number")
    digits = text.translate(_SEPARATORS)
    if not digits.isascii() or not digits.isdigit():
        raise TokenFormatError("a token must contain only the digits 0-9")
    if len(digits) != TOKEN_DIGITS:
        raise TokenFormatError(f"a token must have 20 digits, not {len(digits)}")
    number = int(digits)
    if number >= _LIMIT_66:
        raise TokenFormatError("the token's number is 2^66 or more, which no token can be")
    return number


def insert_class(block: int, token_class: int) -> int:
    """The 66-bit number: bits 28/27 of the block move to 65/64, the class goes into 28/27."""
    moved = ((block >> 27) & 0b11) << 64
    return moved | (block & ~_CLASS_BITS) | ((token_class & 0b11) << 27)


def extract_class(number: int) -> tuple[int, int]:
    """Inverse of `insert_class`: (class, 64-bit block)."""
    token_class = (number >> 27) & 0b11
    block = (number & ((1 << 64) - 1) & ~_CLASS_BITS) | (((number >> 64) & 0b11) << 27)
    return token_class, block


def _block_crc_ok(token_class: int, block: int) -> bool:
    currency = token_class == 0 and (block >> 60) >= 4
    return token_crc((token_class << 48) | (block >> 16), currency=currency) == block & 0xFFFF


def data_block(payload: TokenPayload) -> int:
    """The 64-bit plain block of a payload, CRC included (CRC_C for currency tokens)."""
    token_class = int(payload.token_class)
    upper = (payload.subclass << 44) | payload.pack()
    crc = token_crc((token_class << 48) | upper, currency=isinstance(payload, CurrencyCredit))
    return (upper << 16) | crc


def encode_token(payload: TokenPayload, key: DecoderKey | None = None) -> EncodedToken:
    """Build the token for `payload`. Classes 0 and 2 need the meter's CURRENT decoder key
    (also for key-change tokens, gotcha 8); class 1 is sent in clear and ignores the key."""
    block = data_block(payload)
    token_class = payload.token_class
    encrypted: int | None = None
    if token_class is TokenClass.METER_TEST:
        carried = block
    else:
        if key is None:
            raise KeyMaterialError("class 0 and 2 tokens need a decoder key")
        encrypted = carried = key.cipher.encrypt_block(block)
    number = insert_class(carried, token_class)
    return EncodedToken(f"{number:020d}", token_class, payload.subclass, block, encrypted)


def decode_token(token: str, key: DecoderKey | None = None) -> DecodedToken:
    """Parse, untranspose, decrypt (class 0/2) and check the CRC of a token.

    Raises `TokenFormatError` for bad digits, `UnsupportedTokenError` for the reserved class 3,
    `KeyMaterialError` when a class 0/2 token comes without a key.
    """
    number = parse_token(token)
    token_class, carried = extract_class(number)
    if token_class == 3:
        raise UnsupportedTokenError("class 3 is reserved; no token uses it")
    encrypted: int | None = None
    if token_class == TokenClass.METER_TEST:
        block = carried
    else:
        if key is None:
            raise KeyMaterialError("decoding a class 0 or 2 token needs a decoder key")
        encrypted = carried
        block = key.cipher.decrypt_block(carried)
    klass = TokenClass(token_class)
    return DecodedToken(
        token=f"{number:020d}",
        token_class=klass,
        subclass=block >> 60,
        data_block=block,
        encrypted_block=encrypted,
        crc_ok=_block_crc_ok(token_class, block),
        payload=parse_data_block(klass, block),
    )


def _tid_fields(bits: int) -> dict[str, int]:
    return {"rnd": bits >> 40, "tid": (bits >> 16) & 0xFFFFFF, "value_field": bits & 0xFFFF}


_Parser = Callable[[int], TokenPayload]

_MANAGEMENT: Final[dict[int, _Parser]] = {
    0: lambda b: SetMaximumPowerLimit(**_tid_fields(b)),
    1: lambda b: ClearCredit(**_tid_fields(b)),
    2: lambda b: SetTariffRate(**_tid_fields(b)),
    3: lambda b: Set1stSectionDecoderKey(
        ken_high=b >> 40,
        key_revision_number=(b >> 36) & 0xF,
        rollover=bool((b >> 35) & 1),
        reserved=(b >> 34) & 1,
        key_type=(b >> 32) & 0b11,
        key_part=b & 0xFFFFFFFF,
    ),
    4: lambda b: Set2ndSectionDecoderKey(
        ken_low=b >> 40, tariff_index=(b >> 32) & 0xFF, key_part=b & 0xFFFFFFFF
    ),
    5: lambda b: ClearTamperCondition(**_tid_fields(b)),
    6: lambda b: SetMaximumPhasePowerUnbalanceLimit(**_tid_fields(b)),
    7: lambda b: SetWaterMeterFactor(**_tid_fields(b)),
    8: lambda b: Set3rdSectionDecoderKey(sgc_part=b >> 32, key_part=b & 0xFFFFFFFF),
    9: lambda b: Set4thSectionDecoderKey(sgc_part=b >> 32, key_part=b & 0xFFFFFFFF),
}


def parse_data_block(token_class: TokenClass, block: int) -> TokenPayload | None:
    """The payload of a plain 64-bit block; None for reserved/unknown subclasses and for
    field values a valid token cannot hold (a 2nd-section TI above 99)."""
    subclass = block >> 60
    bits = (block >> 16) & ((1 << 44) - 1)
    try:
        if token_class is TokenClass.TRANSFER_CREDIT:
            if subclass <= 3:
                return TransferCredit(service=Service(subclass), **_tid_fields(bits))
            if subclass <= 7:
                return CurrencyCredit(
                    currency_subclass=subclass,
                    sign_exponent=bits >> 40,
                    tid=(bits >> 16) & 0xFFFFFF,
                    amount_field=bits & 0xFFFF,
                )
            return None
        if token_class is TokenClass.METER_TEST:
            if subclass == 0:
                return InitiateMeterTest(control=bits >> 8, manufacturer_code=bits & 0xFF)
            if subclass == 1:
                return InitiateMeterTest(
                    control=bits >> 16, manufacturer_code=bits & 0xFFFF, long_manufacturer_code=True
                )
            return None
        parser = _MANAGEMENT.get(subclass)
        return None if parser is None else parser(bits)
    except ValueError:  # a field a valid token cannot hold
        return None
