"""Clock, periods and money: pure code, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pelanggan.platform import clock
from pelanggan.platform.money import RoundingPolicy, format_rupiah, quantize
from pelanggan.platform.periods import InvalidPeriod, Period, find_overlap


def test_frozen_clock_is_utc_and_wib_aware() -> None:
    with clock.frozen(clock.wib(2026, 11, 22, 23, 30)):
        assert clock.now() == dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.UTC)
        assert clock.today_wib() == dt.date(2026, 11, 22)
    with clock.frozen(clock.wib(2026, 11, 23, 6, 0)):
        assert clock.now().date() == dt.date(2026, 11, 22)
        assert clock.today_wib() == dt.date(2026, 11, 23)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.to_wib(dt.datetime(2026, 1, 1))


def test_half_open_periods() -> None:
    jan = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    feb = Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert jan.contains(dt.date(2026, 1, 31))
    assert not jan.contains(dt.date(2026, 2, 1))
    assert not jan.overlaps(feb)
    assert Period(dt.date(2026, 1, 15)).overlaps(feb)
    assert find_overlap([feb, jan]) is None
    assert find_overlap([jan, Period(dt.date(2026, 1, 31), dt.date(2026, 2, 2))]) is not None
    with pytest.raises(InvalidPeriod):
        Period(dt.date(2026, 2, 1), dt.date(2026, 2, 1))


@given(st.dates(), st.integers(1, 400), st.integers(0, 400))
def test_adjacent_periods_never_overlap(start: dt.date, length: int, gap: int) -> None:
    first = Period(start, start + dt.timedelta(days=length)) if start.year < 9000 else None
    if first is None or first.end is None or first.end.year >= 9000:
        return
    second = Period(first.end + dt.timedelta(days=gap), None)
    assert not first.overlaps(second)
    assert first.overlaps(Period(first.end - dt.timedelta(days=1), None))


def test_named_rounding_policies() -> None:
    assert quantize(Decimal("1444.705"), policy=RoundingPolicy.BILL_LINE) == Decimal("1444.71")
    assert quantize(Decimal("34.6199"), policy=RoundingPolicy.TOKEN_KWH) == Decimal("34.6")
    assert quantize("1.0005", policy=RoundingPolicy.ENERGY) == Decimal("1.001")
    with pytest.raises(TypeError):
        quantize(1.5, policy=RoundingPolicy.RUPIAH)  # type: ignore[arg-type]


def test_indonesian_rupiah_format() -> None:
    assert format_rupiah(Decimal("1444.70")) == "Rp1.444,70"
    assert format_rupiah(Decimal("1000000")) == "Rp1.000.000,00"
    assert format_rupiah(Decimal("-20000"), decimals=0) == "-Rp20.000"
