"""API schemas of metering (`/api/v1/metering`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

Reads = dict[str, Decimal]


class SealIn(Schema):
    number: str = Field(..., max_length=30)
    location: str = Field(..., description="terminal_cover, meter_cover, mcb, modem, meter_box")


class MeterIn(Schema):
    number: str = Field(..., max_length=20)
    kind: str = Field(
        ...,
        description="postpaid_1p, postpaid_3p, prepaid_sts, smart_prepaid, smart_postpaid, water",
    )
    manufacturer: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    phases: int | None = None
    is_two_rate: bool = False
    has_kvarh_register: bool = False
    meter_factor: Decimal = Decimal(1)
    register_digits: int = 6


class InstallIn(Schema):
    meter_number: str = Field(..., max_length=20)
    installed_at: dt.datetime
    initial_reads: Reads = Field(..., description='e.g. {"kwh_total": "12.5"}')
    seals: list[SealIn] = []
    reason: str = Field("", max_length=200)


class RemoveIn(Schema):
    utility: str = "electricity"
    removed_at: dt.datetime
    final_reads: Reads
    reason: str = Field(..., min_length=1, max_length=200)


class ExchangeIn(Schema):
    new_meter_number: str = Field(..., max_length=20)
    exchanged_at: dt.datetime
    final_reads: Reads
    initial_reads: Reads
    reason: str = Field(..., min_length=1, max_length=200)
    seals: list[SealIn] = []


class SealApplyIn(Schema):
    utility: str = "electricity"
    seal: SealIn
    applied_at: dt.datetime
    replaces_number: str = Field("", max_length=30)
    reason: str = Field("", max_length=200)


class ModemIn(Schema):
    serial: str = Field(..., max_length=40)
    imei: str = Field(..., max_length=20)
    manufacturer: str = Field("", max_length=60)
    model: str = Field("", max_length=60)


class ModemInstallIn(Schema):
    modem_serial: str = Field(..., max_length=40)
    installed_at: dt.datetime
    seals: list[SealIn] = []


class SimIn(Schema):
    iccid: str = Field(..., max_length=24)
    msisdn: str = Field(..., max_length=20)
    operator: str


class PairingIn(Schema):
    iccid: str = Field(..., max_length=24)
    customer_phone: str = Field(..., max_length=20)
    paired_by: str = Field(..., description="operator_api or technician")
    paired_by_label: str = Field("", max_length=150)
    paired_from: dt.datetime


class ReadIn(Schema):
    register_code: str = Field(..., description="kwh_total, kwh_wbp, kwh_lwbp, kvarh or m3")
    read_at: dt.datetime
    value: Decimal
    source: str = Field("manual", description="manual, photo, self_read or ami")
    utility: str = "electricity"


class ReviewAcceptIn(Schema):
    note: str = Field("", max_length=300)


class ReviewCorrectIn(Schema):
    value: Decimal
    reason: str = Field(..., min_length=1, max_length=300)


class CreatedOut(Schema):
    id: int


class SealOut(Schema):
    number: str
    location: str
    applied_at: dt.datetime
    applied_by: str
    removed_at: dt.datetime | None
    removed_by: str


class InstallationOut(Schema):
    id: int
    meter_number: str
    idpel: str
    utility: str
    installed_at: dt.datetime
    removed_at: dt.datetime | None
    installed_by: str
    removed_by: str
    reason: str
    initial_reads: Reads
    final_reads: Reads
    seals: list[SealOut]


class ModemOut(Schema):
    serial: str
    imei: str
    installed_at: dt.datetime
    removed_at: dt.datetime | None
    installed_by: str
    seals: list[SealOut]


class PairingOut(Schema):
    iccid: str
    msisdn: str
    operator: str
    customer_phone: str = Field(..., description="masked")
    paired_from: dt.datetime
    paired_to: dt.datetime | None
    paired_by: str
    paired_by_label: str


class MeterOut(Schema):
    number: str
    utility: str
    kind: str
    manufacturer: str
    model: str
    phases: int
    is_two_rate: bool
    has_kvarh_register: bool
    meter_factor: Decimal
    register_digits: int
    status: str
    sts: dict[str, Any] | None
    installations: list[InstallationOut]
    modems: list[ModemOut]
    pairings: list[PairingOut]


class CustomerMeterOut(Schema):
    number: str
    utility: str
    kind: str
    status: str
    installed_at: dt.datetime
    removed_at: dt.datetime | None
    is_live: bool


class ReadOut(Schema):
    id: int
    meter_number: str
    register_code: str = Field(..., validation_alias="register")
    read_at: dt.datetime
    value: Decimal
    source: str
    purpose: str
    status: str
    is_estimated: bool
    estimation_method: str
    replaces_id: int | None
    has_photo: bool
    submitted_by: str


class SubmitOut(Schema):
    read: ReadOut
    review_id: int | None
    reasons: list[dict[str, Any]]
    consumption: Decimal | None
    superseded_estimates: list[int]


class ReviewOut(Schema):
    id: int
    idpel: str
    status: str
    reasons: list[dict[str, Any]]
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str
    resolution_note: str
    read: ReadOut
    corrected_read_id: int | None


class ReviewPageOut(Schema):
    total: int
    page: int
    page_size: int
    items: list[ReviewOut]


class ConsumptionPartOut(Schema):
    meter_number: str
    installation_id: int
    start_read_id: int
    start_value: Decimal
    start_at: dt.datetime
    end_read_id: int | None
    end_value: Decimal | None
    end_at: dt.datetime | None
    estimated: bool
    quantity: Decimal | None


class RegisterConsumptionOut(Schema):
    register_code: str = Field(..., validation_alias="register")
    quantity: Decimal
    complete: bool
    estimated: bool
    parts: list[ConsumptionPartOut]


class ConsumptionOut(Schema):
    connection_id: int
    period_start: dt.datetime
    period_end: dt.datetime
    complete: bool
    registers: list[RegisterConsumptionOut]


class MeterEventOut(Schema):
    id: int
    meter_number: str
    kind: str
    kind_label: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    source: str
    payload: dict[str, Any]


class MeterEventIn(Schema):
    meter_number: str = Field(..., max_length=20)
    kind: str
    occurred_at: dt.datetime
    payload: dict[str, Any] = {}
    dedup_key: str | None = Field(None, max_length=120)


class EventBatchIn(Schema):
    events: list[MeterEventIn] = Field(..., max_length=5000)


class RejectedEventOut(Schema):
    index: int
    meter_number: str
    reason: str


class EventBatchOut(Schema):
    stored: int
    duplicates: int
    rejected: list[RejectedEventOut]
