from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "pelanggan.prepaid"
    label = "prepaid"
    verbose_name = "Prepaid (STS tokens and vending)"
