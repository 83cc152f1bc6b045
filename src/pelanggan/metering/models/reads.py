"""Register reads (monthly stand meter for postpaid billing), their review queue and the
validation thresholds, which are data (one row per utility) rather than constants in code."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from pelanggan.metering.models.choices import (
    ReadPurpose,
    ReadSource,
    ReadStatus,
    Register,
    ReviewStatus,
    Utility,
)


class RegisterRead(models.Model):
    """One register value of a meter installation at a moment.

    `value` is the register as shown on the meter (before the meter factor). Estimated reads
    have `is_estimated` and the method; when a real read arrives the estimate becomes
    `superseded` and the real read `replaces` it. A correction supersedes the read it corrects.
    """

    installation = models.ForeignKey(
        "metering.Installation", on_delete=models.PROTECT, related_name="reads"
    )
    register = models.CharField(max_length=10, choices=Register.choices)
    read_at = models.DateTimeField()
    value = models.DecimalField(max_digits=16, decimal_places=3)
    source = models.CharField(max_length=10, choices=ReadSource.choices)
    purpose = models.CharField(max_length=8, choices=ReadPurpose.choices)
    status = models.CharField(max_length=16, choices=ReadStatus.choices)
    is_estimated = models.BooleanField(default=False)
    estimation_method = models.CharField(max_length=40, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # Relative to PELANGGAN_HOME/media; the SHA-256 proves the photo was not swapped later.
    photo_path = models.CharField(max_length=200, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    submitted_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "register", "read_at"],
                condition=models.Q(status__in=["accepted", "pending_review"]),
                name="read_live_once_per_moment",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="read_value_positive"),
            models.CheckConstraint(
                condition=models.Q(is_estimated=False) | ~models.Q(estimation_method=""),
                name="read_estimate_has_method",
            ),
        ]
        indexes = [
            models.Index(
                fields=["installation", "register", "read_at"], name="read_install_reg_idx"
            ),
        ]


class ReviewItem(models.Model):
    """A read that failed validation, waiting for an officer: accept, correct or re-read."""

    read = models.ForeignKey(RegisterRead, on_delete=models.PROTECT, related_name="reviews")
    # [{"code": ReviewReason, "detail": {...numbers...}}]
    reasons = models.JSONField()
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)
    corrected_read = models.ForeignKey(
        RegisterRead, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["read"], condition=models.Q(status="open"), name="review_one_open_per_read"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="review_status_idx")]


class ReadValidationPolicy(models.Model):
    """Validation thresholds for one utility. Without a row the defaults below apply."""

    utility = models.CharField(max_length=12, choices=Utility.choices, unique=True)
    spike_factor = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(3))
    dip_factor = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.3"))
    history_months = models.PositiveSmallIntegerField(default=6)
    min_history_reads = models.PositiveSmallIntegerField(default=3)
    stuck_reads = models.PositiveSmallIntegerField(default=3)
    # A wrap is plausible when the wrapped consumption is below this share of the register range.
    rollover_max_share = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.1"))
    rollover_needs_review = models.BooleanField(default=True)
    updated_at = models.DateTimeField()
