"""Prepaid tables: vending keys (software key store) and per-meter STS key data.

Glossary: SGC supply group code (6 digits, names the utility's vending key); KRN key revision
number (1..9); KT key type (0 initialisation, 1 default, 2 unique, 3 common); TI tariff index
(2 digits, part of the key diversification); KEN key expiry number (8 bits); DRN decoder
reference number (the meter's STS number); IIN issuer identification number (600727 or 0000);
TID token identifier (minutes since the meter's base date); DKGA decoder-key generation
algorithm; EA encryption algorithm. See shared/docs/sts.md.
"""

from __future__ import annotations

from django.db import models


class Dkga(models.TextChoices):
    """Decoder-key generation algorithms offered by the key stores."""

    DKGA02 = "02", "DKGA02 (DES, 64-bit vending key)"
    DKGA04 = "04", "DKGA04 (KDF HMAC-SHA-256, 160-bit vending key)"


class EaCode(models.TextChoices):
    """Token encryption algorithms (the value is the EA code without "EA")."""

    STA = "07", "EA07 Standard Transfer Algorithm"
    MISTY1 = "11", "EA11 MISTY1"


class TidBaseDate(models.TextChoices):
    """TID base dates by their DKGA04 code."""

    Y1993 = "93", "1993-01-01"
    Y2014 = "14", "2014-01-01"
    Y2035 = "35", "2035-01-01"


class VendingKeyStatus(models.TextChoices):
    """An active key may be given to new meters; a retired one still derives the keys of the
    meters that hold it, so they can be moved off it by a key change."""

    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class VendingKey(models.Model):
    """A vending key of the software key store. `sealed_key` is the key's hex encrypted with
    the platform data keys (AES-256-GCM); its associated data names the SGC, KRN and DKGA, so a
    ciphertext moved to another row does not decrypt."""

    supply_group_code = models.CharField(max_length=6)
    key_revision_number = models.PositiveSmallIntegerField()
    dkga = models.CharField(max_length=2, choices=Dkga.choices)
    sealed_key = models.TextField()
    is_development = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=VendingKeyStatus.choices, default=VendingKeyStatus.ACTIVE
    )
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supply_group_code", "key_revision_number", "dkga"],
                name="vending_key_one_per_sgc_krn_dkga",
            ),
            models.CheckConstraint(
                condition=models.Q(key_revision_number__gte=1, key_revision_number__lte=9),
                name="vending_key_krn_1_to_9",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", retired_at__isnull=True)
                | models.Q(status="retired", retired_at__isnull=False),
                name="vending_key_retired_at_iff_retired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supply_group_code}/{self.key_revision_number}/DKGA{self.dkga}"


class MeterKeyData(models.Model):
    """What vending needs to know to make tokens for one STS meter: the attributes of its
    current decoder key and the last TID issued to it. Shared by vending and the metering
    registry; linked to the meter by its number, not by a foreign key, because the metering
    context will own meters."""

    meter_number = models.CharField(max_length=20, unique=True)
    iin = models.CharField(max_length=6, default="600727")
    drn = models.CharField(max_length=13)
    supply_group_code = models.CharField(max_length=6)
    tariff_index = models.CharField(max_length=2)
    key_revision_number = models.PositiveSmallIntegerField()
    key_type = models.PositiveSmallIntegerField(default=2)
    key_expiry_number = models.PositiveSmallIntegerField(default=255)
    tid_base_date = models.CharField(max_length=2, choices=TidBaseDate.choices)
    dkga = models.CharField(max_length=2, choices=Dkga.choices)
    ea_code = models.CharField(max_length=2, choices=EaCode.choices)
    last_tid = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    key_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_revision_number__gte=1, key_revision_number__lte=9),
                name="meter_key_krn_1_to_9",
            ),
            models.CheckConstraint(
                condition=models.Q(key_type__lte=3), name="meter_key_key_type_0_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(key_expiry_number__lte=255), name="meter_key_ken_8_bits"
            ),
            models.CheckConstraint(
                condition=models.Q(last_tid__isnull=True) | models.Q(last_tid__lte=0xFFFFFF),
                name="meter_key_last_tid_24_bits",
            ),
            # DKGA02 yields only 64-bit keys, so it cannot feed MISTY1 (128-bit).
            models.CheckConstraint(
                condition=~models.Q(dkga="02", ea_code="11"), name="meter_key_dkga02_is_sta"
            ),
        ]

    def __str__(self) -> str:
        return self.meter_number
