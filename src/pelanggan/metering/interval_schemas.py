"""API schemas of interval data: head-end batches in, load profiles out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import WithJsonSchema

from pelanggan.metering.interval_batches import MAX_BATCH_ROWS


class IntervalRowIn(Schema):
    """One canonical reading. Types are loose on purpose: a bad value rejects its row (with the
    index and reason in the answer), not the whole batch."""

    meter_number: Any = Field(None, description="Meter number (1–20 letters, digits or '-')")
    interval_start: Any = Field(
        None,
        description="ISO 8601 start of the interval; without an offset it is read as WIB",
        examples=["2026-11-22T17:00:00+07:00"],
    )
    interval_minutes: Any = Field(None, description="5, 10, 15, 30 or 60")
    kwh: Any = Field(None, description="Energy in kWh (≥ 0, at most 6 decimals)")
    kvarh: Any = Field(None, description="Optional reactive energy in kVArh")
    quality: Any = Field(None, description="Optional: A (actual, default) or E (estimated)")


# Rows are taken as they come (any JSON value) so that one malformed row is rejected alone;
# the OpenAPI document still describes them as IntervalRowIn objects.
_ROW_SCHEMA = {
    "type": "object",
    "title": "IntervalRowIn",
    "properties": IntervalRowIn.model_json_schema()["properties"],
    "required": ["meter_number", "interval_start", "interval_minutes", "kwh"],
}


class BatchIn(Schema):
    rows: Annotated[
        list[Any], WithJsonSchema({"type": "array", "items": _ROW_SCHEMA})
    ] = Field(..., description=f"At most {MAX_BATCH_ROWS} rows; a larger batch is refused with 413")


class RejectedRowOut(Schema):
    index: int = Field(..., description="0-based position of the row in `rows`")
    reason: str
    field: str
    message: str


class BatchOut(Schema):
    batch_id: str
    rows_received: int
    rows_landed: int
    already_in_lake: int
    duplicates_in_batch: int
    rows_rejected: int
    conflicts: int
    rejected: list[RejectedRowOut]
    replayed: bool = Field(
        ..., description="True when this answer repeats an earlier one for the Idempotency-Key"
    )


class ProfilePointOut(Schema):
    start: dt.datetime
    end: dt.datetime
    kwh: Decimal | None = Field(..., description="None: missing (e.g. an outage)")
    quality: str = Field(..., description="A actual, E (partly) estimated, M missing")
    estimated: bool
    methods: list[str] = Field(
        ..., description="Estimation methods used: linear_interpolation, comparable_day_profile"
    )
    intervals: int
    estimated_intervals: int
    missing_intervals: int
    kwh_wbp: Decimal | None = None
    kwh_lwbp: Decimal | None = None
    kvarh: Decimal | None = None
    max_demand_kw: Decimal | None = None
    kwh_estimated: Decimal = Field(..., description="The estimated part of `kwh`")


class LoadProfileOut(Schema):
    subject: str
    meter_numbers: list[str]
    resolution: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    unit: str
    total_kwh: Decimal
    estimated_kwh: Decimal
    points: list[ProfilePointOut]
