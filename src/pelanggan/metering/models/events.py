"""Events reported by meters (tamper, power off/on, credit, relay, communication)."""

from __future__ import annotations

from django.db import models

from pelanggan.metering.models.choices import EventSource, MeterEventKind


class MeterEvent(models.Model):
    meter = models.ForeignKey("metering.Meter", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=MeterEventKind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=EventSource.choices)
    payload = models.JSONField(default=dict)
    # The sender's id for the event, or a hash of meter, kind and time: the same event
    # delivered twice (MQTT QoS 1 redelivery, a re-sent batch) is stored once.
    dedup_key = models.CharField(max_length=128, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["meter", "occurred_at"], name="meter_event_meter_time_idx"),
        ]
