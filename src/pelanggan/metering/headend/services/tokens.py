"""STS class-2 management tokens for remote commands, made with the prepaid engine.

The token is built for the meter's current decoder key (derived through the key store, never
stored) with a fresh TID issued in the caller's transaction, so a rolled-back command gives its
TID back and the meter's TID memory sees strictly increasing identifiers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from pelanggan.prepaid.services import decoder_key_for, issue_tid
from pelanggan.prepaid.sts import (
    ClearTamperCondition,
    SetMaximumPowerLimit,
    encode_token,
)


def power_limit_token(*, meter_number: str, watts: int, issued_at: dt.datetime) -> str:
    """A Set Maximum Power Limit token (class 2, subclass 0). Raises `NotFound` when the meter
    has no STS key data, `Conflict` for TID problems."""
    key = decoder_key_for(meter_number=meter_number)
    tid = issue_tid(meter_number=meter_number, issued_at=issued_at)
    payload = SetMaximumPowerLimit.of(watts=Decimal(watts), tid=tid, rnd=secrets.randbelow(16))
    return encode_token(payload, key).token


def clear_tamper_token(*, meter_number: str, issued_at: dt.datetime) -> str:
    """A Clear Tamper Condition token (class 2, subclass 5)."""
    key = decoder_key_for(meter_number=meter_number)
    tid = issue_tid(meter_number=meter_number, issued_at=issued_at)
    payload = ClearTamperCondition(tid=tid, value_field=0, rnd=secrets.randbelow(16))
    return encode_token(payload, key).token
