"""Reading key material given as JSON-like mappings with the field names of the public vector
file: decoder keys as hex or as DKGA02/DKGA04 inputs, and the small field readers that the
request parsers share. Unknown names are refused; restated results (a derivation's expected
PAN block, KDF input, HMAC or key) are recomputed and must agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pelanggan.prepaid.sts.ciphers import DecoderKey, EncryptionAlgorithm, parse_key_hex
from pelanggan.prepaid.sts.dkga import (
    KeyAttributes,
    dkga02,
    dkga02_control_block,
    dkga02_pan_block,
    dkga04,
    dkga04_message,
)
from pelanggan.prepaid.sts.errors import FieldRangeError, StsError
from pelanggan.prepaid.sts.tid import BaseDate

Fields = Mapping[str, Any]

# fmt: off
_DERIVATION_COMMON: Final = frozenset({
    "algorithm", "vending_key_hex", "key_type", "supply_group_code", "tariff_index",
    "key_revision_number", "decoder_key_hex",
})
# fmt: on
_DKGA02_FIELDS: Final = _DERIVATION_COMMON | {
    "iin",
    "iain_or_drn",
    "drn",
    "pan_block",
    "control_block",
}
_DKGA04_FIELDS: Final = _DERIVATION_COMMON | {
    "base_date_code",
    "ea_code",
    "meter_pan",
    "kdf_input_hex",
    "hmac_sha256_hex",
}
KEY_FIELDS: Final = frozenset({"ea_code", "decoder_key_hex", "decoder_key_derivation"})


def check_known(fields: Fields, allowed: set[str] | frozenset[str], where: str) -> None:
    """Refuse field names outside `allowed`."""
    if not isinstance(fields, Mapping):
        raise StsError(f"{where} must be a JSON object")
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise StsError(f"unknown field {unknown[0]!r} in {where}")


def get_int(fields: Fields, name: str, *, low: int = 0, high: int | None = None) -> int:
    """A required integer field (JSON number or decimal string)."""
    if name not in fields:
        raise StsError(f"missing field {name!r}")
    value = fields[name]
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldRangeError(f"{name} must be an integer")
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f"..{high}"
        raise FieldRangeError(f"{name} must be {low}{upper}")
    return int(value)


def get_hex(fields: Fields, name: str, *, digits: int) -> int:
    """A required fixed-width hex field as an integer."""
    if name not in fields:
        raise StsError(f"missing field {name!r}")
    text = fields[name]
    if not isinstance(text, str) or len(text.strip()) != digits:
        raise FieldRangeError(f"{name} must be {digits} hex digits")
    try:
        return int(text.strip(), 16)
    except ValueError:
        raise FieldRangeError(f"{name} is not valid hexadecimal") from None


def get_decimal(fields: Fields, name: str) -> Decimal:
    """A required decimal quantity, from a JSON number or a string (never through float)."""
    value = fields[name]
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        raise FieldRangeError(f"{name} must be a number")
    try:
        # A float only arrives from callers that parsed JSON without Decimal; str() keeps the
        # shortest representation, which is what was written.
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise FieldRangeError(f"{name} must be a number") from None
    if not result.is_finite():
        raise FieldRangeError(f"{name} must be a finite number")
    return result


def agree(name: str, given: object, computed: object) -> None:
    """Refuse a restated value that differs from the computed one."""
    if given != computed:
        raise StsError(f"{name} does not match the value computed from the other fields")


def derive_key(derivation: Fields) -> tuple[bytes, EncryptionAlgorithm | None]:
    """A decoder key from DKGA02/DKGA04 inputs; also returns the EA a DKGA04 key is for."""
    if not isinstance(derivation, Mapping):
        raise StsError("decoder_key_derivation must be a JSON object")
    algorithm = str(derivation.get("algorithm", "")).upper()
    if algorithm not in ("DKGA02", "DKGA04"):
        raise StsError("decoder_key_derivation.algorithm must be 'DKGA02' or 'DKGA04'")
    where = "decoder_key_derivation"
    check_known(derivation, _DKGA02_FIELDS if algorithm == "DKGA02" else _DKGA04_FIELDS, where)
    for name in ("vending_key_hex", "supply_group_code", "tariff_index"):
        if name not in derivation:
            raise StsError(f"missing field {name!r} in {where}")
    attributes = KeyAttributes(
        key_type=get_int(derivation, "key_type", high=3),
        supply_group_code=str(derivation["supply_group_code"]),
        tariff_index=str(derivation["tariff_index"]),
        key_revision_number=get_int(derivation, "key_revision_number", low=1, high=9),
    )
    ea: EncryptionAlgorithm | None
    if algorithm == "DKGA02":
        vending_key = parse_key_hex(
            derivation["vending_key_hex"], field="vending_key_hex", length=8
        )
        iin = str(derivation.get("iin", "600727"))
        drn_field = "drn" if "drn" in derivation else "iain_or_drn"
        if drn_field not in derivation:
            raise StsError(f"missing field 'drn' in {where}")
        drn = str(derivation[drn_field])
        key = dkga02(vending_key=vending_key, attributes=attributes, iin=iin, drn=drn)
        ea = None
        if "pan_block" in derivation:
            agree(
                "pan_block",
                str(derivation["pan_block"]).upper(),
                dkga02_pan_block(iin, drn, attributes.key_type),
            )
        if "control_block" in derivation:
            agree(
                "control_block",
                str(derivation["control_block"]).upper(),
                dkga02_control_block(attributes),
            )
    else:
        vending_key = parse_key_hex(
            derivation["vending_key_hex"], field="vending_key_hex", length=20
        )
        for name in ("base_date_code", "ea_code", "meter_pan"):
            if name not in derivation:
                raise StsError(f"missing field {name!r} in {where}")
        base_date = BaseDate.parse(str(derivation["base_date_code"]))
        ea = EncryptionAlgorithm.from_code(str(derivation["ea_code"]))
        pan = str(derivation["meter_pan"])
        key = dkga04(
            vending_key=vending_key,
            attributes=attributes,
            base_date=base_date,
            algorithm=ea,
            meter_pan=pan,
        )
        if "kdf_input_hex" in derivation:
            message = dkga04_message(
                attributes=attributes, base_date=base_date, algorithm=ea, meter_pan=pan
            )
            agree("kdf_input_hex", str(derivation["kdf_input_hex"]).lower(), message.hex())
        if "hmac_sha256_hex" in derivation:
            agree(
                "hmac_sha256_hex",
                str(derivation["hmac_sha256_hex"]).lower()[: 2 * len(key)],
                key.hex(),
            )
    if "decoder_key_hex" in derivation:
        agree(
            "decoder_key_derivation.decoder_key_hex",
            str(derivation["decoder_key_hex"]).lower(),
            key.hex(),
        )
    return key, ea


def decoder_key_from(fields: Fields) -> DecoderKey:
    """The key from `decoder_key_hex` and/or `decoder_key_derivation` (which must agree), with
    `ea_code` (a DKGA04 derivation names its EA itself)."""
    hex_name, derivation_name = "decoder_key_hex", "decoder_key_derivation"
    derived: bytes | None = None
    ea: EncryptionAlgorithm | None = None
    if derivation_name in fields:
        derived, ea = derive_key(fields[derivation_name])
    if "ea_code" in fields:
        given_ea = EncryptionAlgorithm.from_code(str(fields["ea_code"]))
        if ea is not None and ea is not given_ea:
            raise StsError("ea_code does not match the EA of the DKGA04 derivation")
        ea = given_ea
    if ea is None:
        raise StsError("missing field 'ea_code'")
    if hex_name in fields:
        key = DecoderKey.from_hex(fields[hex_name], ea)
        if derived is not None:
            agree(hex_name, key.key, derived)
        return key
    if derived is None:
        raise StsError(f"missing field {hex_name!r} or {derivation_name!r}")
    return DecoderKey(derived, ea)


def decoder_key_from_new(fields: Fields) -> bytes:
    """The new key of a key-change request, checked against its derivation when both given."""
    derived = (
        derive_key(fields["new_decoder_key_derivation"])[0]
        if ("new_decoder_key_derivation" in fields)
        else None
    )
    if "new_decoder_key_hex" in fields:
        text = fields["new_decoder_key_hex"]
        length = len(text.strip()) // 2 if isinstance(text, str) else 0
        if length not in (8, 16):
            raise StsError("new_decoder_key_hex must be 16 or 32 hex digits")
        key = parse_key_hex(text, field="new_decoder_key_hex", length=length)
        if derived is not None:
            agree("new_decoder_key_hex", key, derived)
        return key
    assert derived is not None  # noqa: S101 - the caller checked that one of the two is given
    return derived
