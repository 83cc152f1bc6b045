"""A `MeterState` as a JSON-friendly mapping and back, for the command line and for the meter
simulator's storage. Pending key-change sections are kept as their plain data blocks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pelanggan.prepaid.sts.ciphers import DecoderKey
from pelanggan.prepaid.sts.codec import data_block, parse_data_block
from pelanggan.prepaid.sts.errors import StsError
from pelanggan.prepaid.sts.key_inputs import check_known, decoder_key_from, get_decimal, get_int
from pelanggan.prepaid.sts.meter import ZERO, MeterState
from pelanggan.prepaid.sts.tid import BaseDate
from pelanggan.prepaid.sts.tokens import KEY_CHANGE_SECTIONS, Service, TokenClass

_FIELDS: Final = {
    "decoder_key_hex",
    "decoder_key_derivation",
    "ea_code",
    "key_type",
    "key_revision_number",
    "tariff_index",
    "key_expiry_number",
    "supply_group_code",
    "base_date",
    "manufacturer_code",
    "tid_memory",
    "tid_memory_depth",
    "min_tid",
    "credit",
    "credit_limit",
    "power_limit_watts",
    "phase_unbalance_limit_watts",
    "tariff_rate",
    "water_meter_factor",
    "tampered",
    "pending_key_sections",
}


def _optional_int(fields: Mapping[str, Any], name: str) -> int | None:
    return None if fields.get(name) is None else get_int(fields, name)


def meter_state_from(fields: Mapping[str, Any]) -> MeterState:
    """Build a meter state from a mapping; only the key fields are required."""
    check_known(fields, _FIELDS, "meter")
    key: DecoderKey = decoder_key_from(fields)
    credit_fields = fields.get("credit") or {}
    if not isinstance(credit_fields, Mapping):
        raise StsError('meter.credit must be an object such as {"electricity": "12.5"}')
    registers = [ZERO, ZERO, ZERO, ZERO]
    for name in credit_fields:
        try:
            service = Service[str(name).upper()]
        except KeyError:
            raise StsError(f"unknown credit register {name!r}") from None
        registers[service.value] = get_decimal(credit_fields, name)
    memory = fields.get("tid_memory", [])
    if not isinstance(memory, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) for t in memory
    ):
        raise StsError("meter.tid_memory must be a list of integers")
    pending = []
    for text in fields.get("pending_key_sections", []):
        block = int(str(text), 16) if str(text).isalnum() else -1
        section = parse_data_block(TokenClass.MANAGEMENT, block) if 0 <= block < 1 << 64 else None
        if not isinstance(section, KEY_CHANGE_SECTIONS):
            raise StsError("meter.pending_key_sections must hold key-change data blocks")
        pending.append(section)
    tampered = fields.get("tampered", False)
    if not isinstance(tampered, bool):
        raise StsError("meter.tampered must be true or false")
    limit = fields.get("credit_limit")
    return MeterState(
        decoder_key=key,
        key_type=get_int(fields, "key_type", high=3) if "key_type" in fields else 2,
        key_revision_number=_optional_int(fields, "key_revision_number") or 1,
        tariff_index=_optional_int(fields, "tariff_index") or 1,
        key_expiry_number=(
            get_int(fields, "key_expiry_number", high=255) if "key_expiry_number" in fields else 255
        ),
        supply_group_code=None
        if fields.get("supply_group_code") is None
        else str(fields["supply_group_code"]),
        base_date=BaseDate.parse(str(fields.get("base_date", "93"))),
        manufacturer_code=_optional_int(fields, "manufacturer_code") or 0,
        tid_memory=tuple(sorted(memory)),
        tid_memory_depth=_optional_int(fields, "tid_memory_depth") or 50,
        min_tid=_optional_int(fields, "min_tid") or 0,
        credit=(registers[0], registers[1], registers[2], registers[3]),
        credit_limit=None if limit is None else get_decimal(fields, "credit_limit"),
        power_limit_watts=_optional_int(fields, "power_limit_watts"),
        phase_unbalance_limit_watts=_optional_int(fields, "phase_unbalance_limit_watts"),
        tariff_rate=_optional_int(fields, "tariff_rate"),
        water_meter_factor=_optional_int(fields, "water_meter_factor"),
        tampered=tampered,
        pending_key_sections=tuple(pending),
    )


def meter_state_to_dict(state: MeterState) -> dict[str, Any]:
    """The state as JSON-ready values (Decimals as strings); `meter_state_from` reads it back."""
    return {
        "decoder_key_hex": state.decoder_key.key.hex(),
        "ea_code": state.decoder_key.algorithm.value,
        "key_type": state.key_type,
        "key_revision_number": state.key_revision_number,
        "tariff_index": state.tariff_index,
        "key_expiry_number": state.key_expiry_number,
        "supply_group_code": state.supply_group_code,
        "base_date": state.base_date.date.isoformat(),
        "manufacturer_code": state.manufacturer_code,
        "tid_memory": list(state.tid_memory),
        "tid_memory_depth": state.tid_memory_depth,
        "min_tid": state.min_tid,
        "credit": {s.name.lower(): str(state.credit_of(s)) for s in Service},
        "credit_limit": None if state.credit_limit is None else str(state.credit_limit),
        "power_limit_watts": state.power_limit_watts,
        "phase_unbalance_limit_watts": state.phase_unbalance_limit_watts,
        "tariff_rate": state.tariff_rate,
        "water_meter_factor": state.water_meter_factor,
        "tampered": state.tampered,
        "pending_key_sections": [f"{data_block(s):016x}" for s in state.pending_key_sections],
    }


__all__ = ["meter_state_from", "meter_state_to_dict"]
