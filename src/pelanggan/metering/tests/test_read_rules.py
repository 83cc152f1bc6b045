"""Pure cores: register arithmetic, month shifts and the read rules, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pelanggan.metering.read_rules import PriorRead, ReadFacts, Thresholds, check_read
from pelanggan.metering.registers import advance, registers_of, shift_months
from pelanggan.metering.selectors.reads import register_advance
from pelanggan.platform import clock

JAN = clock.wib(2026, 1, 1)


def facts(value: str, previous: str | None, **kw: object) -> ReadFacts:
    base: dict[str, object] = {
        "register": "kwh_total",
        "value": Decimal(value),
        "read_at": clock.wib(2026, 2, 1),
        "previous": PriorRead(Decimal(previous), JAN) if previous is not None else None,
        "register_digits": 5,
        "meter_factor": Decimal(1),
        "connection_active": True,
        "daya_va": 1300,
    }
    base.update(kw)
    return ReadFacts(**base)  # type: ignore[arg-type]


def test_first_read_has_nothing_to_compare() -> None:
    verdict = check_read(facts("500", None), Thresholds())
    assert (verdict.consumption, verdict.findings) == (None, [])


def test_rollover_can_be_accepted_without_review_by_policy() -> None:
    verdict = check_read(facts("20", "99990"), Thresholds(rollover_needs_review=False))
    assert (verdict.consumption, verdict.wrapped, verdict.findings) == (Decimal("30.000"), True, [])
    far = check_read(facts("50000", "99990"), Thresholds())  # wrap would be 50.010 units
    assert [f.code for f in far.findings] == ["negative_consumption"]


def test_zero_is_fine_on_an_inactive_connection() -> None:
    assert check_read(facts("100", "100", connection_active=False), Thresholds()).findings == []


def test_hours_of_use_boundary() -> None:
    # 31 days = 744 h at 1.3 kVA: 967.2 kWh is exactly the physical maximum.
    assert check_read(facts("967.2", "0"), Thresholds()).findings == []
    assert [f.code for f in check_read(facts("967.3", "0"), Thresholds()).findings] == [
        "hours_of_use"
    ]


def test_registers_of_each_meter() -> None:
    assert registers_of(
        utility="water", kind="water", is_two_rate=False, has_kvarh_register=False
    ) == ["m3"]
    assert registers_of(
        utility="electricity", kind="postpaid_3p", is_two_rate=True, has_kvarh_register=True
    ) == ["kwh_total", "kwh_wbp", "kwh_lwbp", "kvarh"]


def test_shift_months_clamps_the_day() -> None:
    assert shift_months(clock.wib(2026, 3, 31), -1) == clock.wib(2026, 2, 28)
    assert shift_months(clock.wib(2024, 3, 31), -1) == clock.wib(2024, 2, 29)
    assert shift_months(clock.wib(2026, 1, 15), -13) == clock.wib(2024, 12, 15)


@given(
    st.integers(min_value=3, max_value=8),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
)
def test_advance_wraps_back_to_the_later_value(digits: int, a: int, b: int) -> None:
    span = 10**digits
    start, end = Decimal(a % span), Decimal(b % span)
    units = advance(start, end, digits=digits)
    assert 0 <= units < span
    assert (start + units) % span == end


def test_register_advance_only_wraps_when_plausible() -> None:
    share = Decimal("0.1")
    assert register_advance(Decimal(99990), Decimal(10), digits=5, rollover_max_share=share) == 20
    assert register_advance(Decimal(500), Decimal(400), digits=5, rollover_max_share=share) == -100


def test_months_are_aware() -> None:
    assert shift_months(JAN, 1).tzinfo is not None
    assert shift_months(JAN, 1) - JAN == dt.timedelta(days=31)
