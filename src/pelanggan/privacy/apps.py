from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "pelanggan.privacy"
    label = "privacy"
    verbose_name = "Privacy (UU PDP)"

    def ready(self) -> None:
        from pelanggan.privacy import audit_events  # noqa: F401
