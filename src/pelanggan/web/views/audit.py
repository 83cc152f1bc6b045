"""Auditor console: the audit trail (search, pages, CSV export) and access-anomaly alerts."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pelanggan.oversight import selectors, services
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.security.roles import Perm
from pelanggan.web.access import principal_of, staff_required
from pelanggan.web.forms import ConsoleForm

PAGE_SIZE = 50


class TrailForm(ConsoleForm):
    """The trail filters. They travel in the URL: usernames, IDPELs and dates are identifiers,
    not personal data (names, NIKs and phones are never searchable here)."""

    staff = forms.CharField(required=False, max_length=150, label=gettext_lazy("Staff member"))
    idpel = forms.CharField(required=False, max_length=12, label=gettext_lazy("Customer (IDPEL)"))
    event_type = forms.ChoiceField(required=False, label=gettext_lazy("Event type"))
    date_from = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event_type = self.fields["event_type"]
        if isinstance(event_type, forms.ChoiceField):
            event_type.choices = [("", _("All")), *selectors.event_types()]

    def trail(self) -> selectors.TrailFilter | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return selectors.TrailFilter(
            staff=data.get("staff") or "",
            idpel=(data.get("idpel") or "").strip(),
            event_type=data.get("event_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def page_number(self) -> int:
        return int(self.cleaned_data.get("page") or 1) if self.is_valid() else 1


@staff_required(Perm.AUDIT_VIEW)
@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    form = TrailForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.GET:
        chosen = form.trail()
        if chosen is None:
            status = 422
        else:
            try:
                page = selectors.search_trail(
                    trail=chosen,
                    principal=principal_of(request),
                    page=form.page_number(),
                    page_size=PAGE_SIZE,
                )
            except ValidationFailed as exc:
                form.show_failure(exc)
                status = 422
            else:
                query = request.GET.copy()
                query.pop("page", None)
                context.update(results=page, query=query.urlencode())
    return render(request, "web/audit/trail.html", context, status=status)


@staff_required(Perm.AUDIT_VIEW)
@require_GET
def trail_export(request: HttpRequest) -> HttpResponse:
    """The matching events as CSV (UTF-8, times in WIB); the export itself is audited."""
    form = TrailForm(request.GET)
    chosen = form.trail()
    if chosen is None:
        return render(request, "web/audit/trail.html", {"form": form}, status=422)
    try:
        rows = selectors.export_trail(trail=chosen, principal=principal_of(request))
    except ValidationFailed as exc:
        form.show_failure(exc)
        return render(request, "web/audit/trail.html", {"form": form}, status=422)
    # Built in memory: the export is capped (MAX_EXPORT_ROWS) and audit rows are short.
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    csv.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="jejak-audit.csv"'
    return response


class AcknowledgeForm(ConsoleForm):
    note = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("Follow-up"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@staff_required(Perm.ALERTS_MANAGE)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    chosen = status if status in ("open", "acknowledged") else ""
    context = {
        "alerts": selectors.alerts(principal=principal_of(request), status=chosen),
        "status": chosen or "all",
        "form": AcknowledgeForm(),
    }
    return render(request, "web/audit/alerts.html", context)


@staff_required(Perm.ALERTS_MANAGE)
@require_POST
def acknowledge_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        services.acknowledge_alert(
            alert_id=alert_id,
            principal=principal_of(request),
            note=form.cleaned_data.get("note") or "",
        )
    except (ValidationFailed, Conflict) as exc:
        if isinstance(exc, Conflict):
            messages.error(request, _("The alert was already acknowledged."))
        else:
            messages.error(request, _("Say what was done about the alert (5 to 500 characters)."))
        return redirect(reverse("web:alerts"))
    messages.success(request, _("The alert was acknowledged."))
    return redirect(reverse("web:alerts"))
