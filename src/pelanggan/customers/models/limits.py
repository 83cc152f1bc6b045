"""Restrictions and objections to processing a person's data (UU PDP Pasal 10-11).

A live row (`ended_at` empty) limits processing: a restriction with an empty purpose halts
ordinary processing of the person (they are hidden from ordinary search), one with a purpose
halts that purpose only; an objection records that the person objects to automated decisions
or profiling for a purpose.
"""

from __future__ import annotations

from django.db import models

from pelanggan.customers.models.master import Person


class LimitKind(models.TextChoices):
    RESTRICTION = "restriction", "Pembatasan pemrosesan"
    OBJECTION = "objection", "Keberatan atas pemrosesan otomatis"


class ProcessingLimit(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="processing_limits")
    kind = models.CharField(max_length=12, choices=LimitKind.choices)
    # Empty: every purpose that has no legal duty behind it.
    purpose = models.CharField(max_length=30, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # The data-subject request that asked for it (privacy context), if any.
    request_ref = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "purpose"],
                condition=models.Q(ended_at__isnull=True),
                name="one_live_limit_per_purpose",
            ),
        ]
        indexes = [models.Index(fields=["kind", "ended_at"], name="limit_kind_live_idx")]
