"""The meter registry: meters, their installations on service connections, and seals.

An installation is a half-open period `[installed_at, removed_at)` of one meter on one
customers.ServiceConnection. A meter is on at most one live installation and a connection
carries at most one live meter (database constraints); closed periods of one meter or one
connection never overlap (service check, tested). STS key data (DRN, SGC, TI, KRN, ...) lives
in prepaid.MeterKeyData, reached by the meter number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from pelanggan.metering.models.choices import (
    MeterKind,
    MeterStatus,
    SealLocation,
    Utility,
)


class Meter(models.Model):
    number = models.CharField(max_length=20)
    utility = models.CharField(max_length=12, choices=Utility.choices)
    kind = models.CharField(max_length=16, choices=MeterKind.choices)
    manufacturer = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    phases = models.PositiveSmallIntegerField(default=1)
    is_two_rate = models.BooleanField(default=False)
    has_kvarh_register = models.BooleanField(default=False)
    # Multiplier from register units to delivered units (CT/VT ratio for measured supplies).
    meter_factor = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))
    # Integer digits of the register: it rolls over from 10**digits - 1 to 0.
    register_digits = models.PositiveSmallIntegerField(default=6)
    status = models.CharField(
        max_length=10, choices=MeterStatus.choices, default=MeterStatus.IN_STOCK
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["utility", "number"], name="meter_number_per_utility"),
            models.CheckConstraint(
                condition=models.Q(phases__in=[1, 3]), name="meter_phases_1_or_3"
            ),
            models.CheckConstraint(
                condition=models.Q(register_digits__gte=3, register_digits__lte=10),
                name="meter_register_digits_3_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(meter_factor__gt=0), name="meter_factor_positive"
            ),
        ]
        indexes = [models.Index(fields=["number"], name="meter_number_idx")]

    def __str__(self) -> str:
        return self.number


class Installation(models.Model):
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="installations")
    connection = models.ForeignKey(
        "customers.ServiceConnection", on_delete=models.PROTECT, related_name="meter_installations"
    )
    installed_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    installed_by = models.CharField(max_length=150)
    removed_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meter"],
                condition=models.Q(removed_at__isnull=True),
                name="meter_one_live_installation",
            ),
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(removed_at__isnull=True),
                name="connection_one_live_meter",
            ),
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True)
                | models.Q(removed_at__gt=models.F("installed_at")),
                name="installation_removed_after_installed",
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "installed_at"], name="installation_conn_idx"),
        ]


class Seal(models.Model):
    """A numbered seal on a meter installation or a modem installation."""

    number = models.CharField(max_length=30)
    location = models.CharField(max_length=16, choices=SealLocation.choices)
    installation = models.ForeignKey(
        Installation, null=True, blank=True, on_delete=models.PROTECT, related_name="seals"
    )
    modem_installation = models.ForeignKey(
        "metering.ModemInstallation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seals",
    )
    applied_at = models.DateTimeField()
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_by_label = models.CharField(max_length=150)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by_label = models.CharField(max_length=150, blank=True)
    removal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(removed_at__isnull=True),
                name="seal_number_live_once",
            ),
            models.CheckConstraint(
                condition=models.Q(installation__isnull=False, modem_installation__isnull=True)
                | models.Q(installation__isnull=True, modem_installation__isnull=False),
                name="seal_on_meter_or_modem",
            ),
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True)
                | models.Q(removed_at__gte=models.F("applied_at")),
                name="seal_removed_after_applied",
            ),
        ]
