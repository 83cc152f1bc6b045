from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "pelanggan.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from pelanggan.security import audit_events  # noqa: F401
