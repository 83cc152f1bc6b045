"""The authentication backend: allauth's, refusing suspended, locked and non-staff accounts."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.http import HttpRequest

from pelanggan.security import lockout
from pelanggan.security.models import StaffProfile
from pelanggan.security.roles import ROLES


class StaffAuthenticationBackend(AuthenticationBackend):  # type: ignore[misc]
    """Only staff sign in with a password; a lock refuses even the right password."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        address = lockout.client_address(request) if request is not None else ""
        if address and lockout.address_blocked_until(address) is not None:
            return None
        user = super().authenticate(request, **credentials)
        if user is None:
            # allauth keeps a user whose password matched but who may not sign in, to show
            # "account inactive"; a suspended account instead looks like a wrong password.
            stashed = self.unstash_authenticated_user()
            if stashed is not None and not stashed.is_active:
                self._stash_user(stashed)
            return None
        if lockout.account_locked_until(user.pk) is not None:
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        profile = StaffProfile.objects.filter(user_id=user.pk).only("role", "suspended_at").first()
        if profile is None:
            # Accounts without a staff profile (Django superusers made by createsuperuser) may
            # sign in but see nothing: the console answers them with 403.
            return True
        definition = ROLES.get(profile.role)
        return (
            profile.suspended_at is None
            and bool(definition and definition.staff)
            and not (definition and definition.service_account)
        )
