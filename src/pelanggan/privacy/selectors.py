"""Read side of the privacy context: the privacy officer's queues, overdue first.

Lists carry IDPELs and references, not names; opening one request shows the name and is
audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import NotFound, ValidationFailed
from pelanggan.privacy.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    Incident,
    IncidentStatus,
)
from pelanggan.privacy.services.breaches import NoticeClock, notice_clock
from pelanggan.security.selectors import Principal


def person_id_of(principal: Principal, *, idpel: str, nik: str) -> int:
    """The data subject named by one of their IDPELs or by their NIK, within the caller's
    scope. ValidationFailed unless exactly one is given; NotFound / Conflict from the lookup."""
    if bool(idpel) == bool(nik):
        raise ValidationFailed.single(
            "idpel",
            "idpel_or_nik",
            "Identify the data subject by IDPEL or by NIK (one of them)",
            "Kenali subjek data dengan IDPEL atau NIK (salah satu)",
        )
    if idpel:
        return customer_privacy.person_id_for(idpel=idpel, principal=principal)
    return customer_privacy.person_id_for_nik(nik=nik, principal=principal)


@dataclass(frozen=True)
class RequestRow:
    id: int
    reference: str
    kind: str
    channel: str
    status: str
    purpose: str
    idpels: list[str]
    received_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None
    hours_left: float
    days_left: int
    overdue: bool
    handled_by: str


def _row(request: DataSubjectRequest, idpels: list[str], now: dt.datetime) -> RequestRow:
    open_ = request.status in OPEN_STATUSES
    hours = (request.due_at - now).total_seconds() / 3600
    days = (clock.to_wib(request.due_at).date() - clock.to_wib(now).date()).days
    return RequestRow(
        id=request.pk,
        reference=request.reference,
        kind=request.kind,
        channel=request.channel,
        status=request.status,
        purpose=request.purpose,
        idpels=idpels,
        received_at=request.received_at,
        due_at=request.due_at,
        completed_at=request.completed_at,
        hours_left=round(hours, 1),
        days_left=days,
        overdue=open_ and hours < 0,
        handled_by=request.handled_by.get_username() if request.handled_by else "",
    )


def request_queue(*, state: str = "open", limit: int = 200) -> list[RequestRow]:
    """Requests, overdue first then by deadline (state: open, closed or all)."""
    if state not in ("open", "closed", "all"):
        raise ValidationFailed.single("state", "choice_invalid", "state is open, closed or all")
    query = DataSubjectRequest.objects.select_related("handled_by")
    if state == "open":
        query = query.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        query = query.exclude(status__in=OPEN_STATUSES)
    requests = list(query.order_by("due_at", "pk")[:limit])
    summaries = customer_privacy.person_summaries({r.person_id for r in requests})
    now = clock.now()
    rows = [
        _row(r, summaries[r.person_id].idpels if r.person_id in summaries else [], now)
        for r in requests
    ]
    # Overdue first, then the nearest deadline; closed requests after the open ones.
    rows.sort(key=lambda r: (not r.overdue, r.status not in OPEN_STATUSES, r.due_at))
    return rows


def request_detail(
    *, request_id: int, principal: Principal, record_view: bool = True
) -> dict[str, Any]:
    """One request with the person's name and accounts; opening it is audited (answers to a
    change the caller just made pass `record_view=False`)."""
    request = DataSubjectRequest.objects.select_related("handled_by").filter(pk=request_id).first()
    if request is None:
        raise NotFound("Request not found", code="request_not_found")
    summary = customer_privacy.person_summaries([request.person_id])[request.person_id]
    if record_view:
        audit.record(
            "privacy.request.viewed",
            actor=principal.actor,
            subject_type="person",
            subject_ids=[request.person_id],
            changes={"request": request.reference},
        )
    return {
        "row": _row(request, summary.idpels, clock.now()),
        "person": summary,
        "details": request.details,
        "outcome": request.outcome,
        "reason": request.reason,
        "submitted_by": request.submitted_by,
    }


@dataclass(frozen=True)
class IncidentRow:
    id: int
    reference: str
    title: str
    status: str
    detected_at: dt.datetime
    data_categories: list[str]
    subjects: int
    public_notice: bool
    clock: NoticeClock
    authority_notified_at: dt.datetime | None
    subjects_notified_at: dt.datetime | None


def _incident_row(incident: Incident, subjects: int, now: dt.datetime) -> IncidentRow:
    return IncidentRow(
        id=incident.pk,
        reference=incident.reference,
        title=incident.title,
        status=incident.status,
        detected_at=incident.detected_at,
        data_categories=list(incident.data_categories),
        subjects=subjects,
        public_notice=incident.public_notice,
        clock=notice_clock(incident, now=now),
        authority_notified_at=incident.authority_notified_at,
        subjects_notified_at=incident.subjects_notified_at,
    )


def incident_list(*, include_closed: bool = False) -> list[IncidentRow]:
    """Incidents, overdue notices first, then by notice deadline."""
    query = Incident.objects.annotate(subject_count=Count("subjects"))
    if not include_closed:
        query = query.exclude(status=IncidentStatus.CLOSED)
    now = clock.now()
    rows = [_incident_row(i, i.subject_count, now) for i in query.order_by("notice_due_at")]
    rows.sort(
        key=lambda r: (not r.clock.overdue, r.status == IncidentStatus.CLOSED, r.clock.due_at)
    )
    return rows


def incident_detail(*, incident_id: int) -> dict[str, Any]:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("Incident not found", code="incident_not_found")
    subjects = list(incident.subjects.order_by("person_id"))
    summaries = customer_privacy.person_summaries([s.person_id for s in subjects])
    return {
        "incident": incident,
        "row": _incident_row(incident, len(subjects), clock.now()),
        "subjects": [
            {
                "idpels": summaries[s.person_id].idpels if s.person_id in summaries else [],
                "added_at": s.added_at,
                "notified_at": s.notified_at,
            }
            for s in subjects
        ],
    }


def overdue_counts() -> dict[str, int]:
    """For the privacy officer's home: open requests and incidents past their deadline."""
    now = clock.now()
    requests = DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now).count()
    incidents = sum(1 for row in incident_list() if row.clock.overdue)
    return {"requests": requests, "incidents": incidents}
