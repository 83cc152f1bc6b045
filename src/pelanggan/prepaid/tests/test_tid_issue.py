"""`issue_tid`: minutes since the meter's base date, strictly increasing per meter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.services import issue_tid
from pelanggan.prepaid.sts import BaseDate
from pelanggan.prepaid.tests.conftest import VK02_HEX

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 2026-03-01 10:00:30 UTC: 4442 days (12 years, 3 leap days, Jan+Feb) and 600 minutes after
# 2014-01-01 00:00 UTC, so 4442 * 1440 + 600 = 6 397 080 whole minutes.
AT = dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
TID_AT = 6_397_080


@pytest.fixture
def meter(add_key: Callable[..., Any], register_meter: Callable[..., Any]) -> Any:
    add_key("123456", 1, "02", VK02_HEX)
    return register_meter()


def _last_tid() -> int | None:
    return MeterKeyData.objects.get(meter_number="12345678903").last_tid


def test_same_minute_tokens_get_consecutive_tids(meter: Any) -> None:
    tids = [issue_tid(meter_number="12345678903", issued_at=AT) for _ in range(3)]
    assert tids == [TID_AT, TID_AT + 1, TID_AT + 2]
    assert _last_tid() == TID_AT + 2


def test_later_minutes_and_a_clock_stepping_back(meter: Any) -> None:
    wib = dt.timezone(dt.timedelta(hours=7))
    assert issue_tid(meter_number="12345678903", issued_at=AT) == TID_AT
    # The same instant written in WIB is the same TID (+1 because it is taken).
    assert issue_tid(meter_number="12345678903", issued_at=AT.astimezone(wib)) == TID_AT + 1
    assert issue_tid(meter_number="12345678903", issued_at=AT + dt.timedelta(minutes=10)) == (
        TID_AT + 10
    )
    # The clock steps back an hour: the TID still moves forward.
    assert issue_tid(meter_number="12345678903", issued_at=AT - dt.timedelta(hours=1)) == (
        TID_AT + 11
    )
    assert _last_tid() == TID_AT + 11


def test_a_rolled_back_vend_gives_its_tid_back(meter: Any) -> None:
    class VendFailed(Exception):
        pass

    issued: list[int] = []

    def vend() -> None:
        with transaction.atomic():
            issued.append(issue_tid(meter_number="12345678903", issued_at=AT))
            raise VendFailed

    with pytest.raises(VendFailed):
        vend()
    assert issued == [TID_AT]
    assert _last_tid() is None
    assert issue_tid(meter_number="12345678903", issued_at=AT) == TID_AT


def test_errors(add_key: Callable[..., Any], register_meter: Callable[..., Any]) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    register_meter("11111111111", base_date=BaseDate.Y1993)
    with pytest.raises(NotFound) as missing:
        issue_tid(meter_number="99999999999", issued_at=AT)
    assert missing.value.code == "meter_key_data_not_found"
    with pytest.raises(Conflict) as naive:
        issue_tid(meter_number="11111111111", issued_at=dt.datetime(2024, 1, 1))
    assert naive.value.code == "naive_issue_time"
    # The 1993 period ended at 2024-11-24 20:15 UTC: 20:14 is the last minute.
    last = issue_tid(
        meter_number="11111111111", issued_at=dt.datetime(2024, 11, 24, 20, 14, 59, tzinfo=UTC)
    )
    assert last == 0xFFFFFF - 1
    assert (
        issue_tid(
            meter_number="11111111111", issued_at=dt.datetime(2024, 11, 24, 20, 14, tzinfo=UTC)
        )
        == 0xFFFFFF
    )
    with pytest.raises(Conflict) as ended:
        issue_tid(
            meter_number="11111111111", issued_at=dt.datetime(2024, 11, 24, 20, 14, tzinfo=UTC)
        )
    assert ended.value.code == "tid_period_ended"
    with pytest.raises(Conflict) as ended_later:
        issue_tid(meter_number="11111111111", issued_at=dt.datetime(2025, 1, 1, tzinfo=UTC))
    assert ended_later.value.code == "tid_period_ended"
    assert MeterKeyData.objects.get(meter_number="11111111111").last_tid == 0xFFFFFF
    register_meter("22222222222", base_date=BaseDate.Y2035)
    with pytest.raises(Conflict) as early:
        issue_tid(meter_number="22222222222", issued_at=AT)
    assert early.value.code == "tid_before_base_date"


def test_registration_refuses_bad_or_duplicate_key_data(
    add_key: Callable[..., Any], register_meter: Callable[..., Any]
) -> None:
    with pytest.raises(ValidationFailed, match="no vending key sts-vk-123456-1-dkga02"):
        register_meter()
    add_key("123456", 1, "02", VK02_HEX)
    register_meter()
    with pytest.raises(Conflict, match="already has STS key data"):
        register_meter()
    with pytest.raises(ValidationFailed, match="tariff_index must have 2 digits"):
        register_meter("33333333333", tariff_index="1")
    assert MeterKeyData.objects.count() == 1
