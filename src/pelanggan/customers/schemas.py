"""API schemas of the customer master."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class SearchIn(Schema):
    q: str = Field(..., max_length=100, description="IDPEL, meter number, NIK, phone or name words")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class ConnectionSummary(Schema):
    utility: str
    meter_number: str
    payment_mode: str
    tariff_group: str
    daya_va: int | None
    customer_group: str


class SearchHitOut(Schema):
    idpel: str
    full_name: str
    status: str
    ulp_code: str
    ulp_name: str
    kelurahan: str
    kecamatan: str
    kabupaten_kota: str
    utilities: list[ConnectionSummary]


class SearchPageOut(Schema):
    query_kinds: list[str]
    total: int
    total_capped: bool = Field(
        False, description="More matches than counted (1000): refine the search"
    )
    page: int
    page_size: int
    hits: list[SearchHitOut]


class CustomerIn(Schema):
    """A new customer in the DIL field names; `idpel` is assigned from the ULP when omitted."""

    idpel: str | None = None
    ulp_code: str
    full_name: str = Field(..., max_length=150)
    nik: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    phone: str | None = None
    phone_2: str | None = None
    email: str | None = None
    street: str = Field(..., max_length=200)
    rt: str = ""
    rw: str = ""
    village_code: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    kabupaten_kota: str | None = None
    provinsi: str | None = None
    postal_code: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    utility: str
    payment_mode: str | None = None
    tariff_group: str | None = None
    daya_va: int | None = None
    customer_group: str | None = None
    pipe_size_mm: int | None = None
    meter_number: str
    connected_on: str | None = None
    data_source: str = "contact_centre"
    billing_address: str | None = Field(None, max_length=300)


class EmergencyContactIn(Schema):
    name: str = Field(..., max_length=150)
    phone: str = Field(..., max_length=30)
    relationship: str = Field("", max_length=40)


class PersonPatch(Schema):
    full_name: str | None = None
    nik: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    phone: str | None = None
    phone_2: str | None = None
    email: str | None = None
    emergency_contacts: list[EmergencyContactIn] | None = None
    reason: str = ""


class AddressIn(Schema):
    street: str = Field(..., max_length=200)
    rt: str = ""
    rw: str = ""
    village_code: str
    postal_code: str = ""
    latitude: str = ""
    longitude: str = ""
    reason: str = Field(..., max_length=300)


class TermsIn(Schema):
    effective_at: dt.datetime
    reason: str = Field(..., max_length=200)
    payment_mode: str | None = None
    tariff_group: str | None = None
    daya_va: int | None = None
    customer_group: str | None = None
    pipe_size_mm: int | None = None


class StatusIn(Schema):
    status: str
    reason: str = Field(..., max_length=300)


class ConsentIn(Schema):
    purpose: str
    channel: str = "contact_centre"
    evidence: str = ""


class AssetIn(Schema):
    kind: str
    capacity_kwp: Decimal | None = None
    export_meter_number: str = ""
    installed_on: dt.date | None = None


class ProgrammeIn(Schema):
    programme_code: str = Field(..., max_length=40)
    programme_name: str = Field(..., max_length=120)
    enrolled_on: dt.date


class CreatedOut(Schema):
    idpel: str


class RecordOut(Schema):
    """The 360° record; see `selectors.customer_record` for the layout."""

    idpel: str
    status: str
    data_source: str
    billing_address: str | None
    created_at: dt.datetime
    unit: dict[str, Any]
    person: dict[str, Any]
    other_accounts: list[str]
    premise: dict[str, Any]
    connections: list[dict[str, Any]]
    assets: list[dict[str, Any]]
    programmes: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    bills: dict[str, Any]
    payments: dict[str, Any]
    tokens: dict[str, Any]
    cases: dict[str, Any]
    outages: dict[str, Any]


class UnitQualityOut(Schema):
    ulp_code: str
    ulp_name: str
    accounts: int
    completeness: dict[str, Decimal]
    completeness_overall: Decimal
    findings: dict[str, int]
    consistency: Decimal


class RevealIn(Schema):
    """What to show unmasked and why (both required; see `selectors.RevealReason`)."""

    fields: list[str] = Field(
        ..., max_length=5, description="nik, phones, email, birth_date, emergency_contacts"
    )
    reason_code: str = Field(
        ...,
        max_length=40,
        description="identity_check, customer_request, complaint, field_visit, legal or other",
    )
    reason: str = Field(..., max_length=300, description="The need, in words (10+ characters)")


class RevealedPhoneOut(Schema):
    number: str
    kind: str
    primary: bool


class RevealedContactOut(Schema):
    name: str
    phone: str
    relationship: str


class RevealOut(Schema):
    """Only the fields asked for are present; values are shown once and never cached."""

    nik: str | None = None
    birth_date: str | None = None
    email: str | None = None
    phones: list[RevealedPhoneOut] | None = None
    emergency_contacts: list[RevealedContactOut] | None = None
