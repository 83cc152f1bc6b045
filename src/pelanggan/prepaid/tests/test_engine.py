"""Edges of the engine that the vectors do not reach: input validation and small helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pelanggan.prepaid.sts import (
    BaseDate,
    DecoderKey,
    EncryptionAlgorithm,
    FieldRangeError,
    KeyAttributes,
    KeyChange,
    KeyMaterialError,
    MeterState,
    Service,
    Set2ndSectionDecoderKey,
    SetMaximumPowerLimit,
    TidError,
    TokenFormatError,
    TransferCredit,
    encode_quantity,
    encode_token,
    format_grouped,
    meter_pan,
    next_free_tid,
    parse_token,
    tid_for,
)
from pelanggan.prepaid.sts.meter_json import meter_state_from, meter_state_to_dict

STA_KEY = DecoderKey(bytes.fromhex("e653341f9d5bf36f"), EncryptionAlgorithm.STA)


def test_tokens_keep_leading_zeros_and_group_in_fours() -> None:
    assert parse_token("00000000000150997584") == 150997584
    assert parse_token("0000-0000-0001-5099-7584") == 150997584
    assert format_grouped("00000000000150997584") == "0000 0000 0001 5099 7584"
    assert parse_token("73786976294838206463") == (1 << 66) - 1
    with pytest.raises(TokenFormatError, match="2\\^66"):
        parse_token("73786976294838206464")
    with pytest.raises(TokenFormatError, match="as text"):
        parse_token(29054347139309851356)  # type: ignore[arg-type]


def test_quantities_round_up_to_a_tenth_then_to_a_codable_value() -> None:
    assert encode_quantity(Decimal("25.6")).field == 0x0100
    assert encode_quantity(Decimal("10.01")).base_units == 101
    assert encode_quantity(Decimal("1638.5")).base_units == 16394  # 0x4001 = 1639.4 kWh
    assert encode_quantity(Decimal("18022.3")).field == 0x8000
    with pytest.raises(FieldRangeError, match="negative"):
        encode_quantity(Decimal("-0.1"))
    with pytest.raises(FieldRangeError, match="finite"):
        encode_quantity(Decimal("NaN"))
    credit = TransferCredit.of(service=Service.WATER, amount=Decimal("1638.5"), tid=1, rnd=0)
    assert credit.amount == Decimal("1639.4")
    assert SetMaximumPowerLimit.of(watts=Decimal("16384.5"), tid=1, rnd=0).watts == 16394


def test_tariff_index_is_binary_in_the_second_section() -> None:
    section = Set2ndSectionDecoderKey(ken_low=0, tariff_index=99, key_part=0)
    assert (section.pack() >> 32) & 0xFF == 0x63
    with pytest.raises(FieldRangeError, match=r"0\.\.99"):
        Set2ndSectionDecoderKey(ken_low=0, tariff_index=0x99, key_part=0)


def test_key_validation_never_echoes_the_key() -> None:
    with pytest.raises(KeyMaterialError) as caught:
        DecoderKey.from_hex("e653341f9d5bf3", "07")
    assert "e653" not in str(caught.value)
    assert "e653" not in repr(STA_KEY)
    with pytest.raises(KeyMaterialError, match="16 bytes"):
        DecoderKey(bytes(8), EncryptionAlgorithm.MISTY1)
    assert EncryptionAlgorithm.from_code("EA11") is EncryptionAlgorithm.MISTY1
    with pytest.raises(KeyMaterialError, match="ea_code"):
        EncryptionAlgorithm.from_code("09")


def test_key_attributes_and_pan() -> None:
    assert meter_pan("600727", "12345678903") == "600727123456789030"
    assert meter_pan("0000", "0100000000008") == "000001000000000082"
    with pytest.raises(KeyMaterialError, match="tariff_index"):
        KeyAttributes(
            key_type=2, supply_group_code="123456", tariff_index="1", key_revision_number=1
        )
    with pytest.raises(KeyMaterialError, match="key_type"):
        KeyAttributes(
            key_type=4, supply_group_code="123456", tariff_index="01", key_revision_number=1
        )


def test_tid_needs_an_aware_time_inside_the_period() -> None:
    with pytest.raises(TidError, match="timezone-aware"):
        tid_for(dt.datetime(2020, 1, 1), BaseDate.Y1993)
    with pytest.raises(TidError, match="before"):
        tid_for(dt.datetime(2013, 12, 31, 23, 59, tzinfo=dt.UTC), BaseDate.Y2014)
    with pytest.raises(TidError, match="past the end"):
        tid_for(dt.datetime(2024, 11, 24, 20, 16, tzinfo=dt.UTC), BaseDate.Y1993)
    wib = dt.timezone(dt.timedelta(hours=7))
    assert tid_for(dt.datetime(2014, 1, 1, 8, 0, tzinfo=wib), BaseDate.Y2014, zone=wib) == 480
    assert BaseDate.Y1993.following is BaseDate.Y2014
    assert BaseDate.Y2035.following is None


def test_next_free_tid_never_repeats_or_goes_back() -> None:
    assert next_free_tid(100, None) == 100
    assert next_free_tid(100, 100) == 101
    assert next_free_tid(90, 100) == 101
    with pytest.raises(FieldRangeError):
        next_free_tid(0xFFFFFF, 0xFFFFFF)


def test_128_bit_key_change_needs_the_supply_group_code() -> None:
    new_key = DecoderKey(bytes(16), EncryptionAlgorithm.MISTY1)
    change = KeyChange(
        new_key=new_key,
        key_expiry_number=255,
        key_revision_number=1,
        key_type=2,
        tariff_index=1,
        rollover=False,
    )
    with pytest.raises(KeyMaterialError, match="supply_group_code"):
        change.sections()


def test_class_0_needs_a_key() -> None:
    credit = TransferCredit(tid=1, value_field=1, rnd=0)
    with pytest.raises(KeyMaterialError, match="need a decoder key"):
        encode_token(credit)


def test_meter_state_json_round_trip_with_pending_section() -> None:
    change = KeyChange(
        new_key=DecoderKey(bytes(range(8)), EncryptionAlgorithm.STA),
        key_expiry_number=255,
        key_revision_number=2,
        key_type=2,
        tariff_index=1,
        rollover=True,
    )
    state = MeterState(decoder_key=STA_KEY, tid_memory=(5, 9), credit_limit=Decimal("999.9"))
    state = state.enter(change.tokens(STA_KEY)[0].token).state
    assert len(state.pending_key_sections) == 1
    assert meter_state_from(meter_state_to_dict(state)) == state
