"""Money and quantities as `Decimal` with named rounding policies.

Every rounding point in Pelanggan names its policy, so a rule found to be wrong is changed in
one place. Rupiah amounts keep 2 decimals in storage, unit prices 6, energy and volume 3.
"""

from __future__ import annotations

import decimal
import enum
from decimal import Decimal


class RoundingPolicy(enum.Enum):
    """Each place a value is rounded; `_RULES` says how (exponent and rounding mode)."""

    RUPIAH = "rupiah"
    BILL_LINE = "bill_line"
    BILL_TOTAL_WHOLE_RUPIAH = "bill_total_whole_rupiah"
    UNIT_PRICE = "unit_price"
    ENERGY = "energy"
    TOKEN_KWH = "token_kwh"  # noqa: S105 - a policy name, not a secret
    VOLUME = "volume"
    COORDINATE = "coordinate"


_RULES: dict[RoundingPolicy, tuple[Decimal, str]] = {
    RoundingPolicy.RUPIAH: (Decimal("0.01"), decimal.ROUND_HALF_UP),
    RoundingPolicy.BILL_LINE: (Decimal("0.01"), decimal.ROUND_HALF_UP),
    RoundingPolicy.BILL_TOTAL_WHOLE_RUPIAH: (Decimal("1"), decimal.ROUND_HALF_UP),
    RoundingPolicy.UNIT_PRICE: (Decimal("0.000001"), decimal.ROUND_HALF_UP),
    RoundingPolicy.ENERGY: (Decimal("0.001"), decimal.ROUND_HALF_UP),
    # PLN's exact kWh rounding on tokens is unconfirmed (domain rules 2.5): truncation is the
    # customer-safe reading until confirmed; change it here only.
    RoundingPolicy.TOKEN_KWH: (Decimal("0.1"), decimal.ROUND_DOWN),
    RoundingPolicy.VOLUME: (Decimal("0.001"), decimal.ROUND_HALF_UP),
    RoundingPolicy.COORDINATE: (Decimal("0.000001"), decimal.ROUND_HALF_EVEN),
}


def quantize(value: Decimal | int | str, *, policy: RoundingPolicy) -> Decimal:
    """Round `value` as `policy` says. Floats are refused: they cannot hold Rupiah exactly."""
    if isinstance(value, float):
        raise TypeError("money and quantities are Decimal, never float")
    exponent, mode = _RULES[policy]
    return Decimal(value).quantize(exponent, rounding=mode)


def rupiah(value: Decimal | int | str) -> Decimal:
    return quantize(value, policy=RoundingPolicy.RUPIAH)


def format_rupiah(value: Decimal, *, decimals: int = 2) -> str:
    """Indonesian format: `Rp1.444,70` (dot thousands, comma decimals)."""
    if isinstance(value, float):
        raise TypeError("money is Decimal, never float")
    sign = "-" if value < 0 else ""
    rounded = abs(value).quantize(Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp{grouped}" + (f",{fraction}" if decimals else "")
