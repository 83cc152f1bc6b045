"""Payloads as JSON-ready mappings (for the command line and logs). Key parts are printed: a
key-change token's content is as secret as the new key, so callers decide where it goes."""

from __future__ import annotations

from typing import Any

from pelanggan.prepaid.sts.tokens import (
    ClearCredit,
    CurrencyCredit,
    InitiateMeterTest,
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    TokenPayload,
    TransferCredit,
    _SgcSection,
    _TidToken,
    _WattLimit,
)


def describe(payload: TokenPayload) -> dict[str, Any]:
    """The decoded fields: `rnd`, `tid` (integer), the 16-bit field, amount or value, etc."""
    out: dict[str, Any] = {"type": type(payload).__name__}
    if isinstance(payload, _TidToken):
        out.update(rnd=payload.rnd, tid=payload.tid, field16_hex=f"{payload.value_field:04x}")
    if isinstance(payload, TransferCredit):
        out.update(
            service=payload.service.name.lower(),
            amount=str(payload.amount),
            unit=payload.service.unit,
            amount_0p1_units=payload.base_units,
        )
    elif isinstance(payload, _WattLimit):
        out.update(watts=payload.watts)
    elif isinstance(payload, ClearCredit):
        out.update(register=payload.register)
    elif isinstance(payload, CurrencyCredit):
        out.update(
            sign_and_exponent_nibble=payload.sign_exponent,
            tid=payload.tid,
            amount_field_hex=f"{payload.amount_field:04x}",
        )
    elif isinstance(payload, InitiateMeterTest):
        width = 7 if payload.long_manufacturer_code else 9
        out.update(
            control_bits_hex=f"{payload.control:0{width}x}", mfr_code=payload.manufacturer_code
        )
    elif isinstance(payload, Set1stSectionDecoderKey):
        out.update(
            kenho=payload.ken_high,
            krn=payload.key_revision_number,
            ro=int(payload.rollover),
            res=payload.reserved,
            kt=payload.key_type,
            nkho_hex=f"{payload.key_part:08x}",
        )
    elif isinstance(payload, Set2ndSectionDecoderKey):
        out.update(
            kenlo=payload.ken_low, ti=payload.tariff_index, nklo_hex=f"{payload.key_part:08x}"
        )
    elif isinstance(payload, _SgcSection):
        out.update(sgc_part_12bit=payload.sgc_part, nk_part_hex=f"{payload.key_part:08x}")
    return out
