from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "pelanggan.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.conf import settings

        from pelanggan.platform import crypto, outbox
        from pelanggan.platform.tasks import dispatch_outbox

        def load_keys() -> crypto.KeyRing | None:
            return crypto.load_ring_from(
                json_text=settings.PELANGGAN_DATA_KEYS, path=settings.PELANGGAN_DATA_KEYS_PATH
            )

        # Keys from the environment are fixed for the process; a key file is watched for rotation.
        watched = None if settings.PELANGGAN_DATA_KEYS else settings.PELANGGAN_DATA_KEYS_PATH
        crypto.ring_holder.install_loader(load_keys, watch=watched)
        from pelanggan.platform import audit_events  # noqa: F401

        def wake_worker() -> None:
            dispatch_outbox.enqueue()

        outbox.on_publish(wake_worker)
