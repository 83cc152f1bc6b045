"""Sign-in and sign-out of the console: allauth's flow (password, then the second factor).

`/login/` keeps the console's own login page; after the password allauth asks for the
authenticator code (`/accounts/2fa/authenticate/`) when the account has one, and the
middleware sends a staff member without one to enrolment. Failed attempts are counted for
lockout in `pelanggan.security.signals` and audited in `pelanggan.web.signals`.
"""

from __future__ import annotations

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pelanggan.security import services, stepup
from pelanggan.security.forms import StaffLoginForm
from pelanggan.security.roles import Perm
from pelanggan.web.access import principal_of, staff_required


class LoginView(allauth_views.LoginView):  # type: ignore[misc]
    template_name = "web/login.html"
    form_class = StaffLoginForm


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anybody out."""


@staff_required(Perm.SELF_VIEW)
@require_http_methods(["GET"])
def account_security(request: HttpRequest) -> HttpResponse:
    """The staff member's own security page: second factors and "log out everywhere"."""
    return render(
        request,
        "account/security.html",
        {"step_up_minutes": max(1, stepup.step_up_seconds() // 60)},
    )


@staff_required(Perm.SELF_VIEW)
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in staff member, this one included."""
    principal = principal_of(request)
    services.logout_everywhere(principal.user_id, actor=principal.actor)
    logout(request)
    messages.info(request, _("All your sessions have ended. Sign in again."))
    return redirect("web:login")
