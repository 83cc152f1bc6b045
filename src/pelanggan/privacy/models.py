"""Data-subject requests (UU PDP Pasal 6-11, 14) and the breach register (Pasal 46)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pelanggan.platform.fields import EncryptedJSONField


class RequestKind(models.TextChoices):
    ACCESS = "access", "Akses dan salinan data"
    CORRECTION = "correction", "Pembetulan data"
    DELETION = "deletion", "Penghapusan data"
    CONSENT_WITHDRAWAL = "consent_withdrawal", "Penarikan persetujuan"
    OBJECTION = "objection", "Keberatan atas pemrosesan otomatis"
    RESTRICTION = "restriction", "Pembatasan pemrosesan"


class RequestChannel(models.TextChoices):
    CONSOLE = "console", "Konsol petugas"
    PORTAL = "portal", "Portal pelanggan"
    API = "api", "API"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Diterima"
    IN_PROGRESS = "in_progress", "Diproses"
    COMPLETED = "completed", "Selesai"
    REFUSED = "refused", "Ditolak"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


class DataSubjectRequest(models.Model):
    """A recorded application to exercise a data-subject right (Pasal 14), with its deadline.

    `details` (encrypted) holds what the subject asked for, e.g. the corrected values;
    `outcome` holds only ids, field names and counts.
    """

    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.PROTECT, related_name="privacy_requests"
    )
    idpel = models.CharField(max_length=12, blank=True)
    channel = models.CharField(max_length=10, choices=RequestChannel.choices)
    purpose = models.CharField(max_length=30, blank=True)
    details = EncryptedJSONField(null=True, blank=True)
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    submitted_by = models.CharField(max_length=150)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # A client-chosen key (portal, API): submitting the same request twice records it once.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="dsr_idempotency_key_once",
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("received_at")), name="dsr_due_after_receipt"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="dsr_status_due_idx")]

    @property
    def reference(self) -> str:
        return f"DSR-{self.pk:06d}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Terbuka"
    CONTAINED = "contained", "Tertangani"
    NOTIFIED = "notified", "Sudah diberitahukan"
    CLOSED = "closed", "Ditutup"


class Incident(models.Model):
    """A personal-data breach (kegagalan pelindungan data pribadi, UU PDP Pasal 46).

    The description says what happened without naming anyone: affected persons are linked
    through `IncidentSubject`. Notice is due 3 × 24 hours after detection (policy data).
    """

    title = models.CharField(max_length=200)
    description = models.TextField()
    detected_at = models.DateTimeField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    data_categories = models.JSONField(default=list)
    measures = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    notice_due_at = models.DateTimeField()
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    subjects_notified_at = models.DateTimeField(null=True, blank=True)
    public_notice = models.BooleanField(default=False)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notice_due_at__gt=models.F("detected_at")),
                name="incident_notice_after_detection",
            ),
        ]
        indexes = [models.Index(fields=["status", "notice_due_at"], name="incident_due_idx")]

    @property
    def reference(self) -> str:
        return f"INS-{self.pk:05d}"


class IncidentSubject(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey("customers.Person", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"], name="incident_subject_once"),
        ]
