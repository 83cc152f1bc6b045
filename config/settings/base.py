"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

import pelanggan
from config.env import data_home, env_bool, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOME = data_home()

DEBUG = env_bool("PELANGGAN_DEBUG", False)


def _secret_key() -> str:
    configured = env_secret("DJANGO_SECRET_KEY")
    if configured:
        return configured
    # The embedded default keeps a generated key beside the data so sessions survive restarts.
    key_file = HOME / "keys" / "secret-key"
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PELANGGAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Serves the API docs' Swagger UI from the package itself (no CDN: sites may be offline).
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "pelanggan.platform",
    "pelanggan.security",
    "pelanggan.customers",
    "pelanggan.prepaid",
    "pelanggan.metering",
    "pelanggan.metering.headend",
    "pelanggan.oversight",
    "pelanggan.privacy",
    "pelanggan.web",
    "pelanggan.portal",
    # Staff sign-in with MFA; after pelanggan.web so the console's templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pelanggan.platform.headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pelanggan.platform.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pelanggan.web.middleware.IndonesianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "pelanggan.security.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if url:
        config = dict(dj_database_url.parse(url, conn_max_age=60))
        config.setdefault("OPTIONS", {})
        return config
    HOME.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(HOME / "pelanggan.sqlite3"),
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers never
            # deadlock on the lock upgrade (the audit chain and outbox rely on it).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ASVS V6.2: a minimum length, long passphrases allowed, no composition rules, no hints, and a
# check against a local list of breached passwords (PELANGGAN_BREACHED_PASSWORDS_FILE adds one).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "pelanggan.security.passwords.LengthValidator",
        "OPTIONS": {"min_length": int(env_str("PELANGGAN_PASSWORD_MIN_LENGTH") or "12")},
    },
    {
        "NAME": "pelanggan.security.passwords.BreachedPasswordValidator",
        "OPTIONS": {"extra_file": env_str("PELANGGAN_BREACHED_PASSWORDS_FILE")},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
AUTHENTICATION_BACKENDS = ["pelanggan.security.backends.StaffAuthenticationBackend"]
# django-allauth for staff sign-in: username + password, then a second factor; no self sign-up.
ACCOUNT_ADAPTER = "pelanggan.security.adapters.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(env_str("PELANGGAN_STEP_UP_SECONDS") or "300")
# Failed sign-ins are counted in the database per account and per address (lockout.py), which
# holds across processes; allauth's cache-based limits stay as a coarse flood guard.
ACCOUNT_RATE_LIMITS = {"login_failed": False, "login": "60/m/ip"}
ACCOUNT_FORMS = {"login": "pelanggan.security.forms.StaffLoginForm"}
MFA_ADAPTER = "pelanggan.security.adapters.StaffMFAAdapter"
MFA_FORMS = {
    "authenticate": "pelanggan.security.forms.StaffAuthenticateForm",
    "reauthenticate": "pelanggan.security.forms.StaffReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Pelanggan"
# One 30-second step either side (RFC 6238 section 5.2): a code typed as the step turns over, or
# from a phone whose clock is a few seconds off, still counts; each code is accepted only once.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
PELANGGAN_STEP_UP_SECONDS = int(env_str("PELANGGAN_STEP_UP_SECONDS") or "300")
PELANGGAN_LOGIN_MAX_FAILURES = int(env_str("PELANGGAN_LOGIN_MAX_FAILURES") or "5")
PELANGGAN_LOGIN_ADDRESS_MAX_FAILURES = int(
    env_str("PELANGGAN_LOGIN_ADDRESS_MAX_FAILURES") or "20"
)
PELANGGAN_LOGIN_WINDOW_SECONDS = int(env_str("PELANGGAN_LOGIN_WINDOW_SECONDS") or "900")
PELANGGAN_LOGIN_LOCK_SECONDS = int(env_str("PELANGGAN_LOGIN_LOCK_SECONDS") or "900")
# Behind N reverse proxies that append to X-Forwarded-For, lockout counts the client address.
PELANGGAN_TRUSTED_PROXY_HOPS = int(env_str("PELANGGAN_TRUSTED_PROXY_HOPS") or "0")
PELANGGAN_SESSION_IDLE_SECONDS = int(env_str("PELANGGAN_SESSION_IDLE_SECONDS") or "1800")
PELANGGAN_SESSION_ABSOLUTE_SECONDS = int(
    env_str("PELANGGAN_SESSION_ABSOLUTE_SECONDS") or "28800"
)
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
# Found beside the package, so an installed wheel finds its translations too.
LOCALE_PATHS = [Path(pelanggan.__file__).resolve().parent / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files are served from the installed apps directly: nothing to collect for the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Personal-data encryption keys: JSON from PELANGGAN_DATA_KEYS (or *_FILE), else the key file
# under the data directory that `pelanggan demo` / `pelanggan init` generates for development.
PELANGGAN_DATA_KEYS = env_secret("PELANGGAN_DATA_KEYS")
PELANGGAN_DATA_KEYS_PATH = HOME / "keys" / "data-keys.json"
PELANGGAN_HOME = HOME
# The interval-data lake (Parquet partitioned by day); object storage mounts work too.
PELANGGAN_LAKE_DIR = env_str("PELANGGAN_LAKE_DIR") or str(HOME / "lake")
# The MQTT broker of the AMI head-end (two-way meters): mqtt://host:port.
PELANGGAN_MQTT_URL = env_str("PELANGGAN_MQTT_URL") or "mqtt://127.0.0.1:1883"

# Where STS vending keys live: "software" (encrypted in the database with the data keys) or
# "pkcs11" (a hardware security module; see src/pelanggan/prepaid/keystore/README.md).
PELANGGAN_KEY_STORE = {
    "BACKEND": env_str("PELANGGAN_KEY_STORE", "software"),
    "LIBRARY": env_str("PELANGGAN_HSM_LIBRARY", "/usr/lib/softhsm/libsofthsm2.so"),
    "TOKEN_LABEL": env_str("PELANGGAN_HSM_TOKEN", "pelanggan"),
    "PIN": env_secret("PELANGGAN_HSM_PIN"),
    "ALLOW_DKGA02_KEY_READ": env_bool("PELANGGAN_HSM_ALLOW_DKGA02_KEY_READ", False),
    "CACHE_SECONDS": 60,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "pelanggan.platform.logging.RequestIdFilter"},
        "scrub_personal_data": {"()": "pelanggan.privacy.logging.PersonalDataScrubFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "scrub_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("PELANGGAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The embedded worker polls every second; its start/stop lines would drown the log.
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
