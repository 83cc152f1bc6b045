"""The 16-bit STS amount coding for TransferAmount, MaximumPowerLimit and MPPUL (sts.md 4.2).

Bits 15..14 hold an exponent e, bits 13..0 a mantissa m; the value in base units is
m * 10^e + sum(2^14 * 10^(i-1) for i in 1..e). Base units are 0.1 kWh for electricity, 0.1 m3
for water and gas, and whole watts for power limits. Values that are not representable are
rounded UP to the next representable value, in favour of the customer (sts.md gotcha 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Final

from pelanggan.prepaid.sts.errors import FieldRangeError

_OFFSETS: Final = (0, 16_384, 180_224, 1_818_624)
MAX_BASE_UNITS: Final = 16_383 * 1000 + _OFFSETS[3]  # 18 201 624, the value of field 0xFFFF
TENTH: Final = Decimal("0.1")
ONE: Final = Decimal(1)


@dataclass(frozen=True, slots=True)
class AmountCoding:
    """One coded amount: the 16-bit field and what it means."""

    field: int
    exponent: int
    mantissa: int
    base_units: int  # the value actually encoded, in base units
    rounded_up: bool  # True when the requested value was not representable


def decode_amount(field: int) -> int:
    """The value in base units that a 16-bit amount field stands for."""
    if not 0 <= field <= 0xFFFF:
        raise FieldRangeError("an amount field is 16 bits (0..0xFFFF)")
    exponent = field >> 14
    scale: int = 10**exponent
    return (field & 0x3FFF) * scale + _OFFSETS[exponent]


def encode_amount(base_units: int) -> AmountCoding:
    """Code a non-negative whole number of base units, rounding up when not representable."""
    if isinstance(base_units, bool) or not isinstance(base_units, int):
        raise FieldRangeError("an amount in base units must be a whole number")
    if base_units < 0:
        raise FieldRangeError("an amount cannot be negative")
    if base_units > MAX_BASE_UNITS:
        raise FieldRangeError(f"an amount above {MAX_BASE_UNITS} base units cannot be coded")
    for exponent in range(4):
        step = 10**exponent
        mantissa = -((_OFFSETS[exponent] - base_units) // step)  # ceil((t - offset) / step)
        if mantissa <= 0x3FFF:
            break
    mantissa = max(mantissa, 0)
    field = (exponent << 14) | mantissa
    coded = decode_amount(field)
    return AmountCoding(field, exponent, mantissa, coded, coded != base_units)


def to_base_units(value: Decimal, step: Decimal) -> int:
    """A `Decimal` quantity in its unit (kWh, m3, W) as whole base units of `step`, rounded up.

    Rounding policy TOKEN_KWH: up to the next 0.1, in favour of the customer.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise FieldRangeError("an amount must be a finite Decimal")
    try:
        units = (value / step).to_integral_value(rounding=ROUND_CEILING)
    except InvalidOperation:
        raise FieldRangeError("an amount is out of range") from None
    return int(units)


def from_base_units(base_units: int, step: Decimal) -> Decimal:
    """Base units back to a `Decimal` in the unit, with the step's exponent (25.6, not 25.60)."""
    return (Decimal(base_units) * step).quantize(step)


def encode_quantity(value: Decimal, step: Decimal = TENTH) -> AmountCoding:
    """Code a `Decimal` quantity (e.g. Decimal("25.6") kWh), rounding up twice if needed:
    first to the base unit, then to the next representable coded value."""
    return encode_amount(to_base_units(value, step))
