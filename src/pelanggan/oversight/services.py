"""Write side of oversight: acknowledging an access-anomaly alert (raising one lives in
`pelanggan.security.anomaly`, which evaluates each audited read)."""

from __future__ import annotations

from django.db import transaction

from pelanggan.oversight.models import Alert, AlertStatus
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal


def acknowledge_alert(*, alert_id: int, principal: Principal, note: str) -> Alert:
    """Mark an open alert as followed up, with a note of what was done (audited).

    Raises PermissionDenied without `oversight.manage_alerts`, NotFound for an unknown alert,
    Conflict when it was already acknowledged, ValidationFailed for a missing note. A suspended
    account stays suspended: reactivating it is a separate, deliberate step in user management.
    """
    if not principal.has(Perm.ALERTS_MANAGE):
        raise PermissionDenied("You do not have permission for this operation")
    note = note.strip()
    if not 5 <= len(note) <= 500:
        raise ValidationFailed.single(
            "note",
            "note_required",
            "Say what was done about the alert (5 to 500 characters)",
            "Tuliskan tindak lanjut peringatan ini (5–500 karakter)",
        )
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise NotFound("Alert not found", code="alert_not_found")
        if alert.status != AlertStatus.OPEN:
            raise Conflict("The alert was already acknowledged", code="alert_already_acknowledged")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by_id = principal.user_id
        alert.acknowledged_at = clock.now()
        alert.acknowledgement_note = note
        alert.save(
            update_fields=[
                "status", "acknowledged_by_id", "acknowledged_at", "acknowledgement_note"
            ]
        )  # fmt: skip
        audit.record(
            "oversight.alert.acknowledged",
            actor=principal.actor,
            subject_type="alert",
            subject_ids=[alert.pk],
            changes={"kind": alert.kind, "staff_user_id": alert.staff_user_id},
            reason=note,
        )
    return alert
