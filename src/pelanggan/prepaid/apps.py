from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "pelanggan.prepaid"
    label = "prepaid"
    verbose_name = "Prepaid (STS tokens and vending)"

    def ready(self) -> None:
        from pelanggan.prepaid import audit_events  # noqa: F401
