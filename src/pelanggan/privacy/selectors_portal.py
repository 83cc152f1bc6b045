"""Read side of the privacy context for the customer portal: the caller is the data subject.

A customer sees only their own requests. The copy of their data (UU PDP Pasal 7 and 32) is
given to the subject once the privacy officer has completed their access request, and every
copy given is audited (`privacy.export.generated`, customer actor, channel portal), so it shows
in the subject's own processing log. Someone else's request is answered like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.errors import NotFound, ValidationFailed
from pelanggan.privacy.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
)
from pelanggan.privacy.services.exports import build_export, export_json, export_pdf

EXPORT_FORMATS = ("pdf", "json")


def request_kinds() -> dict[str, str]:
    """The rights a subject can exercise, with their Indonesian labels."""
    return {str(value): str(label) for value, label in RequestKind.choices}


def kinds_needing_purpose() -> frozenset[str]:
    return frozenset({RequestKind.CONSENT_WITHDRAWAL, RequestKind.OBJECTION})


@dataclass(frozen=True)
class OwnRequest:
    id: int
    reference: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    purpose: str
    idpel: str
    received_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None
    is_open: bool
    overdue: bool
    reason: str
    export_available: bool


def _own(request: DataSubjectRequest, now: dt.datetime) -> OwnRequest:
    is_open = request.status in OPEN_STATUSES
    return OwnRequest(
        id=request.pk,
        reference=request.reference,
        kind=request.kind,
        kind_label=request.get_kind_display(),
        status=request.status,
        status_label=request.get_status_display(),
        purpose=request.purpose,
        idpel=request.idpel,
        received_at=request.received_at,
        due_at=request.due_at,
        completed_at=request.completed_at,
        is_open=is_open,
        overdue=is_open and request.due_at < now,
        # The refusal ground is for the subject to read (Pasal 41); completion notes too.
        reason=request.reason if not is_open else "",
        export_available=(
            request.kind == RequestKind.ACCESS and request.status == RequestStatus.COMPLETED
        ),
    )


def requests_of(*, person_id: int, limit: int = 100) -> list[OwnRequest]:
    """The subject's own requests, newest first."""
    now = clock.now()
    rows = DataSubjectRequest.objects.filter(person_id=person_id).order_by("-received_at", "-pk")
    return [_own(r, now) for r in rows[:limit]]


def subject_export(
    *, person_id: int, request_id: int, fmt: str, actor: audit.Actor
) -> tuple[str, str, bytes]:
    """The subject's copy for their own completed access request, as (file name, content
    type, bytes); audited with the subject as the actor.

    Raises ValidationFailed for an unknown format and NotFound when the request is not this
    person's, not an access request, or not completed yet (all look the same from outside).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed.single(
            "format", "choice_invalid", "Format is json or pdf", "Format adalah json atau pdf"
        )
    with transaction.atomic():
        request = DataSubjectRequest.objects.filter(
            pk=request_id,
            person_id=person_id,
            kind=RequestKind.ACCESS,
            status=RequestStatus.COMPLETED,
        ).first()
        if request is None:
            raise NotFound("Export not found", code="export_not_found")
        export = build_export(person_id=person_id)
        audit.record(
            "privacy.export.generated",
            actor=actor,
            subject_type="person",
            subject_ids=[person_id],
            changes={"request": request.reference, "format": fmt, "channel": "portal"},
        )
    name = f"data-pribadi-{request.reference}.{fmt}"
    if fmt == "json":
        return name, "application/json", export_json(export)
    return name, "application/pdf", export_pdf(export)
