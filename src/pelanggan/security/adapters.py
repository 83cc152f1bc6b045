"""django-allauth adapters: staff accounts only, TOTP secrets encrypted, MFA kept enrolled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from pelanggan.platform import crypto
from pelanggan.security import stepup
from pelanggan.security.models import StaffProfile
from pelanggan.security.roles import mfa_required

_TOTP_CONTEXT = "security.mfa.secret"


class StaffAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Accounts are created by administrators (`pelanggan users create`), never by sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Managing second factors needs a recent re-authentication, except when

        - the session passed a second factor within the step-up window (sign-in with MFA,
          re-authentication, or the enrolment just made), or
        - it is the first enrolment right after signing in: no second factor yet and the
          session began within the step-up window.
        """
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and isinstance(request, HttpRequest)
            and user is not None
            and user.is_authenticated
        ):
            from pelanggan.security import sessions
            from pelanggan.security.middleware import has_second_factor

            if stepup.has_recent_mfa(request):
                return False  # a second factor used within the step-up window counts
            if not has_second_factor(user.pk) and sessions.began_within(
                request, dt.timedelta(seconds=stepup.step_up_seconds())
            ):
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))


class StaffMFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    def encrypt(self, text: str) -> str:
        """TOTP secrets are stored encrypted with the data keys (AES-256-GCM, key id)."""
        return crypto.encrypt(text, context=_TOTP_CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text, context=_TOTP_CONTEXT)

    def get_totp_issuer(self) -> str:
        return "Pelanggan"

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A role that must use MFA may not remove its last TOTP or passkey."""
        profile = StaffProfile.objects.filter(user_id=authenticator.user_id).first()
        if profile is None or not mfa_required(profile.role):
            return True
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        remaining = (
            Authenticator.objects.filter(
                user_id=authenticator.user_id,
                type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
            )
            .exclude(pk=authenticator.pk)
            .count()
        )
        return bool(remaining > 0)

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        # Staff accounts carry no verified e-mail; the audit trail records MFA changes.
        return None
