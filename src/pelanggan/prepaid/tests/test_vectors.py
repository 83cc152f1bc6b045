"""Every public vector, asserted exactly."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from pelanggan.prepaid.sts import (
    BaseDate,
    DecoderKey,
    EncryptionAlgorithm,
    KeyAttributes,
    StsError,
    decode_token,
    dkga02,
    dkga04,
    encode_amount,
    encode_token,
    tid_for,
)
from pelanggan.prepaid.sts.codec import insert_class
from pelanggan.prepaid.sts.crc import token_crc
from pelanggan.prepaid.sts.crypto_sta import StaCipher, StaTables
from pelanggan.prepaid.sts.dkga import dkga02_control_block, dkga02_pan_block, dkga04_message
from pelanggan.prepaid.sts.inputs import payload_from
from pelanggan.prepaid.sts.key_inputs import decoder_key_from
from pelanggan.prepaid.sts.misty1 import Misty1Cipher
from pelanggan.prepaid.sts.tokens import CurrencyCredit

from .vectors import VECTORS, of_kind


def test_the_vector_file_holds_what_these_tests_cover() -> None:
    # If the file grows a new kind, this fails until a test covers it.
    assert Counter(v["kind"] for v in VECTORS) == {
        "token_generation": 53,
        "amount_encoding": 35,
        "token_decode": 4,
        "crc16": 3,
        "decoder_key_generation": 3,
        "tid": 3,
        "misty1_block": 1,
        "sta_with_example_tables": 1,
    }


@pytest.mark.parametrize("vector", of_kind("token_generation"))
def test_token_generation(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    payload = payload_from(inputs)
    key = None if inputs["token_class"] == 1 else decoder_key_from(inputs)
    encoded = encode_token(payload, key)
    assert encoded.token == expected["token"]
    assert encoded.data_block_hex == expected["data_block_hex"]
    assert encoded.encrypted_block_hex == expected.get("encrypted_block_hex")
    if "crc_hex" in expected:
        assert f"{encoded.data_block & 0xFFFF:04x}" == expected["crc_hex"]
    decoded = decode_token(expected["token"], key)
    assert decoded.crc_ok
    assert decoded.payload == payload
    assert decoded.data_block_hex == expected["data_block_hex"]


@pytest.mark.parametrize("vector", of_kind("token_decode"))
def test_token_decode(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    key = DecoderKey.from_hex(inputs["decoder_key_hex"], inputs["ea_code"])
    decoded = decode_token(inputs["token"], key)
    assert decoded.token_class == expected["token_class"]
    assert decoded.subclass == expected["subclass"]
    assert decoded.data_block_hex == expected["data_block_hex"]
    fields = expected["fields"]
    payload = decoded.payload
    if isinstance(payload, CurrencyCredit):
        assert decoded.crc_ok is expected["crc_c_ok"]
        # The plain CRC really does fail on these blocks: only CRC_C matches.
        plain = token_crc((decoded.token_class << 48) | (decoded.data_block >> 16))
        assert (plain == decoded.data_block & 0xFFFF) is expected["plain_crc_ok"]
        assert payload.sign_exponent == fields["sign_and_exponent_nibble"]
        assert payload.tid == fields["tid"]
        assert f"{payload.amount_field:04x}" == fields["amount_field_hex"]
    else:
        assert decoded.crc_ok is expected["crc_ok"]
        assert payload is not None
        assert payload.rnd == fields["rnd"]  # type: ignore[attr-defined]
        assert payload.tid == fields["tid"]  # type: ignore[attr-defined]
        assert f"{payload.value_field:04x}" == fields["field16_hex"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("vector", of_kind("amount_encoding"))
def test_amount_encoding(vector: dict[str, Any]) -> None:
    expected = vector["expected"]
    coding = encode_amount(vector["inputs"]["transfer_amount_0p1_units"])
    assert f"{coding.field:04x}" == expected["amount_field_hex"]
    assert coding.exponent == expected["exponent"]
    assert coding.mantissa == expected["mantissa"]
    assert coding.base_units == expected["decoded_0p1_units"]
    assert coding.rounded_up is expected["rounded_up"]


@pytest.mark.parametrize("vector", of_kind("crc16"))
def test_crc16(vector: dict[str, Any]) -> None:
    value = int(vector["inputs"]["value_50bit_hex"], 16)
    assert f"{token_crc(value):04x}" == vector["expected"]["crc_field_hex"]


@pytest.mark.parametrize("vector", of_kind("decoder_key_generation"))
def test_decoder_key_generation(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    attributes = KeyAttributes(
        key_type=inputs["key_type"],
        supply_group_code=inputs["supply_group_code"],
        tariff_index=inputs["tariff_index"],
        key_revision_number=inputs["key_revision_number"],
    )
    vending_key = bytes.fromhex(inputs["vending_key_hex"])
    if inputs["algorithm"] == "DKGA02":
        iin, drn = inputs["iin"], inputs["iain_or_drn"]
        assert dkga02_pan_block(iin, drn, attributes.key_type) == expected["pan_block"]
        assert dkga02_control_block(attributes) == expected["control_block"]
        key = dkga02(vending_key=vending_key, attributes=attributes, iin=iin, drn=drn)
    else:
        base_date = BaseDate.parse(inputs["base_date_code"])
        algorithm = EncryptionAlgorithm.from_code(inputs["ea_code"])
        message = dkga04_message(
            attributes=attributes,
            base_date=base_date,
            algorithm=algorithm,
            meter_pan=inputs["meter_pan"],
        )
        assert message.hex() == expected["kdf_input_hex"]
        key = dkga04(
            vending_key=vending_key,
            attributes=attributes,
            base_date=base_date,
            algorithm=algorithm,
            meter_pan=inputs["meter_pan"],
        )
        assert expected["hmac_sha256_hex"].startswith(key.hex())
    assert key.hex() == expected["decoder_key_hex"]


@pytest.mark.parametrize("vector", of_kind("tid"))
def test_tid(vector: dict[str, Any]) -> None:
    inputs = vector["inputs"]
    issued_at = dt.datetime.fromisoformat(inputs["issue_datetime"]).replace(tzinfo=dt.UTC)
    assert tid_for(issued_at, BaseDate.parse(inputs["base_date"])) == vector["expected"]["tid"]


@pytest.mark.parametrize("vector", of_kind("misty1_block"))
def test_misty1_block(vector: dict[str, Any]) -> None:
    cipher = Misty1Cipher(bytes.fromhex(vector["inputs"]["key_hex"]))
    plaintext = bytes.fromhex(vector["inputs"]["plaintext_hex"])
    ciphertext = cipher.encrypt(plaintext)
    assert ciphertext.hex() == vector["expected"]["ciphertext_hex"]
    assert cipher.decrypt(ciphertext) == plaintext


def test_misty1_rfc2994_first_vector() -> None:
    cipher = Misty1Cipher(bytes.fromhex("00112233445566778899aabbccddeeff"))
    assert cipher.encrypt(bytes.fromhex("0123456789abcdef")).hex() == "8b1da5f56ab3d07c"


@pytest.mark.parametrize("vector", of_kind("sta_with_example_tables"))
def test_sta_with_example_tables(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    tables = StaTables(inputs["sample_S1"], inputs["sample_S2"], inputs["sample_P"])
    cipher = StaCipher(bytes.fromhex(inputs["decoder_key_hex"]), tables)
    block = int(inputs["data_block_hex"], 16)
    encrypted = cipher.encrypt_block(block)
    assert f"{encrypted:016x}" == expected["encrypted_block_hex"]
    assert cipher.decrypt_block(encrypted) == block
    number = insert_class(encrypted, inputs["token_class"])
    assert f"{number:x}" == expected["token_66bit_hex"]
    assert f"{number:020d}" == expected["token"]


def test_every_one_digit_typo_of_every_vector_token_is_rejected() -> None:
    checked = 0
    for vector in VECTORS:
        if vector["kind"] != "token_generation":
            continue
        inputs, token = vector["inputs"], vector["expected"]["token"]
        key = decoder_key_from(inputs) if inputs["token_class"] != 1 else None
        for position in range(20):
            for delta in range(1, 10):
                digit = (int(token[position]) + delta) % 10
                typo = token[:position] + str(digit) + token[position + 1 :]
                try:
                    decoded = decode_token(typo, key)
                except StsError:
                    # >= 2^66, reserved class 3, or a class-1 token turned into class 0/2
                    checked += 1
                    continue
                assert not decoded.crc_ok, typo
                checked += 1
    assert checked == 53 * 20 * 9
