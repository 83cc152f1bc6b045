"""The privacy officer's console pages: requests with their deadlines (overdue first), intake,
the breach register, the field registry and retention. Thin: parse the form, call one service
or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, DomainError, ValidationFailed
from pelanggan.privacy import selectors
from pelanggan.privacy.models import IncidentStatus, RequestKind, RequestStatus
from pelanggan.privacy.registry import registry
from pelanggan.privacy.services import breaches, exports, requests, retention
from pelanggan.security.roles import Perm
from pelanggan.security.stepup import step_up_required
from pelanggan.web.access import principal_of, staff_required

CORRECTION_FIELDS = ("full_name", "nik", "birth_date", "gender", "phone", "email")


# Conflicts the services raise, by code, in the console's language.
CONFLICTS = {
    "request_closed": gettext_lazy("The request is already closed"),
    "export_not_available": gettext_lazy(
        "A copy is given for an access request that is in progress or completed"
    ),
    "person_anonymised": gettext_lazy("The person's data was anonymised"),
    "no_account": gettext_lazy("The person has no account to correct"),
    "incident_closed": gettext_lazy("The incident is closed"),
    "notice_outstanding": gettext_lazy("Notify the data subjects and the authority before closing"),
    "measures_missing": gettext_lazy(
        "Record the handling and recovery measures first: the notice must state them"
    ),
    "no_subjects": gettext_lazy("Link the affected data subjects first"),
}


def _problems(exc: DomainError) -> list[str]:
    """Field problems of a domain error in the console's language."""
    if exc.code in CONFLICTS:
        return [str(CONFLICTS[exc.code])]
    indonesian = (get_language() or "id").startswith("id")
    if isinstance(exc, ValidationFailed) and exc.fields:
        return [
            f"{name}: {p.get('message_id') if indonesian and p.get('message_id') else p['message']}"
            for name, problems in exc.fields.items()
            for p in problems
        ]
    return [exc.message]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=RequestKind.choices)
    idpel = forms.RegexField(regex=r"^\d{12}$", max_length=12, required=False)
    lookup_nik = forms.CharField(required=False, max_length=20)
    purpose = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(choices=[("console", "Konsol petugas"), ("portal", "Portal")])
    received_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    full_name = forms.CharField(required=False, max_length=200)
    nik = forms.CharField(required=False, max_length=20)
    birth_date = forms.CharField(required=False, max_length=10)
    gender = forms.ChoiceField(
        required=False, choices=[("", "-"), ("M", "Laki-laki"), ("F", "Perempuan")]
    )
    phone = forms.CharField(required=False, max_length=30)
    email = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [
            ("", "-"),
            *customer_privacy.PURPOSES.items(),
        ]


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    if state not in ("open", "closed", "all"):
        state = "open"
    return render(
        request,
        "privacy/requests.html",
        {
            "rows": selectors.request_queue(state=state),
            "state": state,
            "overdue": selectors.overdue_counts(),
            "kinds": dict(RequestKind.choices),
            "statuses": dict(RequestStatus.choices),
        },
    )


