"""The read review queue: reads that failed validation, and the officer's three actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pelanggan.metering import console_selectors
from pelanggan.metering.models import ReviewReason, ReviewStatus
from pelanggan.metering.selectors.reads import review_view, scoped_review
from pelanggan.metering.services import reads as read_services
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import ulp_ids_by_code
from pelanggan.web.access import principal_of, staff_required, visible_ulps
from pelanggan.web.views.common import go_to

ACTIONS = ("accept", "correct", "reread")


def _filters(request: HttpRequest, ulp_codes: set[str]) -> dict[str, str]:
    ulp = request.GET.get("ulp", "")
    reason = request.GET.get("reason", "")
    status = request.GET.get("status", ReviewStatus.OPEN)
    return {
        "ulp": ulp if ulp in ulp_codes else "",
        "reason": reason if reason in ReviewReason.values else "",
        "status": status if status in ReviewStatus.values else ReviewStatus.OPEN,
    }


@staff_required(Perm.READS_REVIEW)
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Open (or resolved) review items of the caller's units, oldest first."""
    principal = principal_of(request)
    ulps = visible_ulps(principal)
    filters = _filters(request, {u.code for u in ulps})
    items = console_selectors.review_items(
        principal,
        status=filters["status"],
        ulp_ids={ulp_ids_by_code()[filters["ulp"]]} if filters["ulp"] else None,
        reason=filters["reason"],
    )
    return render(
        request,
        "metering/reviews.html",
        {
            "items": items,
            "ulps": ulps,
            "reasons": ReviewReason.choices,
            "reason_labels": dict(ReviewReason.choices),
            "statuses": ReviewStatus.choices,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


@staff_required(Perm.READS_REVIEW)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """One review item; POST `action` = accept | correct (value, reason) | reread."""
    principal = principal_of(request)
    item = review_view(scoped_review(principal, review_id))
    context: dict[str, Any] = {
        "item": item,
        "reasons": dict(ReviewReason.choices),
        "statuses": dict(ReviewStatus.choices),
        "back": reverse("web:read_reviews")
        + ("?" + request.GET.urlencode() if request.GET else ""),
        "errors": {},
        "values": {},
    }
    if request.method != "POST":
        return render(request, "metering/review.html", context)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "").strip()
    context["values"] = {"value": request.POST.get("value", ""), "note": note, "action": action}
    try:
        if action == "accept":
            read_services.accept_review(principal=principal, review_id=review_id, note=note)
            done = _("The read was accepted.")
        elif action == "correct":
            read_services.correct_review(
                principal=principal,
                review_id=review_id,
                value=request.POST.get("value", "").strip().replace(",", "."),
                reason=note,
            )
            done = _("The read was corrected.")
        elif action == "reread":
            read_services.order_reread(principal=principal, review_id=review_id, note=note)
            done = _("A re-read was ordered.")
        else:
            raise ValidationFailed.single(
                "action", "unknown_action", "Choose accept, correct or re-read"
            )
    except ValidationFailed as exc:
        context["errors"] = exc.fields
        return render(request, "metering/review.html", context, status=422)
    except Conflict as exc:
        context["errors"] = {"action": [{"code": exc.code, "message": _("Already resolved.")}]}
        context["item"] = review_view(scoped_review(principal, review_id))
        return render(request, "metering/review.html", context, status=409)
    messages.success(request, done)
    return go_to(request, context["back"])
