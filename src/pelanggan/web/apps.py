from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pelanggan.web"
    label = "web"
    verbose_name = "Web console"
