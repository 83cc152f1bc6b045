"""Audit event types of the prepaid context. No row ever carries key material: vending keys are
named by SGC, KRN and DKGA, decoder keys not at all, key-change tokens are not recorded."""

from pelanggan.platform import audit

audit.register("prepaid.vending_key.added", "Vending key stored in the key store")
audit.register("prepaid.vending_key.retired", "Vending key retired")
audit.register("prepaid.vending_key.rotated", "Vending key rotated to a new key revision")
audit.register("prepaid.meter_key.registered", "STS key data of a meter recorded")
audit.register("prepaid.key_change.planned", "Key-change token set produced for a meter")
audit.register("prepaid.meter_key.changed", "Meter recorded as holding its new decoder key")
