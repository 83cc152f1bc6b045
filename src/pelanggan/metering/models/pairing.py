"""Two-way meters (seed 003): modem, SIM card and the meter ↔ SIM ↔ customer phone pairing.

The customer's phone is personal data: encrypted, with a blind index for equality search.
The SIM's MSISDN belongs to the utility's M2M contract, not to a person.
"""

from __future__ import annotations

from django.db import models

from pelanggan.metering.models.choices import PairedBy, SimOperator
from pelanggan.platform.fields import EncryptedTextField


class Modem(models.Model):
    serial = models.CharField(max_length=40, unique=True)
    imei = models.CharField(max_length=15, unique=True)
    manufacturer = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imei__regex=r"^[0-9]{15}$"), name="modem_imei_15_digits"
            ),
        ]


class ModemInstallation(models.Model):
    """A modem fitted to a meter over `[installed_at, removed_at)`."""

    modem = models.ForeignKey(Modem, on_delete=models.PROTECT, related_name="installations")
    meter = models.ForeignKey(
        "metering.Meter", on_delete=models.PROTECT, related_name="modem_installations"
    )
    installed_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    installed_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["modem"],
                condition=models.Q(removed_at__isnull=True),
                name="modem_one_live_installation",
            ),
            models.UniqueConstraint(
                fields=["meter"],
                condition=models.Q(removed_at__isnull=True),
                name="meter_one_live_modem",
            ),
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True)
                | models.Q(removed_at__gt=models.F("installed_at")),
                name="modem_removed_after_installed",
            ),
        ]


class SimCard(models.Model):
    iccid = models.CharField(max_length=20, unique=True)
    msisdn = models.CharField(max_length=16, unique=True)
    operator = models.CharField(max_length=12, choices=SimOperator.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iccid__regex=r"^89[0-9]{17,18}$"), name="sim_iccid_format"
            ),
            models.CheckConstraint(
                condition=models.Q(msisdn__regex=r"^\+62[0-9]{8,13}$"), name="sim_msisdn_e164_id"
            ),
        ]


class Pairing(models.Model):
    """Meter ↔ SIM ↔ customer phone over `[paired_from, paired_to)`, and who paired it."""

    meter = models.ForeignKey("metering.Meter", on_delete=models.PROTECT, related_name="pairings")
    sim = models.ForeignKey(SimCard, on_delete=models.PROTECT, related_name="pairings")
    customer_phone = EncryptedTextField()
    customer_phone_index = models.CharField(max_length=32)
    paired_from = models.DateTimeField()
    paired_to = models.DateTimeField(null=True, blank=True)
    paired_by = models.CharField(max_length=14, choices=PairedBy.choices)
    paired_by_label = models.CharField(max_length=150)
    unpaired_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meter"],
                condition=models.Q(paired_to__isnull=True),
                name="meter_one_live_pairing",
            ),
            models.UniqueConstraint(
                fields=["sim"],
                condition=models.Q(paired_to__isnull=True),
                name="sim_one_live_pairing",
            ),
            models.CheckConstraint(
                condition=models.Q(paired_to__isnull=True)
                | models.Q(paired_to__gt=models.F("paired_from")),
                name="pairing_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["customer_phone_index"], name="pairing_phone_index_idx"),
        ]
