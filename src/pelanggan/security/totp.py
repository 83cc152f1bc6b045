"""TOTP (RFC 6238) against the staff member's allauth authenticator, on the platform clock.

allauth checks the codes typed into its own forms; this module checks codes that arrive
elsewhere (the `X-Pelanggan-OTP` step-up header of API clients) and produces the current code
for the development CLI and the tests. A code accepted here is marked used in the same cache
allauth uses, so one code never serves twice within its period, whichever door it came through.
"""

from __future__ import annotations

import datetime as dt

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.core.cache import cache
from django.utils.crypto import constant_time_compare

from pelanggan.platform import clock


def secret_of(user_id: int) -> str | None:
    """The decrypted TOTP secret of a user, or None when they have no TOTP authenticator."""
    authenticator = Authenticator.objects.filter(
        user_id=user_id, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None:
        return None
    return str(decrypt(authenticator.data["secret"]))


def code_at(secret: str, moment: dt.datetime) -> str:
    """The code an authenticator app shows at `moment`."""
    counter = int(moment.timestamp()) // mfa_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(secret, counter)))


def current_code(user_id: int) -> str | None:
    """The user's current code (development CLI and tests only; never logged)."""
    secret = secret_of(user_id)
    return code_at(secret, clock.now()) if secret else None


def _used_key(user_id: int, code: str) -> str:
    # The key allauth's TOTP uses, so the two doors share one replay guard.
    return f"allauth.mfa.totp.used?user={user_id}&code={code}"


def verify_code(*, user_id: int, code: str) -> bool:
    """True (once) when `code` is the user's current code, allowing allauth's clock tolerance."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != mfa_settings.TOTP_DIGITS:
        return False
    secret = secret_of(user_id)
    if secret is None:
        return False
    now = clock.now()
    tolerance = mfa_settings.TOTP_TOLERANCE
    for step in range(-tolerance, tolerance + 1):
        moment = now + dt.timedelta(seconds=step * mfa_settings.TOTP_PERIOD)
        if constant_time_compare(code_at(secret, moment), code):
            return bool(
                cache.add(_used_key(user_id, code), "y", timeout=mfa_settings.TOTP_PERIOD * 2)
            )
    return False


def new_secret() -> str:
    return str(generate_totp_secret())
