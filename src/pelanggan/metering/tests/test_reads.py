"""Register reads: each validation rule, review actions, estimation and its replacement,
and consumption across a mid-period exchange."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import Persona, principal_of
from pelanggan.metering.models import ReadValidationPolicy, RegisterRead, ReviewItem
from pelanggan.metering.selectors import consumption_for_period
from pelanggan.metering.services.reads import (
    accept_review,
    correct_review,
    estimate_missing_reads,
    order_reread,
    submit_read,
)
from pelanggan.metering.services.registry import exchange_meter
from pelanggan.metering.tests.factories import NOW, SYSTEM, installed, make_customer, make_meter
from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.models import AuditEvent, OutboxEvent
from pelanggan.platform.periods import Period

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def month(m: int, day: int = 1) -> dt.datetime:
    return clock.wib(2026, m, day)


@pytest.fixture
def officer(make_persona: Any) -> Any:
    return principal_of(make_persona("billing.a", "supervisor", ["53110"]))


@pytest.fixture
def history(officer: Any) -> Any:
    """Meter installed 1 January at 1000 kWh (1.300 VA), then 150 kWh a month to 1 May."""
    make_customer(officer, IDPEL, "123456789")
    inst = installed(officer, IDPEL, "123456789", at=month(1))
    for m, value in ((2, 1150), (3, 1300), (4, 1450), (5, 1600)):
        result = submit(officer, value, month(m))
        assert result.review is None, result.review.reasons
    return inst


def submit(principal: Any, value: Any, at: dt.datetime, **kw: Any) -> Any:
    kw.setdefault("source", "manual")
    return submit_read(
        principal=principal,
        idpel=IDPEL,
        register="kwh_total",
        read_at=at,
        value=value,
        now=NOW,
        **kw,
    )


def codes(result: Any) -> list[str]:
    return [r["code"] for r in result.review.reasons] if result.review else []


def test_plausible_read_is_accepted_with_its_consumption(officer: Any, history: Any) -> None:
    result = submit(officer, "1750", month(6))
    assert result.read.status == "accepted"
    assert result.consumption == Decimal("150.000")
    period = consumption_for_period(history.connection, Period(month(5), month(6)))
    assert period.registers["kwh_total"].quantity == Decimal("150.000")
    assert period.complete


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2200", ["spike"]),
        ("1620", ["dip"]),
        ("1600", ["zero_consumption"]),
        ("1500", ["negative_consumption"]),
        ("2600", ["hours_of_use", "spike"]),
    ],
)
def test_each_rule_sends_the_read_to_review(
    officer: Any, history: Any, value: str, expected: list[str]
) -> None:
    result = submit(officer, value, month(6))
    assert codes(result) == expected
    assert result.read.status == "pending_review"
    assert ReviewItem.objects.get().status == "open"
    # A read under review does not count for billing.
    period = consumption_for_period(history.connection, Period(month(5), month(6)))
    assert not period.complete


def test_stuck_register_after_three_equal_reads(officer: Any, history: Any) -> None:
    first = submit(officer, "1600", month(6))
    accept_review(principal=officer, review_id=first.review.pk, note="rumah kosong", now=NOW)
    accepted = AuditEvent.objects.get(event_type="metering.review.accepted")
    assert (accepted.reason, accepted.actor_label) == ("rumah kosong", "billing.a")
    assert accepted.changes == {"reasons": ["zero_consumption"]}
    second = submit(officer, "1600", month(7))
    assert codes(second) == ["zero_consumption", "stuck_register"]


def test_thresholds_are_data(officer: Any, history: Any) -> None:
    ReadValidationPolicy.objects.create(utility="electricity", spike_factor=5, updated_at=NOW)
    assert submit(officer, "2200", month(6)).review is None


def test_rollover_wraps_and_is_confirmed(officer: Any) -> None:
    make_customer(officer, IDPEL, "123456789")
    inst = installed(
        officer, IDPEL, "123456789", at=month(1), reads={"kwh_total": "99900"}, register_digits=5
    )
    result = submit(officer, "40", month(2))
    assert codes(result) == ["rollover"]
    assert result.consumption == Decimal("140.000")
    accept_review(principal=officer, review_id=result.review.pk, now=NOW)
    period = consumption_for_period(inst.connection, Period(month(1), month(2)))
    assert period.registers["kwh_total"].quantity == Decimal("140.000")


def test_exchange_mid_period_creates_no_false_peak(officer: Any, history: Any) -> None:
    make_meter("987654321")
    exchange_meter(
        principal=officer,
        idpel=IDPEL,
        new_meter_number="987654321",
        exchanged_at=month(5, 16),
        final_reads={"kwh_total": "1675"},
        initial_reads={"kwh_total": "0"},
        reason="meter rusak",
        now=NOW,
    )
    result = submit(officer, "75", month(6))
    assert result.review is None, codes(result)
    period = consumption_for_period(history.connection, Period(month(5), month(6)))
    total = period.registers["kwh_total"]
    assert total.quantity == Decimal("150.000")
    assert [(p.meter_number, p.quantity) for p in total.parts] == [
        ("123456789", Decimal("75.000")),
        ("987654321", Decimal("75.000")),
    ]
    assert total.complete
    assert not total.estimated


def test_meter_factor_scales_consumption(officer: Any) -> None:
    make_customer(officer, IDPEL, "123456789", daya_va="16500", tariff_group="R-3/TR")
    inst = installed(
        officer,
        IDPEL,
        "123456789",
        at=month(1),
        reads={"kwh_total": "10"},
        meter_factor=Decimal(40),
    )
    result = submit(officer, "110", month(2))
    assert result.consumption == Decimal("4000.000")
    period = consumption_for_period(inst.connection, Period(month(1), month(2)))
    assert period.registers["kwh_total"].quantity == Decimal("4000.000")


def test_correction_is_audited_and_needs_a_reason(officer: Any, history: Any) -> None:
    result = submit(officer, "1500", month(6))
    with pytest.raises(ValidationFailed):
        correct_review(principal=officer, review_id=result.review.pk, value="1750", reason=" ")
    assert RegisterRead.objects.get(pk=result.read.pk).status == "pending_review"
    item = correct_review(
        principal=officer, review_id=result.review.pk, value="1750", reason="salah baca digit"
    )
    assert item.status == "corrected"
    corrected = item.corrected_read
    assert corrected is not None
    assert (corrected.value, corrected.replaces_id, corrected.status) == (
        Decimal("1750.000"),
        result.read.pk,
        "accepted",
    )
    assert RegisterRead.objects.get(pk=result.read.pk).status == "superseded"
    event = AuditEvent.objects.get(event_type="metering.review.corrected")
    assert event.changes == {"value": {"old": "1500.000", "new": "1750.000"}}
    assert event.reason == "salah baca digit"
    with pytest.raises(Conflict):
        accept_review(principal=officer, review_id=result.review.pk)


def test_reread_order_rejects_the_read_and_tells_service_requests(
    officer: Any, history: Any
) -> None:
    result = submit(officer, "2200", month(6))
    order_reread(principal=officer, review_id=result.review.pk, note="foto buram", now=NOW)
    assert RegisterRead.objects.get(pk=result.read.pk).status == "reread_ordered"
    event = OutboxEvent.objects.get(name="metering.reread_ordered")
    assert event.payload["idpel"] == IDPEL
    assert AuditEvent.objects.filter(event_type="metering.review.reread_ordered").count() == 1
    # The re-read lands normally.
    assert submit(officer, "1750", month(6, 2)).read.status == "accepted"


def test_review_of_another_unit_is_not_found(officer: Any, history: Any, agent_b: Persona) -> None:
    result = submit(officer, "2200", month(6))
    with pytest.raises(NotFound):
        accept_review(principal=principal_of(agent_b), review_id=result.review.pk)
    assert ReviewItem.objects.get().status == "open"


def test_estimate_fills_a_missing_read_and_a_real_read_replaces_it(
    officer: Any, history: Any
) -> None:
    june = Period(month(5), month(6))
    (estimate,) = estimate_missing_reads(
        connection_id=history.connection_id, period=june, actor=SYSTEM, now=NOW
    )
    daily = (Decimal(150) / 31 + Decimal(150) / 30) / 2  # median of the four monthly rates
    assert estimate.value == (Decimal(1600) + daily * 31).quantize(Decimal("0.001"))
    assert (estimate.is_estimated, estimate.estimation_method) == (True, "recent_median_daily")
    billed = consumption_for_period(history.connection, june).registers["kwh_total"]
    assert billed.estimated
    assert billed.complete
    assert billed.quantity == estimate.value - 1600
    # Estimating again writes nothing: the period has a read now.
    assert (
        estimate_missing_reads(
            connection_id=history.connection_id, period=june, actor=SYSTEM, now=NOW
        )
        == []
    )

    real = submit(officer, "1760", month(6, 3))
    assert real.superseded_estimates == [estimate.pk]
    assert real.read.replaces_id == estimate.pk
    assert RegisterRead.objects.get(pk=estimate.pk).status == "superseded"
    rebilled = consumption_for_period(history.connection, Period(month(5), month(6, 4)))
    assert rebilled.registers["kwh_total"].quantity == Decimal("160.000")
    assert not rebilled.registers["kwh_total"].estimated


def test_estimate_without_history_is_refused(officer: Any) -> None:
    make_customer(officer, IDPEL, "123456789")
    inst = installed(officer, IDPEL, "123456789", at=month(1))
    with pytest.raises(Conflict):
        estimate_missing_reads(
            connection_id=inst.connection_id,
            period=Period(month(1), month(2)),
            actor=SYSTEM,
            now=NOW,
        )
    assert not RegisterRead.objects.filter(is_estimated=True).exists()


def test_photo_reads_store_the_photo_by_hash(officer: Any, history: Any) -> None:
    with pytest.raises(ValidationFailed):
        submit(officer, "1750", month(6), source="photo")
    with pytest.raises(ValidationFailed):
        submit(officer, "1750", month(6), source="photo", photo=b"GIF89a not allowed")
    result = submit(officer, "1750", month(6), source="photo", photo=PNG)
    path = Path(settings.PELANGGAN_HOME) / "media" / result.read.photo_path
    assert path.read_bytes() == PNG
    assert result.read.photo_path.endswith(".png")
    assert len(result.read.photo_sha256) == 64


def test_bad_reads_are_refused_and_change_nothing(officer: Any, history: Any) -> None:
    before = RegisterRead.objects.count()
    for kwargs in (
        {"value": "-1"},
        {"value": "1000000"},  # 7 digits on a 6-digit register
        {"value": "abc"},
        {"source": "estimated"},
    ):
        with pytest.raises(ValidationFailed):
            submit(officer, kwargs.pop("value", "1750"), month(6), **kwargs)
    with pytest.raises(ValidationFailed):
        submit(officer, "1750", clock.wib(2026, 12, 1))  # future
    with pytest.raises(ValidationFailed):
        submit_read(
            principal=officer,
            idpel=IDPEL,
            register="kwh_wbp",
            read_at=month(6),
            value=1,
            source="manual",
            now=NOW,
        )
    with pytest.raises(Conflict):
        submit(officer, "1750", month(4, 15))  # before the latest real read
    with pytest.raises(NotFound):
        submit(officer, "900", clock.wib(2025, 12, 1))  # before the installation
    assert RegisterRead.objects.count() == before
