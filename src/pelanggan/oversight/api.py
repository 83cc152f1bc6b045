"""Oversight API (`/api/v1/oversight`): access-anomaly alerts for the privacy officer."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from pelanggan.oversight import selectors, services
from pelanggan.oversight.models import Alert
from pelanggan.platform.errors import Unauthenticated, ValidationFailed
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

router = Router()


class AlertOut(Schema):
    id: int
    staff_user_id: int
    staff_label: str
    kind: str
    severity: str
    status: str
    raised_at: dt.datetime
    last_seen_at: dt.datetime
    occurrences: int
    details: dict[str, Any]
    staff_suspended: bool
    acknowledged_at: dt.datetime | None
    acknowledgement_note: str


class AcknowledgeIn(Schema):
    note: str = Field(..., max_length=500, description="What was done about the alert")


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        staff_user_id=alert.staff_user_id,
        staff_label=alert.staff_label,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        raised_at=alert.raised_at,
        last_seen_at=alert.last_seen_at,
        occurrences=alert.occurrences,
        details=alert.details,
        staff_suspended=alert.staff_suspended,
        acknowledged_at=alert.acknowledged_at,
        acknowledgement_note=alert.acknowledgement_note,
    )


@router.get("/alerts", response=list[AlertOut], summary="Access-anomaly alerts (open by default)")
@requires(Perm.ALERTS_MANAGE)
def list_alerts(request: HttpRequest, status: str = "open") -> Any:
    if status not in ("open", "acknowledged", "all"):
        raise ValidationFailed.single("status", "status_invalid", "open, acknowledged or all")
    chosen = "" if status == "all" else status
    return [_out(a) for a in selectors.alerts(principal=_principal(request), status=chosen)]


@router.post(
    "/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge an alert (audited)"
)
@requires(Perm.ALERTS_MANAGE)
def acknowledge(request: HttpRequest, alert_id: int, body: AcknowledgeIn) -> Any:
    alert = services.acknowledge_alert(
        alert_id=alert_id, principal=_principal(request), note=body.note
    )
    return _out(alert)
