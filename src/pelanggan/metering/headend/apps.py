from django.apps import AppConfig


class HeadendConfig(AppConfig):
    name = "pelanggan.metering.headend"
    label = "headend"
    verbose_name = "AMI head-end (MQTT)"

    def ready(self) -> None:
        from pelanggan.metering.headend import audit_events  # noqa: F401
        from pelanggan.metering.headend.services import delivery  # noqa: F401 - outbox handler
