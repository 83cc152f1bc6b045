"""Portal pages: sign in by phone or e-mail with a one-time code, then the customer's own
accounts, their monthly usage and their data-subject requests ("Data pribadi saya").

The sign-in pages never tell whether a contact is registered: an unknown one gets the same
"code sent" page, and no code ever matches. Every page after sign-in is scoped to the person
behind the session; another customer's IDPEL or request answers 404, like a missing one.
The portal reads other contexts only through their selectors and writes through services.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pelanggan.customers import selectors_portal as customers
from pelanggan.platform import audit
from pelanggan.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from pelanggan.portal import usage
from pelanggan.privacy import selectors_portal as privacy
from pelanggan.privacy.services.requests import submit_request
from pelanggan.security import customer_login
from pelanggan.web.formats import long_datetime

SESSION_CODE = "portal.login_code_id"
BACKEND = "pelanggan.security.backends.StaffAuthenticationBackend"
#: Fields a customer may ask to have corrected from the portal (one per request).
CORRECTABLE_FIELDS = ("full_name", "nik", "birth_date", "gender", "phone", "phone_2", "email")


def customer_actor(user: Any) -> audit.Actor:
    """The signed-in customer as an audit actor (no personal data in the label)."""
    return audit.Actor("customer", user.pk, user.get_username())


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only a signed-in portal customer; anyone else goes to the portal's sign-in page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person_ref = customer_login.person_ref_of(request.user)
        if person_ref is None or customers.person_id_of(person_ref) is None:
            return redirect("portal:login")
        request.person_ref = person_ref  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    guarded = never_cache(wrapper)
    guarded.portal_customer_only = True  # type: ignore[attr-defined]
    return guarded


def _person_ref(request: HttpRequest) -> str:
    return str(request.person_ref)  # type: ignore[attr-defined]


def _person_id(request: HttpRequest) -> int:
    person_id = customers.person_id_of(_person_ref(request))
    if person_id is None:  # customer_required lets no such session through
        raise Http404
    return person_id


# ------------------------------------------------------------------------------- sign-in


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        value = str(request.POST.get("contact", ""))[:254]
        if not value.strip():
            error = _("Enter your registered mobile number or e-mail address.")
        else:
            contact = customers.contact_for(value)
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


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # audited by pelanggan.web.signals as portal.session.logout
    return redirect("portal:login")


# ------------------------------------------------------------------------------- accounts


@customer_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    accounts = customers.accounts_of(_person_ref(request))
    return render(request, "portal/home.html", {"accounts": accounts, "section": "accounts"})


@customer_required
@require_http_methods(["GET"])
def account(request: HttpRequest, idpel: str) -> HttpResponse:
    try:
        detail = customers.account_detail(person_ref=_person_ref(request), idpel=idpel)
    except NotFound:
        raise Http404 from None
    audit.record(
        "portal.account.viewed",
        actor=customer_actor(request.user),
        subject_type="account",
        subject_ids=[detail.idpel],
    )
    has_electricity = any(c.utility == "electricity" for c in detail.connections)
    return render(
        request,
        "portal/account.html",
        {"account": detail, "has_electricity": has_electricity, "section": "accounts"},
    )


@customer_required
@require_http_methods(["GET"])
def account_usage(request: HttpRequest, idpel: str) -> HttpResponse:
    try:
        result = usage.monthly_usage(
            person_ref=_person_ref(request), idpel=idpel, actor=customer_actor(request.user)
        )
    except NotFound:
        raise Http404 from None
    return render(request, "portal/usage.html", {"usage": result, "section": "accounts"})


# ------------------------------------------------------------------------------- my data


def _problems(exc: DomainError) -> list[str]:
    indonesian = (get_language() or "id").startswith("id")
    if isinstance(exc, ValidationFailed) and exc.fields:
        return [
            str(p.get("message_id") if indonesian and p.get("message_id") else p["message"])
            for problems in exc.fields.values()
            for p in problems
        ]
    if isinstance(exc, Conflict) and exc.code == "idempotency_key_reused":
        return [_("This form was already sent. Reload the page and try again.")]
    return [_("The request could not be recorded. Try again or call contact centre 123.")]


def _request_form(request: HttpRequest) -> dict[str, str]:
    fields = ("kind", "idpel", "purpose", "correction_field", "correction_value", "form_key")
    return {name: str(request.POST.get(name, "")).strip()[:200] for name in fields}


def _submit(request: HttpRequest, form: dict[str, str]) -> HttpResponse | list[str]:
    kinds = privacy.request_kinds()
    if form["kind"] not in kinds:
        return [_("Choose what you are asking for.")]
    own = customers.own_idpels(_person_ref(request))
    if form["idpel"] and form["idpel"] not in own:
        return [_("Choose one of your own accounts.")]
    details = None
    if form["kind"] == "correction":
        if form["correction_field"] not in CORRECTABLE_FIELDS or not form["correction_value"]:
            return [_("For a correction, choose the data to correct and write the correct value.")]
        details = {form["correction_field"]: form["correction_value"]}
    purpose = form["purpose"] if form["kind"] not in ("access", "correction", "deletion") else ""
    try:
        created = submit_request(
            kind=form["kind"],
            person_id=_person_id(request),
            channel="portal",
            actor=customer_actor(request.user),
            idpel=form["idpel"],
            purpose=purpose,
            details=details,
            idempotency_key=form["form_key"][:64],
        )
    except (ValidationFailed, Conflict, NotFound) as exc:
        return _problems(exc)
    messages.success(
        request,
        _("Your request %(reference)s was received. We answer by %(due)s.")
        % {"reference": created.reference, "due": long_datetime(created.due_at)},
    )
    return redirect("portal:my_data")


@customer_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    form: dict[str, str] = {}
    if request.method == "POST":
        form = _request_form(request)
        outcome = _submit(request, form)
        if isinstance(outcome, HttpResponse):
            return outcome
        errors = outcome
    person_ref = _person_ref(request)
    context = {
        "section": "my_data",
        "errors": errors,
        "form": form,
        # A fresh key per form shown: sending the same form twice records one request.
        "form_key": form.get("form_key") or f"portal-{secrets.token_hex(16)}",
        "kinds": privacy.request_kinds(),
        "purposes": customers.processing_purposes(),
        "correctable": [(name, _field_label(name)) for name in CORRECTABLE_FIELDS],
        "idpels": customers.own_idpels(person_ref),
        "requests": privacy.requests_of(person_id=_person_id(request)),
    }
    return render(request, "portal/my_data.html", context, status=422 if errors else 200)


def _field_label(name: str) -> str:
    return {
        "full_name": _("Full name"),
        "nik": _("NIK"),
        "birth_date": _("Date of birth"),
        "gender": _("Gender"),
        "phone": _("Mobile number"),
        "phone_2": _("Second phone number"),
        "email": _("E-mail"),
    }[name]


@customer_required
@require_http_methods(["GET"])
def export_download(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if not request_id.isdigit() or len(request_id) > 10:
        raise Http404
    try:
        name, content_type, body = privacy.subject_export(
            person_id=_person_id(request),
            request_id=int(request_id),
            fmt=fmt,
            actor=customer_actor(request.user),
        )
    except (NotFound, ValidationFailed):
        raise Http404 from None
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
