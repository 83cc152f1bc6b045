"""Home, the data-quality report and the region-code lookup."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pelanggan.customers import services
from pelanggan.customers.validation import regions
from pelanggan.security.roles import Perm
from pelanggan.web import labels
from pelanggan.web.access import principal_of, staff_required, visible_ulps
from pelanggan.web.forms import SearchForm
from pelanggan.web.views.common import respond

COMPLETENESS_COLUMNS = ("nik", "phone", "email", "birth_date", "coordinates", "postal_code")


@staff_required(Perm.SELF_VIEW)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The search box, the staff member's units and the quick links."""
    ulps = visible_ulps(principal_of(request))
    return render(request, "web/home.html", {"form": SearchForm(), "ulps": ulps})


@staff_required(Perm.CUSTOMERS_QUALITY)
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """Completeness and consistency per ULP within the caller's units (all for national roles)."""
    principal = principal_of(request)
    report = services.quality_report(ulp_ids=None if principal.national else principal.ulp_ids)
    columns = [(name, labels.COLUMN_LABELS[name]) for name in COMPLETENESS_COLUMNS]
    return render(
        request,
        "web/quality.html",
        {
            "report": report,
            "columns": columns,
            "finding_kinds": list(labels.LABELS["finding_kind"].items()),
        },
    )


def _lookup(code: str) -> list[regions.Region]:
    if not code:
        return regions.provinces()
    return {
        2: regions.regencies_of_province,
        4: regions.districts_of_regency,
        6: regions.villages_of_district,
    }[len(code)](code)


@staff_required(Perm.CUSTOMERS_VIEW)
@require_GET
def region_lookup(request: HttpRequest) -> HttpResponse:
    """Kemendagri region codes: provinces, then the children of a 2-, 4- or 6-digit code."""
    code = request.GET.get("code", "").strip().replace(".", "")
    context: dict[str, object] = {"code": code, "error": "", "regions": [], "trail": []}
    if code and (not code.isdigit() or len(code) not in (2, 4, 6)):
        context["error"] = _(
            "Type a province (2 digits), regency/city (4) or district (6 digits) code"
        )
    else:
        found = _lookup(code)
        context["regions"] = found
        context["villages"] = len(code) == 6
        context["trail"] = [
            r for r in (regions.get_region(code[:n]) for n in (2, 4, 6) if n <= len(code)) if r
        ]
        if code and not found:
            context["error"] = _("No region has this code")
    status = 422 if context["error"] else 200
    return respond(
        request,
        page="web/regions/lookup.html",
        partial="web/regions/_list.html",
        context=context,
        status=status,
    )
