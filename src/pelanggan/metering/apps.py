from django.apps import AppConfig


class MeteringConfig(AppConfig):
    name = "pelanggan.metering"
    label = "metering"
    verbose_name = "Metering"

    def ready(self) -> None:
        from pelanggan.metering import audit_events  # noqa: F401
