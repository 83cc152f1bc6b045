"""Production: secrets must come from the environment; nothing is generated on the fly."""

from __future__ import annotations

from config.env import ConfigurationError, env_bool, env_secret
from config.settings.base import *  # noqa: F403

if not env_secret("DJANGO_SECRET_KEY"):
    raise ConfigurationError("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required")
if not env_secret("PELANGGAN_DATA_KEYS"):
    raise ConfigurationError("PELANGGAN_DATA_KEYS (or PELANGGAN_DATA_KEYS_FILE) is required")

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("PELANGGAN_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
