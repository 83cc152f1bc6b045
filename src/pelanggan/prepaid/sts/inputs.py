"""Reading token requests given as JSON-like mappings, with the field names of the public vector
file (`sts_vectors_public.json`), for the command line and for tests.

Unknown field names are refused (a typo must not silently fall back to a default). Fields that
the vector file carries as restatements of the inputs (amount exponent/mantissa/value, decoded
watts, the new key's chunk index and derivation) are not ignored either: they are recomputed
and must agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelanggan.prepaid.sts.amounts import ONE, TENTH, decode_amount, encode_amount, encode_quantity
from pelanggan.prepaid.sts.errors import StsError, UnsupportedTokenError
from pelanggan.prepaid.sts.key_inputs import (
    KEY_FIELDS,
    Fields,
    agree,
    check_known,
    decoder_key_from_new,
    get_decimal,
    get_hex,
    get_int,
)
from pelanggan.prepaid.sts.keychange import key_chunk, key_chunk_index
from pelanggan.prepaid.sts.tid import BaseDate, tid_for
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
    TokenPayload,
    TransferCredit,
)

# fmt: off
ENCODE_FIELDS: Final = KEY_FIELDS | frozenset({
    "token_class", "subclass", "rnd", "tid", "issue_datetime", "issue_datetime_in_test",
    "tid_base_date", "tid_zone", "amount_0p1_units", "amount_field_hex", "amount",
    "amount_exponent", "amount_mantissa", "amount_value", "value_field_hex", "watts",
    "value_decoded_watts", "control_bits_hex", "mfr_code", "kenho", "kenlo", "krn", "ro", "res",
    "kt", "ti", "nkho_hex", "nklo_hex", "nk_part_hex", "sgc_part_12bit", "new_decoder_key_hex",
    "new_key_chunk_index_32bit_from_msb", "new_decoder_key_derivation",
    "sign_and_exponent_nibble", "description", "tid_note", "notes",
})
# fmt: on


def tid_from(fields: Fields) -> int:
    """`tid`, or the TID of `issue_datetime` against `tid_base_date`; both must agree."""
    time_name = next((n for n in ("issue_datetime", "issue_datetime_in_test") if n in fields), None)
    tid = get_int(fields, "tid", high=0xFFFFFF) if "tid" in fields else None
    if time_name is not None and ("tid_base_date" in fields or tid is None):
        if "tid_base_date" not in fields:
            raise StsError("missing field 'tid_base_date' for the issue time")
        zone_name = str(fields.get("tid_zone", "UTC"))
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise StsError(
                "tid_zone must be an IANA time zone such as 'UTC' or 'Asia/Jakarta'"
            ) from None
        try:
            issued_at = dt.datetime.fromisoformat(str(fields[time_name]))
        except ValueError:
            raise StsError(f"{time_name} must be an ISO 8601 date-time") from None
        if issued_at.tzinfo is None:  # a naive time is read in the TID zone, stated above
            issued_at = issued_at.replace(tzinfo=zone)
        computed = tid_for(issued_at, BaseDate.parse(str(fields["tid_base_date"])), zone=zone)
        if tid is not None:
            agree("tid", tid, computed)
        return computed
    if tid is None:
        raise StsError("missing field 'tid' (or 'issue_datetime' with 'tid_base_date')")
    return tid


def _amount_field(fields: Fields) -> int:
    candidates: list[tuple[str, int]] = []
    if "amount_field_hex" in fields:
        candidates.append(("amount_field_hex", get_hex(fields, "amount_field_hex", digits=4)))
    if "amount_0p1_units" in fields:
        units = get_int(fields, "amount_0p1_units")
        candidates.append(("amount_0p1_units", encode_amount(units).field))
    if "amount" in fields:
        candidates.append(("amount", encode_quantity(get_decimal(fields, "amount"), TENTH).field))
    if not candidates:
        raise StsError("missing field 'amount_0p1_units', 'amount' or 'amount_field_hex'")
    field = candidates[0][1]
    for name, other in candidates[1:]:
        agree(name, other, field)
    if "amount_exponent" in fields:
        agree("amount_exponent", get_int(fields, "amount_exponent"), field >> 14)
    if "amount_mantissa" in fields:
        agree("amount_mantissa", get_int(fields, "amount_mantissa"), field & 0x3FFF)
    if "amount_value" in fields:
        agree(
            "amount_value",
            get_decimal(fields, "amount_value"),
            Decimal(decode_amount(field)) * TENTH,
        )
    return field


def _value_field(fields: Fields, *, watts: bool) -> int:
    if "value_field_hex" in fields:
        field = get_hex(fields, "value_field_hex", digits=4)
        if watts and "watts" in fields:
            agree("watts", encode_quantity(get_decimal(fields, "watts"), ONE).field, field)
    elif watts and "watts" in fields:
        field = encode_quantity(get_decimal(fields, "watts"), ONE).field
    else:
        raise StsError("missing field 'value_field_hex'" + (" or 'watts'" if watts else ""))
    if "value_decoded_watts" in fields:
        agree("value_decoded_watts", get_int(fields, "value_decoded_watts"), decode_amount(field))
    return field


def _key_part(fields: Fields, name: str, subclass: int) -> int:
    part = get_hex(fields, name, digits=8) if name in fields else None
    if "new_decoder_key_hex" in fields or "new_decoder_key_derivation" in fields:
        new_key = decoder_key_from_new(fields)
        index = key_chunk_index(subclass, len(new_key))
        if "new_key_chunk_index_32bit_from_msb" in fields:
            agree(
                "new_key_chunk_index_32bit_from_msb",
                get_int(fields, "new_key_chunk_index_32bit_from_msb"),
                index,
            )
        chunk = key_chunk(new_key, index)
        if part is not None:
            agree(name, part, chunk)
        return chunk
    if part is None:
        raise StsError(f"missing field {name!r} (or 'new_decoder_key_hex')")
    return part


def payload_from(fields: Fields) -> TokenPayload:
    """The token payload that an encode request describes."""
    check_known(fields, ENCODE_FIELDS, "the request")
    token_class = get_int(fields, "token_class")
    subclass = get_int(fields, "subclass", high=15)
    if token_class == 1:
        control = get_hex(fields, "control_bits_hex", digits=9 if subclass == 0 else 7)
        if subclass not in (0, 1):
            raise UnsupportedTokenError(f"class 1 subclass {subclass} is not supported")
        return InitiateMeterTest(
            control=control,
            manufacturer_code=get_int(fields, "mfr_code"),
            long_manufacturer_code=subclass == 1,
        )
    if token_class == 0:
        if subclass <= 3:
            return TransferCredit(
                service=Service(subclass),
                tid=tid_from(fields),
                value_field=_amount_field(fields),
                rnd=get_int(fields, "rnd"),
            )
        if subclass <= 7:
            return CurrencyCredit(
                currency_subclass=subclass,
                tid=tid_from(fields),
                sign_exponent=get_int(fields, "sign_and_exponent_nibble"),
                amount_field=get_hex(fields, "amount_field_hex", digits=4),
            )
        raise UnsupportedTokenError(f"class 0 subclass {subclass} is reserved")
    if token_class != 2:
        raise UnsupportedTokenError(f"token_class {token_class} is not 0, 1 or 2")
    simple = {
        0: SetMaximumPowerLimit,
        1: ClearCredit,
        2: SetTariffRate,
        5: ClearTamperCondition,
        6: SetMaximumPhasePowerUnbalanceLimit,
        7: SetWaterMeterFactor,
    }
    if subclass in simple:
        return simple[subclass](
            tid=tid_from(fields),
            rnd=get_int(fields, "rnd"),
            value_field=_value_field(fields, watts=subclass in (0, 6)),
        )
    if subclass == 3:
        return Set1stSectionDecoderKey(
            ken_high=get_int(fields, "kenho"),
            key_revision_number=get_int(fields, "krn"),
            rollover=bool(get_int(fields, "ro", high=1)),
            key_type=get_int(fields, "kt"),
            reserved=get_int(fields, "res", high=1) if "res" in fields else 0,
            key_part=_key_part(fields, "nkho_hex", 3),
        )
    if subclass == 4:
        return Set2ndSectionDecoderKey(
            ken_low=get_int(fields, "kenlo"),
            tariff_index=get_int(fields, "ti", high=99),
            key_part=_key_part(fields, "nklo_hex", 4),
        )
    if subclass in (8, 9):
        section = Set3rdSectionDecoderKey if subclass == 8 else Set4thSectionDecoderKey
        return section(
            sgc_part=get_int(fields, "sgc_part_12bit"),
            key_part=_key_part(fields, "nk_part_hex", subclass),
        )
    raise UnsupportedTokenError(f"class 2 subclass {subclass} is reserved or proprietary")
