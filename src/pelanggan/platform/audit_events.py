"""Audit event types of the platform: data-key lifecycle."""

from pelanggan.platform import audit

audit.register("platform.data_key.rotated", "A new data key was added and made active")
audit.register("platform.data_key.retired", "An unused data key was removed from the key ring")
audit.register(
    "platform.data_key.reencrypted", "Stored values were re-encrypted under the active data key"
)
