"""Portal pages: sign in by phone or e-mail with a one-time code, then the customer's accounts.

The sign-in pages never tell whether a contact is registered: an unknown one gets the same
"code sent" page, and no code ever matches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pelanggan.platform.errors import ValidationFailed
from pelanggan.portal import lookup
from pelanggan.security import customer_login

SESSION_CODE = "portal.login_code_id"
BACKEND = "pelanggan.security.backends.StaffAuthenticationBackend"


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only a signed-in portal customer; anyone else goes to the portal's sign-in page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person_ref = customer_login.person_ref_of(request.user)
        if person_ref is None:
            return redirect("portal:login")
        request.person_ref = person_ref  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    guarded = never_cache(wrapper)
    guarded.portal_customer_only = True  # type: ignore[attr-defined]
    return guarded


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        value = str(request.POST.get("contact", ""))[:254]
        if not value.strip():
            error = _("Enter your registered mobile number or e-mail address.")
        else:
            contact = lookup.contact_for(value)
            request.session[SESSION_CODE] = None
            if contact is not None:
                try:
                    request.session[SESSION_CODE] = customer_login.start_login(
                        person_ref=contact.person_ref,
                        destination=contact.destination,
                        channel=contact.channel,
                    )
                except ValidationFailed as exc:
                    if exc.status == 429:
                        error = _("Too many codes were requested. Wait 15 minutes, then try again.")
            if not error:
                return redirect("portal:verify")
    return render(request, "portal/login.html", {"error": error}, status=422 if error else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        user = customer_login.verify_login(
            login_code_id=request.session.get(SESSION_CODE),
            code=str(request.POST.get("code", ""))[:12],
        )
        if user is not None:
            request.session.pop(SESSION_CODE, None)
            login(request, user, backend=BACKEND)  # type: ignore[arg-type]  # rotates the id
            return redirect("portal:home")
        error = _("The code is wrong or has expired. Request a new code if needed.")
    return render(request, "portal/verify.html", {"error": error}, status=422 if error else 200)


@customer_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    accounts = lookup.accounts_of(request.person_ref)  # type: ignore[attr-defined]
    return render(request, "portal/home.html", {"accounts": accounts})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")
