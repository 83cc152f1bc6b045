"""Step-up ("sudo mode"): sensitive operations need a second factor used in the last minutes.

Revealing an unmasked NIK or phone, exporting personal data, changing roles or tariffs, manual
token vends and refunds call into this module:

- console views wear `@step_up_required` (after `staff_required`): without a recent second
  factor the browser goes to the re-authentication page and comes back through `?next=`;
- API operations call `ensure_step_up(request)`: a console session must have used its second
  factor recently; a bearer-token client sends a current TOTP code of the token's user in the
  `X-Pelanggan-OTP` header (each code is accepted once).

"Recent" means within `PELANGGAN_STEP_UP_SECONDS` (default 300) on the platform clock. The time
of the last second factor is written into the session by `note_mfa_used` (login with MFA,
re-authentication, enrolment); see `pelanggan.security.signals`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from pelanggan.platform import clock
from pelanggan.platform.errors import PermissionDenied
from pelanggan.security import totp

STEP_UP_SECONDS: int = int(getattr(settings, "PELANGGAN_STEP_UP_SECONDS", 300))
"""How long a second factor counts as recent (the value at start-up; see `step_up_seconds`)."""

OTP_HEADER = "X-Pelanggan-OTP"
SESSION_KEY = "pelanggan.security.mfa_at"
REAUTH_URL_NAME = "mfa_reauthenticate"

V = TypeVar("V", bound=Callable[..., HttpResponse])


class StepUpRequired(PermissionDenied):
    """The operation needs a fresh second factor (HTTP 403, code `step_up_required`)."""

    status = 403
    default_code = "step_up_required"


def step_up_seconds() -> int:
    """The configured window, read at call time so `override_settings` works in tests."""
    return int(getattr(settings, "PELANGGAN_STEP_UP_SECONDS", STEP_UP_SECONDS))


def note_mfa_used(request: HttpRequest, *, at: dt.datetime | None = None) -> None:
    """Record in the session that its user has just passed a second factor."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = (at or clock.now()).timestamp()


def last_mfa_at(request: HttpRequest) -> dt.datetime | None:
    """When this session last passed a second factor, if it ever did."""
    session = getattr(request, "session", None)
    raw = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(raw, int | float):
        return None
    return dt.datetime.fromtimestamp(raw, tz=dt.UTC)


def has_recent_mfa(request: HttpRequest) -> bool:
    """True when the signed-in session passed a second factor within the step-up window."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    used_at = last_mfa_at(request)
    if used_at is None:
        return False
    age = (clock.now() - used_at).total_seconds()
    return -5 <= age <= step_up_seconds()


def reauthentication_url(next_url: str) -> str:
    return f"{reverse(REAUTH_URL_NAME)}?{urlencode({'next': next_url})}"


def step_up_required(view: V) -> V:
    """Console view decorator: without a recent second factor, re-authenticate first.

    Put it under `staff_required` so anonymous users still go to the login page. A htmx call
    gets a client-side redirect (`HX-Redirect`) to the re-authentication page, which returns to
    the page the call came from.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if has_recent_mfa(request):
            return view(request, *args, **kwargs)
        if request.headers.get("HX-Request") == "true":
            origin = request.headers.get("HX-Current-URL", "") or request.get_full_path()
            response = HttpResponse(status=200)
            response["HX-Redirect"] = reauthentication_url(_local_path(origin))
            return response
        target = request.get_full_path() if request.method == "GET" else _referer(request)
        return HttpResponseRedirect(reauthentication_url(target))

    wrapper.step_up = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _local_path(url: str) -> str:
    """Only a path on this site may be a `next` target (never another host)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _referer(request: HttpRequest) -> str:
    return _local_path(request.headers.get("Referer", "") or "/")


def ensure_step_up(request: HttpRequest) -> None:
    """Raise `StepUpRequired` unless the caller proved a second factor just now.

    Accepted: a console session whose second factor is recent, or a valid current TOTP code
    for the authenticated user in the `X-Pelanggan-OTP` header (bearer-token clients). A code
    is accepted once. Nothing is changed on failure.
    """
    if has_recent_mfa(request):
        return
    code = request.headers.get(OTP_HEADER, "").strip()
    user_id = _authenticated_user_id(request)
    if code and user_id is not None and totp.verify_code(user_id=user_id, code=code):
        return
    raise StepUpRequired(
        "This operation needs a fresh second factor: re-authenticate, or send a current "
        f"authenticator code in the {OTP_HEADER} header",
        details={"header": OTP_HEADER, "window_seconds": step_up_seconds()},
    )


def _authenticated_user_id(request: HttpRequest) -> int | None:
    principal = getattr(request, "auth", None)
    user_id = getattr(principal, "user_id", None)
    if isinstance(user_id, int):
        return user_id
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None
