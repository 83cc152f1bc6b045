from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "pelanggan.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from pelanggan.security import audit_events, customer_login, signals  # noqa: F401

        signals.connect()
