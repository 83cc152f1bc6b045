"""The command log of remote operations on two-way meters.

One row per command; the meter is named by its number (the metering context owns meters).
Status moves queued → sent → acknowledged → succeeded | failed, or → timed_out after the
last attempt; `attempts` counts publications to the broker.
"""

from __future__ import annotations

import uuid

from django.db import models


class CommandKind(models.TextChoices):
    ON_DEMAND_READ = "on_demand_read", "Baca meter seketika"
    RELAY_CONNECT = "relay_connect", "Sambung relai"
    RELAY_DISCONNECT = "relay_disconnect", "Putus relai"
    DELIVER_TOKEN = "deliver_token", "Kirim token"
    SET_POWER_LIMIT = "set_power_limit", "Atur batas daya (token manajemen)"
    CLEAR_TAMPER = "clear_tamper", "Hapus status tamper (token manajemen)"


class CommandStatus(models.TextChoices):
    QUEUED = "queued", "Antre"
    SENT = "sent", "Terkirim"
    ACKNOWLEDGED = "acknowledged", "Diterima meter"
    SUCCEEDED = "succeeded", "Berhasil"
    FAILED = "failed", "Gagal"
    TIMED_OUT = "timed_out", "Habis waktu"


OPEN_STATUSES = (CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.ACKNOWLEDGED)
FINAL_STATUSES = (CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.TIMED_OUT)


class CommandLog(models.Model):
    command_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    meter_number = models.CharField(max_length=32)
    kind = models.CharField(max_length=24, choices=CommandKind.choices)
    status = models.CharField(
        max_length=16, choices=CommandStatus.choices, default=CommandStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    #: What goes to the meter (tokens included: a token is useless to anyone but its meter).
    payload = models.JSONField(default=dict)
    reply = models.JSONField(default=dict)
    failure_reason = models.CharField(max_length=200, blank=True, default="")
    requested_by_kind = models.CharField(max_length=16)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_by_label = models.CharField(max_length=150)
    #: Idempotency key of the request: the same key returns the same command.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["meter_number", "requested_at"], name="headend_cmd_meter_idx"),
            models.Index(fields=["status", "deadline_at"], name="headend_cmd_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts__lte=models.F("max_attempts")),
                name="headend_cmd_attempts_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in CommandStatus]),
                name="headend_cmd_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.command_id}"
