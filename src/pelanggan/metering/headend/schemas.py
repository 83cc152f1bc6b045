"""API shapes of the head-end (remote commands)."""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field


class CommandIn(Schema):
    meter_number: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")
    kind: str = Field(description="on_demand_read, relay_connect, relay_disconnect, "
                      "deliver_token, set_power_limit, clear_tamper")
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description='deliver_token: {"token": "20 digits"}; set_power_limit: {"watts": 2200}; '
        "others: {}",
    )
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=80)


class CommandOut(Schema):
    command_id: uuid.UUID
    meter_number: str
    kind: str
    status: str
    attempts: int
    max_attempts: int
    watts: int | None = None
    requested_by: str
    requested_at: dt.datetime
    sent_at: dt.datetime | None
    replied_at: dt.datetime | None
    finished_at: dt.datetime | None
    failure_reason: str
    reply: dict[str, Any]
