"""Per-request rules for signed-in staff: session limits, suspension, mandatory MFA enrolment.

Placed after `AuthenticationMiddleware`. For a signed-in user with a staff profile it

1. ends the session when it is idle or too old, revoked by "logout everywhere" or the account
   is suspended (see `sessions.py`); the request then continues as anonymous, so a console
   page sends the browser to the login page and the API answers 401;
2. sends a staff member whose role requires MFA and who has no TOTP or passkey yet to
   enrolment, and lets them reach nothing else but logout, the enrolment pages, static files
   and the language switch (the API answers 403 `mfa_enrolment_required`).

The staff profile it loads is handed to `principal_for`, so this costs no extra query.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from pelanggan.platform import audit
from pelanggan.security import sessions
from pelanggan.security.models import StaffProfile
from pelanggan.security.roles import mfa_required

ENROL_URL_NAME = "mfa_activate_totp"
_SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user_id: int) -> bool:
    return bool(
        Authenticator.objects.filter(user_id=user_id, type__in=_SECOND_FACTORS).exists()
    )


def _exempt(path: str) -> bool:
    prefixes = (
        reverse("mfa_index"),
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("web:logout"),
        "/i18n/",
        "/" + settings.STATIC_URL.lstrip("/"),
    )
    return path.startswith(prefixes)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        profile = StaffProfile.objects.filter(user_id=user.pk).first()
        if profile is not None:
            user._state.fields_cache["staff_profile"] = profile
        # Portal customers (no staff profile) get the same idle and absolute limits.
        reason = sessions.expiry_reason(
            request,
            generation=profile.session_generation if profile else 0,
            suspended=profile is not None and profile.suspended_at is not None,
        )
        if reason is not None:
            audit.record(
                "security.session.expired",
                actor=audit.Actor("staff" if profile else "user", user.pk, user.get_username()),
                subject_type="staff" if profile else "user",
                subject_ids=[user.pk],
                changes={"reason": audit.change(None, reason)},
            )
            logout(request)
            return self.get_response(request)
        sessions.touch(request)
        if profile is None:
            return self.get_response(request)
        if mfa_required(profile.role) and not self._enrolled(request, user.pk):
            blocked = self._enrolment_only(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    @staticmethod
    def _enrolled(request: HttpRequest, user_id: int) -> bool:
        if request.session.get(sessions.ENROLLED):
            return True
        if has_second_factor(user_id):
            request.session[sessions.ENROLLED] = True
            return True
        return False

    def _enrolment_only(self, request: HttpRequest) -> HttpResponse | None:
        if _exempt(request.path):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "mfa_enrolment_required",
                    "message": "Enrol a second factor in the console before using the API",
                    "details": {},
                },
                status=403,
            )
        target = reverse(ENROL_URL_NAME)
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
