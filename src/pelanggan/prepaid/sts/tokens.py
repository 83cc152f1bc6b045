"""The contents of STS tokens as typed values (sts.md 1.2), one class per token type.

A payload knows its class and subclass and how its fields fill the 44 bits between the subclass
nibble and the CRC (block bits 59..16). Fields are validated on construction, so a payload that
exists can always be encoded. Amounts are `Decimal` in their unit through properties; the coded
16-bit field is what the token actually carries (after rounding up).
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from pelanggan.prepaid.sts.amounts import (
    ONE,
    TENTH,
    decode_amount,
    encode_quantity,
    from_base_units,
)
from pelanggan.prepaid.sts.errors import FieldRangeError
from pelanggan.prepaid.sts.tid import check_tid


class TokenClass(enum.IntEnum):
    """The 2-bit token class; class 3 is reserved."""

    TRANSFER_CREDIT = 0
    METER_TEST = 1
    MANAGEMENT = 2


class Service(enum.Enum):
    """What a credit token or register is for. The value is the class-0 subclass."""

    ELECTRICITY = 0
    WATER = 1
    GAS = 2
    TIME = 3

    @property
    def unit(self) -> str:
        """The unit of the amount; one base unit is 0.1 of it. The unit of time credit is not
        stated in the sources used here, so it is left abstract."""
        return {0: "kWh", 1: "m3", 2: "m3", 3: "time unit"}[self.value]


def _field(value: int, bits: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
        raise FieldRangeError(f"{name} must be an integer 0..{(1 << bits) - 1} ({bits} bits)")
    return value


class TokenPayload(abc.ABC):
    """Base of every token's contents."""

    __slots__ = ()
    TOKEN_CLASS: ClassVar[TokenClass]
    SUBCLASS: ClassVar[int]

    @property
    def token_class(self) -> TokenClass:
        """The 2-bit class."""
        return self.TOKEN_CLASS

    @property
    def subclass(self) -> int:
        """The 4-bit subclass."""
        return self.SUBCLASS

    @abc.abstractmethod
    def pack(self) -> int:
        """The 44 bits between subclass and CRC."""

    @property
    def has_tid(self) -> bool:
        """Whether the meter checks this token against its TID memory."""
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class _TidToken(TokenPayload):
    """Layout RND 4, TID 24, 16-bit field: credit and most management tokens."""

    tid: int
    value_field: int
    rnd: int

    def __post_init__(self) -> None:
        check_tid(self.tid)
        _field(self.value_field, 16, "the 16-bit value field")
        _field(self.rnd, 4, "rnd")

    def pack(self) -> int:
        return (self.rnd << 40) | (self.tid << 16) | self.value_field

    @property
    def has_tid(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCredit(_TidToken):
    """Class 0, subclass 0..3: credit in 0.1 kWh or 0.1 m3, coded with `amounts`."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.TRANSFER_CREDIT
    service: Service = Service.ELECTRICITY

    @property
    def subclass(self) -> int:
        return self.service.value

    @classmethod
    def of(cls, *, service: Service, amount: Decimal, tid: int, rnd: int) -> TransferCredit:
        """Credit for `amount` in the service's unit, rounded up to what the token can carry."""
        coding = encode_quantity(amount, TENTH)
        return cls(tid=tid, value_field=coding.field, rnd=rnd, service=service)

    @property
    def base_units(self) -> int:
        """The credited amount in 0.1 units."""
        return decode_amount(self.value_field)

    @property
    def amount(self) -> Decimal:
        """The credited amount in the service's unit (kWh, m3)."""
        return from_base_units(self.base_units, TENTH)


@dataclass(frozen=True, slots=True, kw_only=True)
class _WattLimit(_TidToken):
    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT

    @property
    def watts(self) -> int:
        """The limit in watts (16-bit amount coding)."""
        return decode_amount(self.value_field)

    @property
    def limit(self) -> Decimal:
        """The limit in watts as a Decimal."""
        return from_base_units(self.watts, ONE)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetMaximumPowerLimit(_WattLimit):
    """Class 2 / 0: the load limit in watts (amount coding, rounded up)."""

    SUBCLASS: ClassVar[int] = 0

    @classmethod
    def of(cls, *, watts: Decimal, tid: int, rnd: int) -> SetMaximumPowerLimit:
        """A limit of `watts`, rounded up to the next codable value."""
        return cls(tid=tid, value_field=encode_quantity(watts, ONE).field, rnd=rnd)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetMaximumPhasePowerUnbalanceLimit(_WattLimit):
    """Class 2 / 6: the allowed phase imbalance in watts (amount coding, rounded up)."""

    SUBCLASS: ClassVar[int] = 6

    @classmethod
    def of(cls, *, watts: Decimal, tid: int, rnd: int) -> SetMaximumPhasePowerUnbalanceLimit:
        """A limit of `watts`, rounded up to the next codable value."""
        return cls(tid=tid, value_field=encode_quantity(watts, ONE).field, rnd=rnd)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearCredit(_TidToken):
    """Class 2 / 1: `value_field` is the register (0xFFFF = all registers)."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 1
    ALL_REGISTERS: ClassVar[int] = 0xFFFF

    @property
    def register(self) -> int:
        """The register number."""
        return self.value_field


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTariffRate(_TidToken):
    """Class 2 / 2: the rate field is "reserved for future definition"; carried as is."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearTamperCondition(_TidToken):
    """Class 2 / 5: `value_field` is the pad, normally 0 (still covered by the CRC)."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SetWaterMeterFactor(_TidToken):
    """Class 2 / 7: water meter factor (reserved for water meters); carried as is."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrencyCredit(TokenPayload):
    """Class 0, subclass 4..7: currency credit [U, sts.md 4.3]. Fields are carried raw; the
    CRC is CRC_C. Not used by PLN (kWh tokens), so no money semantics are attached."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.TRANSFER_CREDIT
    currency_subclass: int
    sign_exponent: int
    tid: int
    amount_field: int

    def __post_init__(self) -> None:
        if self.currency_subclass not in (4, 5, 6, 7):
            raise FieldRangeError("a currency credit token has subclass 4..7")
        _field(self.sign_exponent, 4, "the sign-and-exponent nibble")
        check_tid(self.tid)
        _field(self.amount_field, 16, "the amount field")

    @property
    def subclass(self) -> int:
        return self.currency_subclass

    def pack(self) -> int:
        return (self.sign_exponent << 40) | (self.tid << 16) | self.amount_field

    @property
    def has_tid(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class InitiateMeterTest(TokenPayload):
    """Class 1: InitiateMeterTest/Display, sent in clear and authenticated by CRC + MfrCode.

    Subclass 0 has a 36-bit control field and a 2-digit (8-bit) manufacturer code, subclass 1 a
    28-bit control field and a 4-digit (16-bit) code.
    """

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.METER_TEST
    control: int
    manufacturer_code: int
    long_manufacturer_code: bool = False

    def __post_init__(self) -> None:
        if self.long_manufacturer_code:
            _field(self.control, 28, "control")
            _field(self.manufacturer_code, 16, "mfr_code")
        else:
            _field(self.control, 36, "control")
            _field(self.manufacturer_code, 8, "mfr_code")

    @property
    def subclass(self) -> int:
        return 1 if self.long_manufacturer_code else 0

    def pack(self) -> int:
        if self.long_manufacturer_code:
            return (self.control << 16) | self.manufacturer_code
        return (self.control << 8) | self.manufacturer_code


@dataclass(frozen=True, slots=True, kw_only=True)
class Set1stSectionDecoderKey(TokenPayload):
    """Class 2 / 3: KENHO 4, KRN 4, RO 1, Res 1, KT 2, new key bits 63..32 (or 127..96)."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 3
    ken_high: int
    key_revision_number: int
    rollover: bool
    key_type: int
    key_part: int
    reserved: int = 0

    def __post_init__(self) -> None:
        _field(self.ken_high, 4, "kenho")
        _field(self.key_revision_number, 4, "krn")
        if not isinstance(self.rollover, bool):
            raise FieldRangeError("ro must be true or false")
        _field(self.key_type, 2, "kt")
        _field(self.key_part, 32, "the new-key part")
        _field(self.reserved, 1, "res")

    def pack(self) -> int:
        return (
            (self.ken_high << 40) | (self.key_revision_number << 36) | (int(self.rollover) << 35)
            | (self.reserved << 34) | (self.key_type << 32) | self.key_part
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Set2ndSectionDecoderKey(TokenPayload):
    """Class 2 / 4: KENLO 4, TI 8 (binary: 99 -> 0x63, gotcha 7), new key bits 31..0."""

    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    SUBCLASS: ClassVar[int] = 4
    ken_low: int
    tariff_index: int
    key_part: int

    def __post_init__(self) -> None:
        _field(self.ken_low, 4, "kenlo")
        if (
            isinstance(self.tariff_index, bool)
            or not isinstance(self.tariff_index, int)
            or not (0 <= self.tariff_index <= 99)
        ):
            raise FieldRangeError("ti must be the tariff index as an integer 0..99")
        _field(self.key_part, 32, "the new-key part")

    def pack(self) -> int:
        return (self.ken_low << 40) | (self.tariff_index << 32) | self.key_part


@dataclass(frozen=True, slots=True, kw_only=True)
class _SgcSection(TokenPayload):
    TOKEN_CLASS: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    sgc_part: int
    key_part: int

    def __post_init__(self) -> None:
        _field(self.sgc_part, 12, "sgc_part_12bit")
        _field(self.key_part, 32, "the new-key part")

    def pack(self) -> int:
        return (self.sgc_part << 32) | self.key_part


@dataclass(frozen=True, slots=True, kw_only=True)
class Set3rdSectionDecoderKey(_SgcSection):
    """Class 2 / 8 (128-bit keys): SGC bits 11..0, new key bits 95..64."""

    SUBCLASS: ClassVar[int] = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Set4thSectionDecoderKey(_SgcSection):
    """Class 2 / 9 (128-bit keys): SGC bits 23..12, new key bits 63..32."""

    SUBCLASS: ClassVar[int] = 9


KeyChangeSection = (
    Set1stSectionDecoderKey
    | Set2ndSectionDecoderKey
    | Set3rdSectionDecoderKey
    | Set4thSectionDecoderKey
)
KEY_CHANGE_SECTIONS = (
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    Set3rdSectionDecoderKey,
    Set4thSectionDecoderKey,
)
