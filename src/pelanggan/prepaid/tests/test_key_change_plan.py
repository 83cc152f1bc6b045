"""Key-change planning end to end with the engine's meter simulator (`MeterState`): the planned
tokens, entered in order, move the meter to the new key; credit under the new key is then
accepted and credit under the old key refused. Also: no key hex ever reaches the logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.prepaid.keystore import DecoderKeySpec
from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.services import (
    KeyChangeTarget,
    apply_key_change,
    decoder_key_for,
    issue_tid,
    plan_key_change,
    retire_vending_key,
)
from pelanggan.prepaid.services.meters import spec_of
from pelanggan.prepaid.sts import (
    BaseDate,
    DecoderKey,
    EncryptionAlgorithm,
    MeterState,
    MeterVerdict,
    Service,
    TransferCredit,
    encode_token,
    tid_for,
)
from pelanggan.prepaid.tests.conftest import ACTOR, VK02_HEX, VK04_HEX

pytestmark = pytest.mark.django_db

METER = "12345678903"
VK02_REVISION_2_HEX = "0123456789abcdef"
AT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def _credit(key: DecoderKey, tid: int, kwh: str) -> str:
    payload = TransferCredit.of(service=Service.ELECTRICITY, amount=Decimal(kwh), tid=tid, rnd=5)
    return encode_token(payload, key).token


def _simulated_meter(row: MeterKeyData, key: DecoderKey) -> MeterState:
    return MeterState(
        decoder_key=key,
        key_type=row.key_type,
        key_revision_number=row.key_revision_number,
        tariff_index=int(row.tariff_index),
        key_expiry_number=row.key_expiry_number,
        supply_group_code=row.supply_group_code,
        base_date=BaseDate(row.tid_base_date),
    )


def _enter_all(meter: MeterState, tokens: list[str]) -> tuple[MeterState, list[MeterVerdict]]:
    verdicts = []
    for token in tokens:
        outcome = meter.enter(token)
        verdicts.append(outcome.verdict)
        meter = outcome.state
    return meter, verdicts


def test_power_change_and_new_key_revision_sta(
    store: Any,
    add_key: Callable[..., Any],
    register_meter: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # SQL and its parameters go to the log as well
    try:
        add_key("123456", 1, "02", VK02_HEX)
        add_key("123456", 2, "02", VK02_REVISION_2_HEX)
        row = register_meter(METER)
        old_key = decoder_key_for(meter_number=METER, store=store)
        meter = _simulated_meter(row, old_key)
        first_tid = issue_tid(meter_number=METER, issued_at=AT)
        meter, verdicts = _enter_all(meter, [_credit(old_key, first_tid, "10.0")])
        assert verdicts == [MeterVerdict.ACCEPTED]

        target = KeyChangeTarget(key_revision_number=2, tariff_index="02")
        tokens = plan_key_change(meter_number=METER, target=target, actor=ACTOR, store=store)
        # Planning changes nothing but the audit trail: asking again gives the same tokens.
        assert plan_key_change(meter_number=METER, target=target, actor=ACTOR, store=store) == (
            tokens
        )
        assert len(tokens) == 2
        assert all(len(token) == 20 and token.isdigit() for token in tokens)

        meter, verdicts = _enter_all(meter, tokens)
        assert verdicts == [MeterVerdict.KEY_SECTION_STORED, MeterVerdict.ACCEPTED]
        apply_key_change(meter_number=METER, target=target, actor=ACTOR, store=store)
        new_key = decoder_key_for(meter_number=METER, store=store)
        assert new_key.key != old_key.key
        assert meter.decoder_key == new_key
        assert (meter.key_revision_number, meter.tariff_index, meter.key_type) == (2, 2, 2)

        accepted = meter.enter(
            _credit(new_key, issue_tid(meter_number=METER, issued_at=AT), "20.0")
        )
        refused = accepted.state.enter(
            _credit(old_key, issue_tid(meter_number=METER, issued_at=AT), "5.0")
        )
        assert accepted.verdict is MeterVerdict.ACCEPTED
        assert refused.verdict is MeterVerdict.CRC_ERROR
        assert refused.state.credit_of(Service.ELECTRICITY) == Decimal("30.0")
        stored = MeterKeyData.objects.get(meter_number=METER)
        assert (stored.key_revision_number, stored.tariff_index, stored.last_tid) == (
            2,
            "02",
            first_tid + 2,
        )
    finally:
        connection.force_debug_cursor = False

    secrets = [VK02_HEX, VK02_REVISION_2_HEX, old_key.key.hex(), new_key.key.hex()]
    logged = caplog.text.lower()
    assert "prepaid_meterkeydata" in logged  # the SQL log was captured
    assert [secret for secret in secrets if secret in logged] == []
    audited = " ".join(f"{e.changes} {e.subject_ids} {e.reason}" for e in AuditEvent.objects.all())
    assert [secret for secret in secrets if secret in audited.lower()] == []
    assert not any(token in audited for token in tokens)


def test_audit_of_a_plan_names_attributes_only(
    store: Any, add_key: Callable[..., Any], register_meter: Callable[..., Any]
) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123456", 2, "02", VK02_REVISION_2_HEX)
    register_meter(METER)
    plan_key_change(
        meter_number=METER,
        target=KeyChangeTarget(key_revision_number=2, key_expiry_number=200),
        actor=ACTOR,
        store=store,
    )
    event = AuditEvent.objects.get(event_type="prepaid.key_change.planned")
    assert (event.subject_type, event.subject_ids, event.reason) == (
        "prepaid.meter",
        [METER],
        "2 key-change tokens",
    )
    assert event.changes == {
        "supply_group_code": {"old": "123456", "new": "123456"},
        "key_revision_number": {"old": 1, "new": 2},
        "key_type": {"old": 2, "new": 2},
        "tariff_index": {"old": "01", "new": "01"},
        "key_expiry_number": {"old": 255, "new": 200},
        "tid_base_date": {"old": "14", "new": "14"},
        "dkga": {"old": "02", "new": "02"},
        "ea_code": {"old": "07", "new": "07"},
        "rollover": False,
    }


def test_base_date_roll_over_misty1_dkga04(
    store: Any, add_key: Callable[..., Any], register_meter: Callable[..., Any]
) -> None:
    add_key("123457", 1, "04", VK04_HEX)
    row = register_meter(
        "00000000000",
        sgc="123457",
        dkga="04",
        algorithm=EncryptionAlgorithm.MISTY1,
        base_date=BaseDate.Y1993,
    )
    before_end = dt.datetime(2024, 11, 20, 8, 0, tzinfo=dt.UTC)
    old_key = decoder_key_for(meter_number="00000000000", store=store)
    old_tid = issue_tid(meter_number="00000000000", issued_at=before_end)
    meter = _simulated_meter(row, old_key)
    meter = meter.enter(_credit(old_key, old_tid, "1.0")).state
    assert meter.tid_memory == (old_tid,)

    target = KeyChangeTarget(base_date=BaseDate.Y2014)
    tokens = plan_key_change(meter_number="00000000000", target=target, actor=ACTOR, store=store)
    meter, verdicts = _enter_all(meter, tokens)
    apply_key_change(meter_number="00000000000", target=target, actor=ACTOR, store=store)

    assert verdicts == [MeterVerdict.KEY_SECTION_STORED] * 3 + [MeterVerdict.ACCEPTED]
    assert (meter.base_date, meter.tid_memory, meter.supply_group_code) == (
        BaseDate.Y2014,
        (),
        "123457",
    )
    new_key = decoder_key_for(meter_number="00000000000", store=store)
    assert meter.decoder_key == new_key
    assert MeterKeyData.objects.get(meter_number="00000000000").last_tid is None
    after = dt.datetime(2024, 12, 1, 0, 0, tzinfo=dt.UTC)
    new_tid = issue_tid(meter_number="00000000000", issued_at=after)
    assert new_tid == tid_for(after, BaseDate.Y2014) == 5_741_280  # 3987 days * 1440
    assert meter.enter(_credit(new_key, new_tid, "2.0")).verdict is MeterVerdict.ACCEPTED
    assert meter.enter(_credit(old_key, new_tid, "2.0")).verdict is MeterVerdict.CRC_ERROR


def test_refusals(
    store: Any, add_key: Callable[..., Any], register_meter: Callable[..., Any]
) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123456", 2, "02", VK02_REVISION_2_HEX)
    register_meter(METER, base_date=BaseDate.Y1993)

    def plan(target: KeyChangeTarget) -> list[str]:
        return plan_key_change(meter_number=METER, target=target, actor=ACTOR, store=store)

    with pytest.raises(Conflict) as same:
        plan(KeyChangeTarget(base_date=BaseDate.Y2014))  # DKGA02 ignores the base date
    assert same.value.code == "key_change_same_key"
    with pytest.raises(ValidationFailed, match="base date after its current one"):
        plan(KeyChangeTarget(key_revision_number=2, base_date=BaseDate.Y2035))
    with pytest.raises(ValidationFailed, match="no vending key sts-vk-123456-3-dkga02"):
        plan(KeyChangeTarget(key_revision_number=3))
    with pytest.raises(ValidationFailed, match="tariff_index must have 2 digits"):
        plan(KeyChangeTarget(tariff_index="100"))
    retire_vending_key(
        supply_group_code="123456", key_revision_number=2, dkga="02", actor=ACTOR, store=store
    )
    with pytest.raises(ValidationFailed, match="sts-vk-123456-2-dkga02 is retired"):
        plan(KeyChangeTarget(key_revision_number=2))
    # The meter's own (retired) key still derives, so it can be moved off it.
    retire_vending_key(
        supply_group_code="123456", key_revision_number=1, dkga="02", actor=ACTOR, store=store
    )
    row = MeterKeyData.objects.get(meter_number=METER)
    assert isinstance(spec_of(row), DecoderKeySpec)
    assert len(decoder_key_for(meter_number=METER, store=store).key) == 8
    assert AuditEvent.objects.filter(event_type="prepaid.key_change.planned").count() == 0
