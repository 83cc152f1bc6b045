"""Oversight tables: access counters for anomaly detection, and the alerts they raise.

The counters are small and indexed so each audited read can be evaluated at once (see
`pelanggan.security.anomaly`) without scanning the audit trail. They hold staff ids, IDPELs
and unit ids only, never personal data.
"""

from __future__ import annotations

from django.db import models


class CustomerAccess(models.Model):
    """One staff member opened one customer during one time bucket (distinct-customer counter)."""

    staff_user_id = models.BigIntegerField()
    account_key = models.CharField(max_length=20, help_text="IDPEL of the customer opened")
    bucket_start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff_user_id", "account_key", "bucket_start"],
                name="oversight_access_once_per_bucket",
            )
        ]
        indexes = [
            models.Index(fields=["staff_user_id", "bucket_start"], name="oversight_access_idx")
        ]


class AreaSeen(models.Model):
    """The last time a staff member read a customer of a ULP (their usual area)."""

    staff_user_id = models.BigIntegerField()
    ulp_id = models.BigIntegerField()
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff_user_id", "ulp_id"], name="oversight_area_once")
        ]


class AlertKind(models.TextChoices):
    VOLUME = "volume", "Terlalu banyak pelanggan dibuka"
    OFF_HOURS = "off_hours", "Akses di luar jam kerja"
    NEW_AREA = "new_area", "Akses di luar wilayah biasa"


class AlertSeverity(models.TextChoices):
    WARNING = "warning", "Peringatan"
    CRITICAL = "critical", "Kritis (akun ditangguhkan)"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Terbuka"
    ACKNOWLEDGED = "acknowledged", "Ditindaklanjuti"


class Alert(models.Model):
    """An access anomaly for the privacy officer. One open alert per staff member and kind;
    later occurrences update it (`occurrences`, `last_seen_at`, `details`)."""

    staff_user_id = models.BigIntegerField()
    staff_label = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    occurrences = models.PositiveIntegerField(default=1)
    details = models.JSONField(default=dict)
    staff_suspended = models.BooleanField(default=False)
    acknowledged_by_id = models.BigIntegerField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff_user_id", "kind"],
                condition=models.Q(status="open"),
                name="oversight_one_open_alert_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | models.Q(acknowledged_at__isnull=False, acknowledged_by_id__isnull=False),
                name="oversight_acknowledged_has_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "raised_at"], name="oversight_alert_open_idx")]
