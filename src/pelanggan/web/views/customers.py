"""Customer pages: search, the 360° record, registration and the three kinds of change."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pelanggan.customers import selectors, services
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.security.roles import Perm
from pelanggan.security.stepup import step_up_required
from pelanggan.web.access import principal_of, staff_required, visible_ulps
from pelanggan.web.forms import (
    STANDARD_VA,
    AddressForm,
    ConsoleForm,
    CustomerForm,
    PersonForm,
    SearchForm,
    TermsForm,
    live_connection,
)
from pelanggan.web.views.common import go_to, respond

# Parts of the 360° page that later capabilities fill (billing, prepaid, service requests, outages).
LATER_SECTIONS = (
    ("bills", gettext_lazy("Bills")),
    ("payments", gettext_lazy("Payments")),
    ("tokens", gettext_lazy("Tokens")),
    ("cases", gettext_lazy("Complaints")),
    ("outages", gettext_lazy("Outages")),
)


def _pager(results: selectors.SearchPage) -> dict[str, int | None]:
    pages = max(1, math.ceil(results.total / results.page_size))
    first = (results.page - 1) * results.page_size + 1 if results.total else 0
    return {
        "pages": pages,
        "previous": results.page - 1 if results.page > 1 else None,
        "next": results.page + 1 if results.page < pages else None,
        "first": first,
        "last": first + len(results.hits) - 1 if results.hits else 0,
    }


@staff_required(Perm.CUSTOMERS_SEARCH)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """POST only, so a NIK, phone or name never lands in a URL, a history or an access log."""
    if request.method != "POST":
        return redirect("web:home")
    form = SearchForm(request.POST)
    context: dict[str, Any] = {"form": form, "searched": True}
    status = 200
    try:
        results = selectors.search_customers(
            query=form.query(),
            principal=principal_of(request),
            page=form.page_number(),
        )
    except ValidationFailed as exc:
        form.show_failure(exc)
        status = 422
    else:
        context.update(results=results, pager=_pager(results))
    context["ulps"] = visible_ulps(principal_of(request))
    return respond(
        request,
        page="web/home.html",
        partial="web/customers/_results.html",
        context=context,
        status=status,
    )


@staff_required(Perm.CUSTOMERS_VIEW)
@require_GET
def detail(request: HttpRequest, idpel: str) -> HttpResponse:
    """The 360° page; a customer outside the caller's units is the same 404 as a missing one."""
    principal = principal_of(request)
    record = selectors.customer_record(idpel=idpel, principal=principal)
    context = {
        "record": record,
        "later_sections": LATER_SECTIONS,
        "reveal_allowed": principal.has(Perm.PII_REVEAL),
    }
    return render(request, "web/customers/detail.html", context)


