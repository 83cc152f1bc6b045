"""Person, account (IDPEL), premise, service connection and its terms over time.

Personal data is stored encrypted (platform.fields); `*_index` columns hold keyed-hash blind
indexes for equality search. Indonesian terms: IDPEL (customer id, 12 digits), ULP (service
unit), daya (contracted power, VA), golongan tarif (tariff group), RT/RW (neighbourhood units).
"""

from __future__ import annotations

from django.db import models

from pelanggan.customers.models.choices import (
    AccountStatus,
    DataSource,
    PaymentMode,
    PhoneKind,
    Utility,
)
from pelanggan.platform.fields import (
    EncryptedDateField,
    EncryptedDecimalField,
    EncryptedTextField,
)


class Person(models.Model):
    full_name = EncryptedTextField()
    nik = EncryptedTextField(null=True, blank=True)
    nik_index = models.CharField(max_length=32, blank=True)
    birth_date = EncryptedDateField(null=True, blank=True)
    gender = EncryptedTextField(null=True, blank=True)
    email = EncryptedTextField(null=True, blank=True)
    email_index = models.CharField(max_length=32, blank=True)
    # Keyed hash of the normalised full name: tells "same NIK, same person" from a conflict.
    name_index = models.CharField(max_length=32)
    data_source = models.CharField(max_length=20, choices=DataSource.choices)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # UU PDP Pasal 43-44 (privacy context): identifiers erased on request while accounts are
    # still retained (`erased_at`); everything anonymised once retention ended (`anonymised_at`).
    erased_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Plain btree indexes: blind indexes are only ever compared for equality, so the
        # extra LIKE-pattern index Django adds for db_index=True on PostgreSQL would only
        # slow down every insert.
        indexes = [
            models.Index(fields=["nik_index"], name="person_nik_index_idx"),
            models.Index(fields=["email_index"], name="person_email_index_idx"),
        ]


class PersonNameWord(models.Model):
    """One keyed hash per normalised word of a person's name, for search by name words."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_words")
    word_index = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["word_index", "person"], name="person_word_once"),
        ]


class PersonPhone(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = EncryptedTextField()
    number_index = models.CharField(max_length=32)
    kind = models.CharField(max_length=10, choices=PhoneKind.choices)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "number_index"], name="person_phone_once"),
        ]
        indexes = [models.Index(fields=["number_index"], name="phone_number_index_idx")]


class EmergencyContact(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = EncryptedTextField()
    phone = EncryptedTextField()
    relationship = models.CharField(max_length=40, blank=True)


class Premise(models.Model):
    """Where service is delivered: a full Indonesian address and coordinates."""

    street = EncryptedTextField()
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    village_code = models.CharField(max_length=10)
    kelurahan = models.CharField(max_length=100)
    kecamatan = models.CharField(max_length=100)
    kabupaten_kota = models.CharField(max_length=100)
    provinsi = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=5, blank=True)
    latitude = EncryptedDecimalField(null=True, blank=True)
    longitude = EncryptedDecimalField(null=True, blank=True)
    # Keyed hash of street + RT/RW + village: finds two accounts at one premise.
    address_index = models.CharField(max_length=32)
    data_source = models.CharField(max_length=20, choices=DataSource.choices)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address_index"], name="premise_address_index_idx")]


class Account(models.Model):
    """A customer account, identified by its IDPEL, served by one ULP."""

    idpel = models.CharField(max_length=12, unique=True)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accounts")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="accounts")
    billing_address = EncryptedTextField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=AccountStatus.choices)
    ulp = models.ForeignKey("security.Unit", on_delete=models.PROTECT, related_name="accounts")
    data_source = models.CharField(max_length=20, choices=DataSource.choices)
    # Keyed hash of the record as last imported: a re-import of the same row changes nothing.
    source_fingerprint = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idpel__regex=r"^[0-9]{12}$"), name="idpel_12_digits"
            ),
        ]
        indexes = [models.Index(fields=["ulp", "status"], name="account_ulp_status_idx")]


class ServiceConnection(models.Model):
    """One utility service (electricity or water) delivered to an account at its premise."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="connections")
    utility = models.CharField(max_length=12, choices=Utility.choices)
    meter_number = models.CharField(max_length=20)
    connected_on = models.DateField(null=True, blank=True)
    disconnected_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["utility", "meter_number"],
                condition=models.Q(disconnected_on__isnull=True),
                name="meter_on_one_live_connection",
            ),
        ]
        indexes = [models.Index(fields=["meter_number"], name="connection_meter_idx")]


class ServiceTerms(models.Model):
    """The commercial terms of a connection over a half-open period `[valid_from, valid_to)`.

    A tariff or power change closes the open period and opens the next; at most one period is
    open (database constraint), and periods never overlap (service check, tested).
    Electricity: golongan tarif, daya (VA), prepaid/postpaid. Water: customer group, pipe size.
    """

    connection = models.ForeignKey(
        ServiceConnection, on_delete=models.PROTECT, related_name="terms"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    payment_mode = models.CharField(max_length=10, choices=PaymentMode.choices)
    tariff_group = models.CharField(max_length=12, blank=True)
    daya_va = models.PositiveIntegerField(null=True, blank=True)
    customer_group = models.CharField(max_length=12, blank=True)
    pipe_size_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(valid_to__isnull=True),
                name="one_open_terms_per_connection",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="terms_end_after_start",
            ),
        ]
