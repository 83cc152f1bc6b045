from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "pelanggan.prepaid"
    label = "prepaid"
    verbose_name = "Prepaid (STS tokens and vending)"

    def ready(self) -> None:
        from pelanggan.platform import keys
        from pelanggan.prepaid import audit_events  # noqa: F401

        # The software key store seals vending keys itself; key rotation re-encrypts them too.
        keys.register_sealed_column(
            "prepaid.VendingKey",
            "sealed_key",
            context_template="prepaid.vending_key:{supply_group_code}:{key_revision_number}:{dkga}",
        )
