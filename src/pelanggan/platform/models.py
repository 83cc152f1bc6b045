"""Platform tables: the audit trail and the transactional outbox."""

from __future__ import annotations

from typing import Any

from django.db import models


class AuditEvent(models.Model):
    """One append-only, hash-chained audit row. Never updated, never deleted."""

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    event_type = models.CharField(max_length=100)
    actor_kind = models.CharField(max_length=20)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150)
    subject_type = models.CharField(max_length=60)
    subject_ids = models.JSONField(default=list)
    request_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict)
    reason = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["event_type", "occurred_at"], name="audit_type_time_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["subject_type", "occurred_at"], name="audit_subject_time_idx"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("force_insert"):
            raise RuntimeError("audit rows are append-only: use platform.audit.record()")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit rows are append-only")


class OutboxEvent(models.Model):
    """An event recorded in the same transaction as the change it describes."""

    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["name", "occurred_at"], name="outbox_name_time_idx")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    DEAD = "dead", "Dead letter"


class OutboxDelivery(models.Model):
    """One event handed to one handler, at least once, with retries and a dead-letter state."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="outbox_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]
