"""Meter-side rules: CRC, DDTK, key expiry, TID memory, key change with roll-over."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pelanggan.prepaid.sts import (
    BaseDate,
    ClearCredit,
    ClearTamperCondition,
    DecoderKey,
    EncryptionAlgorithm,
    InitiateMeterTest,
    KeyChange,
    MeterState,
    MeterVerdict,
    Service,
    SetMaximumPowerLimit,
    TransferCredit,
    encode_token,
)
from pelanggan.prepaid.sts.tokens import CurrencyCredit

STA_KEY = DecoderKey(bytes.fromhex("e653341f9d5bf36f"), EncryptionAlgorithm.STA)
NEW_STA_KEY = DecoderKey(bytes.fromhex("f469dc6937c04441"), EncryptionAlgorithm.STA)
MISTY_KEY = DecoderKey(
    bytes.fromhex("f94b6ed353c3bfdb113e2d3a7ea3c41d"), EncryptionAlgorithm.MISTY1
)
NEW_MISTY_KEY = DecoderKey(
    bytes.fromhex("b208834372ef892ef6e04c28593090d4"), EncryptionAlgorithm.MISTY1
)


def credit(tid: int, kwh: str = "1.0", key: DecoderKey = STA_KEY) -> str:
    payload = TransferCredit.of(service=Service.ELECTRICITY, amount=Decimal(kwh), tid=tid, rnd=5)
    return encode_token(payload, key).token


def test_credit_is_added_once_then_used() -> None:
    meter = MeterState(decoder_key=STA_KEY)
    first = meter.enter(credit(1000, "25.6"))
    assert first.verdict is MeterVerdict.ACCEPTED
    assert first.state.credit_of(Service.ELECTRICITY) == Decimal("25.6")
    assert first.state.tid_memory == (1000,)
    again = first.state.enter(credit(1000, "25.6"))
    assert again.verdict is MeterVerdict.USED
    assert again.state is first.state


def test_bad_digits_are_format_and_a_wrong_key_is_a_crc_error() -> None:
    meter = MeterState(decoder_key=STA_KEY)
    assert meter.enter("1234").verdict is MeterVerdict.FORMAT
    assert meter.enter("99999999999999999999").verdict is MeterVerdict.FORMAT  # >= 2^66
    assert meter.enter(credit(5, key=NEW_STA_KEY)).verdict is MeterVerdict.CRC_ERROR


def test_default_key_refuses_credit_but_takes_management_tokens() -> None:
    meter = MeterState(decoder_key=STA_KEY, key_type=1)
    assert meter.enter(credit(10)).verdict is MeterVerdict.DDTK
    limit = SetMaximumPowerLimit.of(watts=Decimal(1300), tid=11, rnd=1)
    outcome = meter.enter(encode_token(limit, STA_KEY).token)
    assert outcome.verdict is MeterVerdict.ACCEPTED
    assert outcome.state.power_limit_watts == 1300


def test_key_expiry_compares_the_tid_top_byte_with_ken() -> None:
    meter = MeterState(decoder_key=STA_KEY, key_expiry_number=3)
    assert meter.enter(credit(3 * 65536 + 65535)).verdict is MeterVerdict.ACCEPTED
    assert meter.enter(credit(4 * 65536)).verdict is MeterVerdict.KEY_EXPIRED
    initialisation = replace(meter, key_type=0)
    assert initialisation.enter(credit(4 * 65536)).verdict is MeterVerdict.ACCEPTED


def test_tid_memory_depth_drops_the_oldest_and_rejects_older_as_old() -> None:
    meter = MeterState(decoder_key=STA_KEY, tid_memory_depth=3)
    for tid in (10, 30, 20, 40):
        outcome = meter.enter(credit(tid))
        assert outcome.verdict is MeterVerdict.ACCEPTED
        meter = outcome.state
    assert meter.tid_memory == (20, 30, 40)
    assert meter.enter(credit(10)).verdict is MeterVerdict.OLD  # forgotten, so Old
    assert meter.enter(credit(30)).verdict is MeterVerdict.USED
    assert meter.enter(credit(25)).verdict is MeterVerdict.ACCEPTED  # newer than the oldest


def test_an_unfilled_memory_accepts_older_tids_above_the_manufacture_floor() -> None:
    meter = MeterState(decoder_key=STA_KEY, min_tid=100).enter(credit(500)).state
    assert meter.enter(credit(200)).verdict is MeterVerdict.ACCEPTED
    assert meter.enter(credit(99)).verdict is MeterVerdict.OLD


def test_default_depth_is_50() -> None:
    meter = MeterState(decoder_key=STA_KEY)
    for tid in range(1, 52):
        meter = meter.enter(credit(tid, "0.1")).state
    assert len(meter.tid_memory) == 50
    assert meter.tid_memory[0] == 2
    assert meter.credit_of(Service.ELECTRICITY) == Decimal("5.1")


def test_register_overflow_is_refused_without_using_the_tid() -> None:
    meter = MeterState(decoder_key=STA_KEY, credit_limit=Decimal("10.0"))
    outcome = meter.enter(credit(7, "10.1"))
    assert outcome.verdict is MeterVerdict.OVERFLOW
    assert outcome.state.tid_memory == ()


def test_clear_credit_and_clear_tamper() -> None:
    meter = MeterState(decoder_key=STA_KEY, tampered=True).enter(credit(1, "5")).state
    water = TransferCredit.of(service=Service.WATER, amount=Decimal("2.5"), tid=2, rnd=0)
    meter = meter.enter(encode_token(water, STA_KEY).token).state
    clear = ClearCredit(tid=3, rnd=0, value_field=0)  # register 0: electricity only
    meter = meter.enter(encode_token(clear, STA_KEY).token).state
    assert meter.credit_of(Service.ELECTRICITY) == 0
    assert meter.credit_of(Service.WATER) == Decimal("2.5")
    untamper = ClearTamperCondition(tid=4, rnd=0, value_field=0)
    assert meter.enter(encode_token(untamper, STA_KEY).token).state.tampered is False


def test_meter_test_token_needs_the_meter_manufacturer_code() -> None:
    token = encode_token(InitiateMeterTest(control=1, manufacturer_code=7)).token
    assert MeterState(decoder_key=STA_KEY, manufacturer_code=7).enter(token).verdict is (
        MeterVerdict.ACCEPTED
    )
    assert MeterState(decoder_key=STA_KEY, manufacturer_code=8).enter(token).verdict is (
        MeterVerdict.AUTHENTICATION
    )


def test_currency_credit_is_not_a_function_of_a_kwh_meter() -> None:
    payload = CurrencyCredit(currency_subclass=4, sign_exponent=0, tid=9, amount_field=1)
    token = encode_token(payload, STA_KEY).token
    assert MeterState(decoder_key=STA_KEY).enter(token).verdict is MeterVerdict.FUNCTION


def test_two_section_key_change_with_rollover_clears_tid_memory() -> None:
    meter = MeterState(decoder_key=STA_KEY).enter(credit(5000)).state
    change = KeyChange(
        new_key=NEW_STA_KEY,
        key_expiry_number=200,
        key_revision_number=2,
        key_type=2,
        tariff_index=1,
        rollover=True,
    )
    first, second = change.tokens(STA_KEY)
    stored = meter.enter(second.token)  # sections may arrive in any order
    assert stored.verdict is MeterVerdict.KEY_SECTION_STORED
    assert stored.state.decoder_key == STA_KEY
    installed = stored.state.enter(first.token)
    assert installed.verdict is MeterVerdict.ACCEPTED
    state = installed.state
    assert state.decoder_key == NEW_STA_KEY
    assert (state.key_expiry_number, state.key_revision_number, state.tariff_index) == (200, 2, 1)
    assert state.tid_memory == ()
    assert state.base_date is BaseDate.Y2014
    assert state.pending_key_sections == ()
    # Old-key tokens now fail their CRC; a TID used before the roll-over is fresh again.
    assert state.enter(credit(5001)).verdict is MeterVerdict.CRC_ERROR
    assert state.enter(credit(5000, key=NEW_STA_KEY)).verdict is MeterVerdict.ACCEPTED


def test_key_change_without_rollover_keeps_tid_memory() -> None:
    meter = MeterState(decoder_key=STA_KEY).enter(credit(5000)).state
    change = KeyChange(
        new_key=NEW_STA_KEY,
        key_expiry_number=255,
        key_revision_number=2,
        key_type=2,
        tariff_index=2,
        rollover=False,
    )
    for token in change.tokens(STA_KEY):
        meter = meter.enter(token.token).state
    assert meter.decoder_key == NEW_STA_KEY
    assert meter.tid_memory == (5000,)
    assert meter.base_date is BaseDate.Y1993
    assert meter.enter(credit(5000, key=NEW_STA_KEY)).verdict is MeterVerdict.USED


def test_four_section_key_change_for_misty1() -> None:
    meter = MeterState(decoder_key=MISTY_KEY, supply_group_code="123457")
    change = KeyChange(
        new_key=NEW_MISTY_KEY,
        key_expiry_number=255,
        key_revision_number=1,
        key_type=2,
        tariff_index=2,
        rollover=False,
        supply_group_code="123457",
    )
    tokens = change.tokens(MISTY_KEY)
    assert len(tokens) == 4
    for token in tokens[:3]:
        outcome = meter.enter(token.token)
        assert outcome.verdict is MeterVerdict.KEY_SECTION_STORED
        meter = outcome.state
    outcome = meter.enter(tokens[3].token)
    assert outcome.verdict is MeterVerdict.ACCEPTED
    assert outcome.state.decoder_key == NEW_MISTY_KEY
    assert outcome.state.supply_group_code == "123457"
    assert outcome.state.tariff_index == 2


def test_meter_state_refuses_an_inconsistent_tid_memory() -> None:
    with pytest.raises(ValueError, match="ascending"):
        MeterState(decoder_key=STA_KEY, tid_memory=(5, 3))
    with pytest.raises(ValueError, match="depth"):
        MeterState(decoder_key=STA_KEY, tid_memory=(1, 2, 3), tid_memory_depth=2)


def test_key_change_sections_match_the_compliance_vectors() -> None:
    change = KeyChange(
        new_key=NEW_MISTY_KEY,
        key_expiry_number=255,
        key_revision_number=1,
        key_type=2,
        tariff_index=2,
        rollover=False,
        supply_group_code="123457",
    )
    blocks = [encode_token(s, MISTY_KEY) for s in change.sections()]
    assert blocks[1].token == "46903925208523674737"  # nectar ..._04_CTSA05 ...Token#1
    assert blocks[2].token == "71464563847088610152"  # nectar ..._04_CTSA19.step1CTSA19Test#3
