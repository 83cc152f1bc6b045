from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "pelanggan.oversight"
    label = "oversight"
    verbose_name = "Oversight (access anomalies)"

    def ready(self) -> None:
        from pelanggan.oversight import audit_events  # noqa: F401