@staff_required(Perm.CUSTOMERS_CREATE)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Register a customer at the counter; problems come back beside their fields."""
    principal = principal_of(request)
    ulp_choices = [(u.code, f"{u.code} · {u.name}") for u in visible_ulps(principal)]
    if request.method != "POST":
        initial = {"utility": "electricity", "payment_mode": "prepaid"}
        form = CustomerForm(ulp_choices=ulp_choices, initial=initial)
        return render(
            request, "web/customers/create.html", {"form": form, "standard_va": STANDARD_VA}
        )
    form = CustomerForm(request.POST, ulp_choices=ulp_choices)
    form.is_valid()
    try:
        account = services.register_customer(data=form.dil_row(), principal=principal)
    except (ValidationFailed, Conflict) as exc:
        form.show_failure(exc)
        return respond(
            request,
            page="web/customers/create.html",
            partial="web/customers/_create_form.html",
            context={"form": form, "standard_va": STANDARD_VA},
            status=exc.status,
        )
    messages.success(request, _("Customer %(idpel)s was registered.") % {"idpel": account.idpel})
    return go_to(request, reverse("web:customer", args=[account.idpel]))


def _edit(
    request: HttpRequest,
    idpel: str,
    *,
    form_class: type[ConsoleForm],
    name: str,
    save: Callable[[Any], object],
    done: str,
) -> HttpResponse:
    """GET shows the form over the current (masked) record; POST makes the one service call.

    Opening the form shows the customer's (masked) personal data, so it is an audited read;
    the POST is audited by the service that makes the change.
    """
    record = selectors.customer_record(
        idpel=idpel, principal=principal_of(request), record_view=request.method == "GET"
    )
    context: dict[str, Any] = {
        "record": record,
        "connection": live_connection(record),
        "standard_va": STANDARD_VA,
    }
    if request.method != "POST":
        context["form"] = form_class(record=record)
        return render(request, f"web/customers/{name}.html", context)
    form = context["form"] = form_class(request.POST, record=record)
    form.is_valid()
    status = 422
    try:
        if save(form) is not None:
            messages.success(request, done)
            return go_to(request, reverse("web:customer", args=[idpel]))
    except (ValidationFailed, Conflict) as exc:
        form.show_failure(exc)
        status = exc.status
    return respond(
        request,
        page=f"web/customers/{name}.html",
        partial=f"web/customers/_{name}_form.html",
        context=context,
        status=status,
    )


@staff_required(Perm.CUSTOMERS_UPDATE)
@require_http_methods(["GET", "POST"])
def edit_person(request: HttpRequest, idpel: str) -> HttpResponse:
    def save(form: PersonForm) -> object:
        return services.update_person(
            idpel=idpel,
            change=form.change(),
            principal=principal_of(request),
            reason=form.values()["reason"],
        )

    return _edit(
        request,
        idpel,
        form_class=PersonForm,
        name="person",
        save=save,
        done=_("The personal data was saved."),
    )


@staff_required(Perm.CUSTOMERS_UPDATE)
@require_http_methods(["GET", "POST"])
def edit_address(request: HttpRequest, idpel: str) -> HttpResponse:
    def save(form: AddressForm) -> object:
        return services.change_address(
            idpel=idpel,
            change=form.change(),
            principal=principal_of(request),
            reason=form.values()["reason"],
        )

    return _edit(
        request,
        idpel,
        form_class=AddressForm,
        name="address",
        save=save,
        done=_("The address was changed."),
    )


@staff_required(Perm.CUSTOMERS_CHANGE_TERMS)
@require_http_methods(["GET", "POST"])
@step_up_required  # a tariff change moves money: a fresh second factor first (issue #3)
def edit_terms(request: HttpRequest, idpel: str) -> HttpResponse:
    def save(form: TermsForm) -> object:
        change = form.change()
        if change is None:
            return None  # a date or number that cannot be read: the form shows where
        return services.change_terms(idpel=idpel, change=change, principal=principal_of(request))

    return _edit(
        request,
        idpel,
        form_class=TermsForm,
        name="terms",
        save=save,
        done=_("The new terms were recorded."),
    )


# ---------------------------------------------------------------- reveal (need-to-know)

REVEAL_FIELD_LABELS = {
    "nik": gettext_lazy("NIK"),
    "phones": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "birth_date": gettext_lazy("Birth date"),
    "emergency_contacts": gettext_lazy("Emergency contact"),
}


class RevealForm(ConsoleForm):
    """Which values to show and why; the service checks the rules and writes the audit event."""

    required_fields = frozenset({"reveal_fields", "reason_code", "reason"})
    field_aliases = {"fields": "reveal_fields"}

    reveal_fields = forms.MultipleChoiceField(
        required=False,
        choices=list(REVEAL_FIELD_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Show"),
    )
    reason_code = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *selectors.RevealReason.choices],
        label=gettext_lazy("Reason"),
    )
    reason = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Explain the need"),
        help_text=gettext_lazy("Recorded in the audit trail with your name."),
    )

    def chosen(self) -> tuple[list[str], str, str]:
        self.is_valid()
        data = self.cleaned_data
        fields = list(data.get("reveal_fields") or [])
        return fields, data.get("reason_code") or "", data.get("reason") or ""


@staff_required(Perm.PII_REVEAL)
@step_up_required
@require_http_methods(["GET", "POST"])
def reveal(request: HttpRequest, idpel: str) -> HttpResponse:
    """GET: the reason form (for one field with `?field=`); POST: the unmasked values, once.

    Needs `customers.reveal_pii` and a second factor used in the last minutes (step-up). The
    values are rendered into this response only (never cached, never stored in the session).
    """
    principal = principal_of(request)
    record = selectors.customer_record(idpel=idpel, principal=principal, record_view=False)
    context: dict[str, Any] = {"record": record, "field_labels": REVEAL_FIELD_LABELS}
    if request.method != "POST":
        wanted = request.GET.get("field", "")
        initial = {"reveal_fields": [wanted] if wanted in REVEAL_FIELD_LABELS else []}
        context["form"] = RevealForm(initial=initial)
        return respond(
            request,
            page="web/customers/reveal.html",
            partial="web/customers/_reveal_form.html",
            context=context,
        )
    form = context["form"] = RevealForm(request.POST)
    fields, reason_code, reason_text = form.chosen()
    try:
        context["revealed"] = selectors.reveal_personal_data(
            idpel=idpel,
            principal=principal,
            fields=fields,
            reason_code=reason_code,
            reason_text=reason_text,
        )
    except ValidationFailed as exc:
        form.show_failure(exc)
        return respond(
            request,
            page="web/customers/reveal.html",
            partial="web/customers/_reveal_form.html",
            context=context,
            status=422,
        )
    return respond(
        request,
        page="web/customers/reveal.html",
        partial="web/customers/_revealed.html",
        context=context,
    )
