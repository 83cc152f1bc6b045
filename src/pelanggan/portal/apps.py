"""The customer self-service portal: sign-in with a one-time code, the customer's own accounts."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "pelanggan.portal"
    label = "portal"
    verbose_name = "Customer portal"
