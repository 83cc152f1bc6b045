"""Extra customer data from the seed: assets, programmes, consents; plus data-quality findings."""

from __future__ import annotations

from django.db import models

from pelanggan.customers.models.choices import AssetKind, ConsentPurpose, DataSource, FindingKind
from pelanggan.customers.models.master import Account, Person


class Asset(models.Model):
    """Customer-owned equipment behind the meter, e.g. rooftop PV (PLTS atap) with export meter."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    capacity_kwp = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    export_meter_number = models.CharField(max_length=20, blank=True)
    installed_on = models.DateField(null=True, blank=True)
    data_source = models.CharField(max_length=20, choices=DataSource.choices)
    created_at = models.DateTimeField()


class ProgrammeEnrolment(models.Model):
    """Enrolment in an energy-efficiency programme over `[enrolled_on, ended_on)`."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="programmes")
    programme_code = models.CharField(max_length=40)
    programme_name = models.CharField(max_length=120)
    enrolled_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    data_source = models.CharField(max_length=20, choices=DataSource.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "programme_code"],
                condition=models.Q(ended_on__isnull=True),
                name="one_live_enrolment_per_programme",
            ),
        ]


class Consent(models.Model):
    """A consent for one purpose, given and possibly withdrawn later (UU PDP Pasal 20-24)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=20, choices=DataSource.choices)
    evidence = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_consent_per_purpose",
            ),
        ]


class DataQualityFinding(models.Model):
    """A data-quality problem found by a scan. Reported for people to resolve, never auto-merged.

    `key` identifies the finding across scans (kind + blind-index value) so a re-scan updates it
    instead of duplicating it. Details carry ids only, never personal data.
    """

    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    key = models.CharField(max_length=80)
    ulp = models.ForeignKey("security.Unit", null=True, on_delete=models.SET_NULL)
    account_ids = models.JSONField(default=list)
    person_ids = models.JSONField(default=list)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="finding_once_per_key"),
        ]


class ImportRun(models.Model):
    """One import of a DIL extract, kept so a re-import of the same file is recognised."""

    file_sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    mode = models.CharField(max_length=10)
    rows_total = models.PositiveIntegerField()
    rows_created = models.PositiveIntegerField()
    rows_unchanged = models.PositiveIntegerField()
    rows_rejected = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    actor_label = models.CharField(max_length=150)
