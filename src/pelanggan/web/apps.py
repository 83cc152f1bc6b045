"""The staff web console: server-rendered Django templates with htmx, Bahasa Indonesia first."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pelanggan.web"
    label = "web"
    verbose_name = "Web console"

    def ready(self) -> None:
        from pelanggan.web import signals

        signals.connect()
