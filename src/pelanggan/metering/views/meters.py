"""The meter section of the customer 360° page (loaded by the page's script) and the list of
meter events across the caller's units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pelanggan.metering import console_selectors
from pelanggan.metering.load_profiles import WIB
from pelanggan.metering.models import (
    EventSource,
    MeterEventKind,
    MeterKind,
    MeterStatus,
    PairedBy,
    SealLocation,
    SimOperator,
)
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import ulp_ids_by_code
from pelanggan.web.access import principal_of, staff_required, visible_ulps
from pelanggan.web.views.common import respond

RESOLUTIONS = (
    ("interval", gettext_lazy("Interval")),
    ("daily", gettext_lazy("Daily")),
    ("monthly", gettext_lazy("Monthly")),
)


# Stored codes → their (Indonesian) names, for `{{ labels.kind|item:meter.kind }}`.
LABELS = {
    "kind": dict(MeterKind.choices),
    "status": dict(MeterStatus.choices),
    "seal": dict(SealLocation.choices),
    "paired_by": dict(PairedBy.choices),
    "operator": dict(SimOperator.choices),
    "source": dict(EventSource.choices),
}


@staff_required(Perm.METERING_VIEW)
@require_GET
def customer_meter(request: HttpRequest, idpel: str) -> HttpResponse:
    """The customer's meters, their history and events, and the load-profile chart."""
    section = console_selectors.meter_section(principal_of(request), idpel)
    context: dict[str, Any] = {
        **section,
        "resolutions": RESOLUTIONS,
        "profile_url": reverse("api-v1:intervals_customer_profile", args=[idpel]),
        "events_url": reverse("web:meter_events") + f"?idpel={idpel}",
        "labels": LABELS,
    }
    return respond(
        request,
        page="metering/meter_page.html",
        partial="metering/_meter_section.html",
        context=context,
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _wib_midnight(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(0), tzinfo=WIB)


@staff_required(Perm.METERING_VIEW)
@require_GET
def meter_events(request: HttpRequest) -> HttpResponse:
    """Meter events of the caller's units, newest first; filter by ULP, kind, period, IDPEL."""
    principal = principal_of(request)
    ulps = visible_ulps(principal)
    ulp_code = request.GET.get("ulp", "")
    kind = request.GET.get("kind", "")
    idpel = request.GET.get("idpel", "").strip()
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    ulp_ids = None
    if ulp_code and ulp_code in {u.code for u in ulps}:
        ulp_ids = {ulp_ids_by_code()[ulp_code]}
    else:
        ulp_code = ""
    if kind not in MeterEventKind.values:
        kind = ""
    rows: list[Any]
    if idpel:
        from pelanggan.metering import selectors

        found = selectors.meter_events_for(
            principal,
            idpel,
            kinds=[kind] if kind else None,
            occurred_from=_wib_midnight(date_from),
            occurred_to=_wib_midnight(date_to + dt.timedelta(days=1) if date_to else None),
            limit=200,
        )
        rows = [
            {"event": e, "idpel": idpel, "tone": console_selectors.event_tone(e.kind)}
            for e in found
        ]
    else:
        rows = [
            {"event": e, "idpel": e.idpel, "ulp_code": e.ulp_code, "tone": e.tone}
            for e in console_selectors.event_list(
                principal,
                kinds=[kind] if kind else None,
                ulp_ids=ulp_ids,
                occurred_from=_wib_midnight(date_from),
                occurred_to=_wib_midnight(date_to + dt.timedelta(days=1) if date_to else None),
            )
        ]
    context = {
        "rows": rows,
        "ulps": ulps,
        "kinds": MeterEventKind.choices,
        "labels": LABELS,
        "filters": {
            "ulp": ulp_code,
            "kind": kind,
            "idpel": idpel,
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
        },
    }
    return respond(
        request, page="metering/events.html", partial="metering/_event_rows.html", context=context
    )
