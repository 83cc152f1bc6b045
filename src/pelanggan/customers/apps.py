from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "pelanggan.customers"
    label = "customers"
    verbose_name = "Customers (DIL)"

    def ready(self) -> None:
        from pelanggan.customers import audit_events  # noqa: F401
