"""Privacy API (`/api/v1/privacy`): data-subject requests, the breach register, the registry
and retention. Thin: parse, call one service or selector, map the result back."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from pelanggan.platform.errors import Unauthenticated
from pelanggan.privacy import selectors
from pelanggan.privacy.registry import registry
from pelanggan.privacy.schemas import (
    CountOut,
    HandlingIn,
    IncidentIn,
    IncidentOut,
    NoteIn,
    NoticeOut,
    ReasonIn,
    RegistryFieldOut,
    RequestDetailOut,
    RequestIn,
    RequestOut,
    RetentionIn,
    RetentionOut,
    SubjectsIn,
)
from pelanggan.privacy.services import breaches, exports, requests, retention
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal
from pelanggan.security.stepup import ensure_step_up

router = Router()


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


def _request_out(request: HttpRequest, request_id: int, *, viewed: bool = False) -> dict[str, Any]:
    detail = selectors.request_detail(
        request_id=request_id, principal=_principal(request), record_view=viewed
    )
    return {
        **vars(detail["row"]),
        "outcome": detail["outcome"],
        "reason": detail["reason"],
        "submitted_by": detail["submitted_by"],
    }


@router.post("/requests", response={201: RequestDetailOut}, summary="Record a data-subject request")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def submit(request: HttpRequest, body: RequestIn) -> Any:
    principal = _principal(request)
    person_id = selectors.person_id_of(principal, idpel=body.idpel, nik=body.nik)
    created = requests.submit_request(
        kind=body.kind,
        person_id=person_id,
        channel=body.channel,
        actor=principal.actor,
        idpel=body.idpel,
        purpose=body.purpose,
        details=body.details,
        received_at=body.received_at,
        idempotency_key=body.idempotency_key,
    )
    return Status(201, _request_out(request, created.pk))


@router.get("/requests", response=list[RequestOut], summary="Requests, overdue first")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def queue(request: HttpRequest, state: str = "open") -> Any:
    return [vars(row) for row in selectors.request_queue(state=state)]


@router.get("/requests/{request_id}", response=RequestDetailOut, summary="One request")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def detail(request: HttpRequest, request_id: int) -> Any:
    return _request_out(request, request_id, viewed=True)


@router.post("/requests/{request_id}/start", response=RequestDetailOut, summary="Take in hand")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def start(request: HttpRequest, request_id: int) -> Any:
    requests.start_request(request_id=request_id, principal=_principal(request))
    return _request_out(request, request_id)


@router.post(
    "/requests/{request_id}/complete", response=RequestDetailOut, summary="Carry out and close"
)
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def complete(request: HttpRequest, request_id: int, body: NoteIn) -> Any:
    requests.complete_request(request_id=request_id, principal=_principal(request), note=body.note)
    return _request_out(request, request_id)


@router.post("/requests/{request_id}/refuse", response=RequestDetailOut, summary="Refuse")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def refuse(request: HttpRequest, request_id: int, body: ReasonIn) -> Any:
    requests.refuse_request(
        request_id=request_id, principal=_principal(request), reason=body.reason
    )
    return _request_out(request, request_id)


@router.get(
    "/requests/{request_id}/export.{fmt}",
    summary="The data subject's copy (json or pdf) of an access request",
)
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def export(request: HttpRequest, request_id: int, fmt: str) -> HttpResponse:
    # Personal data leaves the system: a fresh second factor (console session or the
    # X-Pelanggan-OTP header), like revealing a NIK.
    ensure_step_up(request)
    name, content_type, body = exports.export_for_request(
        request_id=request_id, principal=_principal(request), fmt=fmt
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _incident_out(row: selectors.IncidentRow) -> dict[str, Any]:
    return {
        **{k: v for k, v in vars(row).items() if k != "clock"},
        "notice_due_at": row.clock.due_at,
        "hours_left": round(row.clock.hours_left, 1),
        "overdue": row.clock.overdue,
        "outstanding": row.clock.outstanding,
    }


def _incident(incident_id: int) -> dict[str, Any]:
    return _incident_out(selectors.incident_detail(incident_id=incident_id)["row"])


@router.post("/incidents", response={201: IncidentOut}, summary="Record a personal-data breach")
@requires(Perm.BREACH_MANAGE)
def record_incident(request: HttpRequest, body: IncidentIn) -> Any:
    incident = breaches.record_incident(principal=_principal(request), **body.dict())
    return Status(201, _incident(incident.pk))


@router.get("/incidents", response=list[IncidentOut], summary="Incidents, overdue first")
@requires(Perm.BREACH_MANAGE)
def incidents(request: HttpRequest, include_closed: bool = False) -> Any:
    return [_incident_out(r) for r in selectors.incident_list(include_closed=include_closed)]


@router.get("/incidents/{incident_id}", response=IncidentOut, summary="One incident")
@requires(Perm.BREACH_MANAGE)
def incident(request: HttpRequest, incident_id: int) -> Any:
    return _incident(incident_id)


@router.post("/incidents/{incident_id}/subjects", response=CountOut, summary="Link subjects")
@requires(Perm.BREACH_MANAGE)
def add_subjects(request: HttpRequest, incident_id: int, body: SubjectsIn) -> Any:
    added = breaches.add_subjects(
        incident_id=incident_id, idpels=body.idpels, principal=_principal(request)
    )
    return {"count": added}


@router.post("/incidents/{incident_id}/handling", response=IncidentOut, summary="Measures/status")
@requires(Perm.BREACH_MANAGE)
def handling(request: HttpRequest, incident_id: int, body: HandlingIn) -> Any:
    breaches.update_handling(
        incident_id=incident_id,
        principal=_principal(request),
        measures=body.measures,
        status=body.status,
    )
    return _incident(incident_id)


@router.post(
    "/incidents/{incident_id}/notify-authority", response=IncidentOut, summary="Notify authority"
)
@requires(Perm.BREACH_MANAGE)
def notify_authority(request: HttpRequest, incident_id: int) -> Any:
    breaches.notify_authority(incident_id=incident_id, principal=_principal(request))
    return _incident(incident_id)


@router.post(
    "/incidents/{incident_id}/notify-subjects", response=CountOut, summary="Notify the subjects"
)
@requires(Perm.BREACH_MANAGE)
def notify_subjects(request: HttpRequest, incident_id: int) -> Any:
    return {
        "count": breaches.notify_subjects(incident_id=incident_id, principal=_principal(request))
    }


@router.get("/incidents/{incident_id}/notice", response=NoticeOut, summary="Notice text")
@requires(Perm.BREACH_MANAGE)
def notice(request: HttpRequest, incident_id: int) -> Any:
    found = selectors.incident_detail(incident_id=incident_id)["incident"]
    return {
        "subject": breaches.notice_text(found, audience="subject"),
        "authority": breaches.notice_text(found, audience="authority"),
    }


@router.get("/registry", response=list[RegistryFieldOut], summary="Personal-data field registry")
@requires(Perm.PRIVACY_REQUESTS_MANAGE)
def personal_data_registry(request: HttpRequest) -> Any:
    return [vars(f) for f in registry().fields]


@router.post("/retention", response=RetentionOut, summary="Apply retention (dry run by default)")
@requires(Perm.RETENTION_RUN)
def apply_retention(request: HttpRequest, body: RetentionIn) -> Any:
    report = retention.apply_retention(dry_run=body.dry_run, actor=_principal(request).actor)
    return {
        "as_of": report.as_of,
        "dry_run": report.dry_run,
        "total": report.total,
        "outcomes": [
            {
                "rule": o.rule,
                "record_kind": o.record_kind,
                "action": o.action,
                "cutoff": o.cutoff,
                "count": o.count,
                "basis": o.basis,
            }
            for o in report.outcomes
        ],
    }
