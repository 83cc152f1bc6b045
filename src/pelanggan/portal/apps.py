"""The customer self-service portal: sign-in with a one-time code, the customer's own accounts,
their usage and their data-subject requests."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "pelanggan.portal"
    label = "portal"
    verbose_name = "Customer portal"

    def ready(self) -> None:
        from pelanggan.portal import audit_events  # noqa: F401
