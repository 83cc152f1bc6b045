"""Issuing token identifiers (TIDs) per meter: strictly increasing, also under concurrency.

The meter's key-data row is the lock: `select_for_update` on PostgreSQL; on SQLite the
transaction is IMMEDIATE (settings), which takes the database write lock at BEGIN, so writers
queue there. Inside the lock the TID is "now" in minutes since the meter's base date (UTC
midnight, the engine's convention), bumped past the last TID issued, and stored before the
lock is released: two tokens in the same minute get consecutive TIDs, and a clock that steps
back never reissues a TID.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pelanggan.platform.errors import Conflict
from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.services.meters import meter_key_data
from pelanggan.prepaid.sts import BaseDate, FieldRangeError, TidError, next_free_tid, tid_for


def issue_tid(*, meter_number: str, issued_at: dt.datetime) -> int:
    """The next TID for the meter, recorded as its last TID in the caller's transaction (or a
    new one). Call it inside the transaction that stores the token, so a rolled-back vend
    gives its TID back.

    Raises `NotFound` (no key data); `Conflict` with code `tid_period_ended` when the meter's
    base-date period is over (it needs a roll-over key change), `tid_before_base_date`, or
    `naive_issue_time` for an `issued_at` without a time zone.
    """
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise Conflict("The issue time must be timezone-aware", code="naive_issue_time")
    with transaction.atomic():
        row = meter_key_data(meter_number=meter_number, lock=True)
        base_date = BaseDate(row.tid_base_date)
        try:
            tid = next_free_tid(tid_for(issued_at, base_date), row.last_tid)
        except (TidError, FieldRangeError) as error:
            before = issued_at.date() < base_date.date
            raise Conflict(
                str(error),
                code="tid_before_base_date" if before else "tid_period_ended",
                details={"tid_base_date": base_date.date.isoformat()},
            ) from None
        MeterKeyData.objects.filter(pk=row.pk).update(last_tid=tid)
    return tid
