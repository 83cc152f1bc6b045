"""Production: secrets must come from the environment; nothing is generated on the fly.

TLS is terminated by the proxy in front of gunicorn, which sets `X-Forwarded-Proto: https`
(and must strip that header from clients). Behind it every cookie is Secure, plain HTTP is
redirected, and HSTS tells browsers to use HTTPS only for a year. `PELANGGAN_SECURE_COOKIES=0`
and `PELANGGAN_SSL_REDIRECT=0` exist for a TLS-less lab setup only; `manage.py check --deploy`
warns when they are used.
"""

from __future__ import annotations

from config.env import ConfigurationError, env_bool, env_secret, env_str
from config.settings.base import *  # noqa: F403

if not env_secret("DJANGO_SECRET_KEY"):
    raise ConfigurationError("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required")
if not env_secret("PELANGGAN_DATA_KEYS"):
    raise ConfigurationError("PELANGGAN_DATA_KEYS (or PELANGGAN_DATA_KEYS_FILE) is required")



def _seconds(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    if not value.isdigit():
        raise ConfigurationError(f"{name} must be a whole number of seconds")
    return int(value)


DEBUG = False
SESSION_COOKIE_SECURE = env_bool("PELANGGAN_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("PELANGGAN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = _seconds("PELANGGAN_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PELANGGAN_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("PELANGGAN_HSTS_PRELOAD", True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
