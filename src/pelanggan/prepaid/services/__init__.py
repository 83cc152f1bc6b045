"""Write side of the prepaid context: vending keys, per-meter key data, TIDs, key changes."""

from pelanggan.prepaid.services.key_change import (
    KeyChangeTarget,
    apply_key_change,
    plan_key_change,
)
from pelanggan.prepaid.services.keys import (
    DEVELOPMENT_SUPPLY_GROUP_CODE,
    DevelopmentKeys,
    add_vending_key,
    init_development_keys,
    retire_vending_key,
    rotate_vending_key,
)
from pelanggan.prepaid.services.meters import (
    decoder_key_for,
    meter_key_data,
    register_meter_key_data,
)
from pelanggan.prepaid.services.tids import issue_tid

__all__ = [
    "DEVELOPMENT_SUPPLY_GROUP_CODE",
    "DevelopmentKeys",
    "KeyChangeTarget",
    "add_vending_key",
    "apply_key_change",
    "decoder_key_for",
    "init_development_keys",
    "issue_tid",
    "meter_key_data",
    "plan_key_change",
    "register_meter_key_data",
    "retire_vending_key",
    "rotate_vending_key",
]
