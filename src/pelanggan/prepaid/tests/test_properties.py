"""Property tests: every payload round-trips through 20 digits, a one-digit typo is rejected,
and the fast cipher and amount code agree with plain restatements of sts.md."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pelanggan.prepaid.sts import (
    BaseDate,
    ClearCredit,
    ClearTamperCondition,
    CurrencyCredit,
    DecoderKey,
    EncryptionAlgorithm,
    InitiateMeterTest,
    Service,
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    Set3rdSectionDecoderKey,
    Set4thSectionDecoderKey,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    StsError,
    TokenPayload,
    TransferCredit,
    decode_amount,
    decode_token,
    encode_amount,
    encode_token,
    tid_for,
)
from pelanggan.prepaid.sts.amounts import MAX_BASE_UNITS
from pelanggan.prepaid.sts.codec import extract_class, insert_class
from pelanggan.prepaid.sts.crypto_sta import STS_P, STS_S1, STS_S2, StaCipher
from pelanggan.prepaid.sts.tid import datetime_of_tid

u4, u16, u32 = st.integers(0, 15), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
tids = st.integers(0, 0xFFFFFF)


def _tid_token(cls: type[TokenPayload]) -> st.SearchStrategy[TokenPayload]:
    return st.builds(cls, tid=tids, value_field=u16, rnd=u4)


payloads: st.SearchStrategy[TokenPayload] = st.one_of(
    st.builds(TransferCredit, service=st.sampled_from(Service), tid=tids, value_field=u16, rnd=u4),
    *(
        _tid_token(cls)
        for cls in (
            SetMaximumPowerLimit,
            ClearCredit,
            SetTariffRate,
            ClearTamperCondition,
            SetMaximumPhasePowerUnbalanceLimit,
            SetWaterMeterFactor,
        )
    ),
    st.builds(
        CurrencyCredit,
        currency_subclass=st.integers(4, 7),
        sign_exponent=u4,
        tid=tids,
        amount_field=u16,
    ),
    st.builds(
        Set1stSectionDecoderKey,
        ken_high=u4,
        key_revision_number=u4,
        rollover=st.booleans(),
        key_type=st.integers(0, 3),
        key_part=u32,
        reserved=st.integers(0, 1),
    ),
    st.builds(Set2ndSectionDecoderKey, ken_low=u4, tariff_index=st.integers(0, 99), key_part=u32),
    st.builds(Set3rdSectionDecoderKey, sgc_part=st.integers(0, 0xFFF), key_part=u32),
    st.builds(Set4thSectionDecoderKey, sgc_part=st.integers(0, 0xFFF), key_part=u32),
    st.builds(
        InitiateMeterTest,
        control=st.integers(0, (1 << 36) - 1),
        manufacturer_code=st.integers(0, 0xFF),
    ),
    st.builds(
        InitiateMeterTest,
        control=st.integers(0, (1 << 28) - 1),
        manufacturer_code=u16,
        long_manufacturer_code=st.just(True),
    ),
)
keys = st.one_of(
    st.binary(min_size=8, max_size=8).map(lambda k: DecoderKey(k, EncryptionAlgorithm.STA)),
    st.binary(min_size=16, max_size=16).map(lambda k: DecoderKey(k, EncryptionAlgorithm.MISTY1)),
)


@given(payload=payloads, key=keys)
def test_encode_decode_round_trips_every_field(payload: TokenPayload, key: DecoderKey) -> None:
    encoded = encode_token(payload, key)
    assert isinstance(encoded.token, str)
    assert len(encoded.token) == 20
    assert encoded.token.isdigit()
    decoded = decode_token(encoded.token, key)
    assert decoded.crc_ok
    assert decoded.payload == payload
    assert decoded.data_block == encoded.data_block
    assert (decoded.token_class, decoded.subclass) == (payload.token_class, payload.subclass)


# Derandomized: for an encrypted token a typo is caught by the 16-bit CRC, which a random block
# passes with probability 2^-16; a fixed example set keeps CI deterministic.
@settings(derandomize=True, max_examples=300)
@given(payload=payloads, key=keys, position=st.integers(0, 19), delta=st.integers(1, 9))
def test_a_single_changed_digit_is_rejected(
    payload: TokenPayload, key: DecoderKey, position: int, delta: int
) -> None:
    token = encode_token(payload, key).token
    digit = (int(token[position]) + delta) % 10
    typo = token[:position] + str(digit) + token[position + 1 :]
    try:
        decoded = decode_token(typo, key)
    except StsError:
        return  # >= 2^66 or reserved class 3
    assert not decoded.crc_ok


@given(block=st.integers(0, (1 << 64) - 1), token_class=st.integers(0, 3))
def test_class_insertion_is_invertible(block: int, token_class: int) -> None:
    number = insert_class(block, token_class)
    assert number < 1 << 66
    assert extract_class(number) == (token_class, block)


def _reference_sta_encrypt(key: bytes, block: int) -> int:
    """sts.md 3.2 read literally, one bit at a time."""
    mask = (1 << 64) - 1
    round_key = ~int.from_bytes(key, "big") & mask
    round_key = ((round_key >> 12) | (round_key << 52)) & mask
    for _ in range(16):
        substituted = 0
        for i in range(16):
            box = STS_S2 if (round_key >> (4 * i + 3)) & 1 else STS_S1
            substituted |= box[(block >> (4 * i)) & 0xF] << (4 * i)
        block = 0
        for i in range(64):
            if (substituted >> i) & 1:
                block |= 1 << STS_P[i]
        round_key = ((round_key << 1) | (round_key >> 63)) & mask
    return block


@settings(max_examples=50)
@given(key=st.binary(min_size=8, max_size=8), block=st.integers(0, (1 << 64) - 1))
def test_table_sta_matches_the_bitwise_description(key: bytes, block: int) -> None:
    cipher = StaCipher(key)
    encrypted = cipher.encrypt_block(block)
    assert encrypted == _reference_sta_encrypt(key, block)
    assert cipher.decrypt_block(encrypted) == block


@given(units=st.integers(0, MAX_BASE_UNITS))
def test_amount_coding_rounds_up_to_the_nearest_codable_value(units: int) -> None:
    coding = encode_amount(units)
    assert decode_amount(coding.field) == coding.base_units >= units
    assert coding.field == 0 or decode_amount(coding.field - 1) < units
    assert coding.rounded_up is (coding.base_units != units)


@given(tid=tids, base=st.sampled_from(BaseDate))
def test_tid_and_its_minute_agree(tid: int, base: BaseDate) -> None:
    start = datetime_of_tid(tid, base)
    assert tid_for(start, base) == tid
    assert tid_for(start + dt.timedelta(seconds=59), base) == tid
    jakarta = dt.timezone(dt.timedelta(hours=7))
    assert tid_for(start.astimezone(jakarta), base) == tid