def _received_at(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    today = clock.today_wib()
    if day == today:
        return None
    return clock.wib(day.year, day.month, day.day, 8)


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Record a request received at the counter, by letter, by phone or by e-mail."""
    form = RequestForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        principal = principal_of(request)
        details = {name: data[name] for name in CORRECTION_FIELDS if data.get(name)} or None
        try:
            person_id = selectors.person_id_of(
                principal, idpel=data["idpel"], nik=data["lookup_nik"]
            )
            created = requests.submit_request(
                kind=data["kind"],
                person_id=person_id,
                channel=data["channel"],
                actor=principal.actor,
                idpel=data["idpel"],
                purpose=data["purpose"],
                details=details if data["kind"] == RequestKind.CORRECTION else None,
                received_at=_received_at(data["received_on"]),
            )
        except DomainError as exc:
            errors = _problems(exc)
        else:
            messages.success(request, _("Request %(ref)s recorded.") % {"ref": created.reference})
            return redirect("privacy:request", request_id=created.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "privacy/request_new.html", {"form": form, "errors": errors}, status=status
    )


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    detail = selectors.request_detail(request_id=request_id, principal=principal_of(request))
    return render(
        request,
        "privacy/request_detail.html",
        {
            **detail,
            "kinds": dict(RequestKind.choices),
            "statuses": dict(RequestStatus.choices),
            "purposes": customer_privacy.PURPOSES,
        },
    )


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@require_POST
def request_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    principal = principal_of(request)
    try:
        if action == "start":
            requests.start_request(request_id=request_id, principal=principal)
        elif action == "complete":
            requests.complete_request(
                request_id=request_id,
                principal=principal,
                note=request.POST.get("note", "")[:400],
            )
            messages.success(request, _("The request was carried out and closed."))
        elif action == "refuse":
            requests.refuse_request(
                request_id=request_id,
                principal=principal,
                reason=request.POST.get("reason", "")[:500],
            )
            messages.success(request, _("The request was refused."))
        else:
            return render(request, "404.html", status=404)
    except (ValidationFailed, Conflict) as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    return redirect("privacy:request", request_id=request_id)


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@step_up_required
@require_GET
def request_export(request: HttpRequest, request_id: int, fmt: str) -> HttpResponse:
    try:
        name, content_type, body = exports.export_for_request(
            request_id=request_id, principal=principal_of(request), fmt=fmt
        )
    except (ValidationFailed, Conflict) as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
        return redirect("privacy:request", request_id=request_id)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    detected_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    data_categories = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    measures = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    public_notice = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["data_categories"]).choices = [
            (code, c.label) for code, c in registry().categories.items()
        ]


@staff_required(Perm.BREACH_MANAGE)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("closed") == "1"
    return render(
        request,
        "privacy/incidents.html",
        {
            "rows": selectors.incident_list(include_closed=include_closed),
            "include_closed": include_closed,
            "categories": registry().categories,
            "statuses": dict(IncidentStatus.choices),
        },
    )


@staff_required(Perm.BREACH_MANAGE)
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        detected = data["detected_at"]
        try:
            incident = breaches.record_incident(
                title=data["title"],
                description=data["description"],
                detected_at=detected if detected.tzinfo else detected.replace(tzinfo=clock.WIB),
                data_categories=data["data_categories"],
                measures=data["measures"],
                public_notice=data["public_notice"],
                principal=principal_of(request),
            )
        except DomainError as exc:
            errors = _problems(exc)
        else:
            messages.success(request, _("Incident %(ref)s recorded.") % {"ref": incident.reference})
            return redirect("privacy:incident", incident_id=incident.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "privacy/incident_new.html", {"form": form, "errors": errors}, status=status
    )


@staff_required(Perm.BREACH_MANAGE)
@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    detail = selectors.incident_detail(incident_id=incident_id)
    incident = detail["incident"]
    return render(
        request,
        "privacy/incident_detail.html",
        {
            **detail,
            "notice_subject": breaches.notice_text(incident, audience="subject"),
            "notice_authority": breaches.notice_text(incident, audience="authority"),
            "categories": registry().categories,
            "statuses": dict(IncidentStatus.choices),
        },
    )


@staff_required(Perm.BREACH_MANAGE)
@require_POST
def incident_action(request: HttpRequest, incident_id: int, action: str) -> HttpResponse:
    principal = principal_of(request)
    try:
        if action == "subjects":
            idpels = [p for p in request.POST.get("idpels", "").replace(",", " ").split() if p]
            added = breaches.add_subjects(
                incident_id=incident_id, idpels=idpels, principal=principal
            )
            messages.success(request, _("%(count)s data subjects linked.") % {"count": added})
        elif action == "handling":
            status = request.POST.get("status") or None
            breaches.update_handling(
                incident_id=incident_id,
                principal=principal,
                measures=request.POST.get("measures", "")[:5000],
                status=status,
            )
        elif action == "notify-authority":
            breaches.notify_authority(incident_id=incident_id, principal=principal)
            messages.success(request, _("The notice to the authority was queued."))
        elif action == "notify-subjects":
            count = breaches.notify_subjects(incident_id=incident_id, principal=principal)
            messages.success(request, _("%(count)s notices queued.") % {"count": count})
        else:
            return render(request, "404.html", status=404)
    except (ValidationFailed, Conflict) as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    return redirect(reverse("privacy:incident", kwargs={"incident_id": incident_id}))


@staff_required(Perm.PRIVACY_REQUESTS_MANAGE)
@require_GET
def registry_page(request: HttpRequest) -> HttpResponse:
    fields = registry()
    return render(
        request,
        "privacy/registry.html",
        {"grouped": sorted(fields.by_context().items()), "categories": fields.categories},
    )


@staff_required(Perm.RETENTION_RUN)
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    """GET shows the dry-run report (what would happen today); POST applies it."""
    principal = principal_of(request)
    if request.method == "POST":
        report = retention.apply_retention(dry_run=False, actor=principal.actor)
        messages.success(
            request, _("Retention applied: %(count)s records.") % {"count": report.total}
        )
        return redirect("privacy:retention")
    report = retention.apply_retention(dry_run=True, actor=principal.actor)
    return render(request, "privacy/retention.html", {"report": report})
