"""The `sts` sub-application through Typer's CliRunner, including every bad-input case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from pelanggan.prepaid.cli import sts_app

from .vectors import of_kind

runner = CliRunner()
STA = {"decoder_key_hex": "0abc12def3456789", "ea_code": "07"}


def run_ok(*args: str) -> dict[str, Any]:
    result = runner.invoke(sts_app, list(args))
    assert result.exit_code == 0, result.output
    value: dict[str, Any] = json.loads(result.stdout)
    return value


def run_error(*args: str) -> str:
    result = runner.invoke(sts_app, list(args))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("vector", of_kind("token_generation"))
def test_encode_every_generation_vector(vector: dict[str, Any]) -> None:
    out = run_ok("encode", "--json", json.dumps(vector["inputs"]))
    expected = vector["expected"]
    assert out["token"] == expected["token"]
    assert out["data_block_hex"] == expected["data_block_hex"]
    assert out["encrypted_block_hex"] == expected.get("encrypted_block_hex")


@pytest.mark.parametrize("vector", of_kind("token_decode"))
def test_decode_vectors(vector: dict[str, Any]) -> None:
    inputs = vector["inputs"]
    key = {"decoder_key_hex": inputs["decoder_key_hex"], "ea_code": inputs["ea_code"]}
    out = run_ok("decode", inputs["token"], "--json", json.dumps(key))
    expected = vector["expected"]
    assert out["token_class"] == expected["token_class"]
    assert out["subclass"] == expected["subclass"]
    assert out["data_block_hex"] == expected["data_block_hex"]
    assert out["crc_ok"] is expected.get("crc_ok", expected.get("crc_c_ok"))
    for name, value in expected["fields"].items():
        assert out["fields"][name] == value


def test_decode_prints_amount_and_tid_as_integer() -> None:
    out = run_ok("decode", "2905 4347 1393 0985 1356", "--json", json.dumps(STA))
    assert out["fields"]["tid"] == 1698595
    assert out["fields"]["amount"] == "25.6"
    assert out["fields"]["unit"] == "kWh"
    assert out["encrypted_block_hex"] == "9335c6c96b7352dc"


def test_decode_with_a_meter_state_gives_the_verdict_and_next_state() -> None:
    meter = {**STA, "tid_memory": [1698595]}
    out = run_ok("decode", "29054347139309851356", "--json", json.dumps({"meter": meter}))
    assert out["meter_verdict"] == "Used"
    fresh = run_ok("decode", "29054347139309851356", "--json", json.dumps({"meter": STA}))
    assert fresh["meter_verdict"] == "Accepted"
    assert fresh["meter_state"]["credit"]["electricity"] == "25.6"
    assert fresh["meter_state"]["tid_memory"] == [1698595]


def test_class_1_decodes_without_a_key() -> None:
    out = run_ok("decode", "00000000137573173770")
    assert out["token_class"] == 1
    assert out["fields"]["control_bits_hex"] == "000002000"
    assert out["encrypted_block_hex"] is None


def test_encode_from_an_amount_and_issue_time() -> None:
    request = {
        **STA,
        "token_class": 0,
        "subclass": 0,
        "rnd": 11,
        "amount": "25.6",
        "issue_datetime": "1996-03-25T13:55:22",
        "tid_base_date": "1993-01-01",
    }
    assert run_ok("encode", "--json", json.dumps(request))["token"] == "29054347139309851356"


def test_encode_rounds_a_fractional_amount_up() -> None:
    request = {**STA, "token_class": 0, "subclass": 0, "rnd": 1, "tid": 7, "amount": 1638.41}
    assert run_ok("encode", "--json", json.dumps(request))["fields"]["amount"] == "1639.4"


def test_encode_without_rnd_draws_one() -> None:
    request = {**STA, "token_class": 0, "subclass": 0, "tid": 7, "amount_0p1_units": 1}
    out = run_ok("encode", "--json", json.dumps(request))
    assert 0 <= out["fields"]["rnd"] <= 15


@pytest.mark.parametrize("vector", of_kind("decoder_key_generation"))
def test_keys_derive(vector: dict[str, Any]) -> None:
    out = run_ok("keys", "derive", "--json", json.dumps(vector["inputs"]))
    assert out["decoder_key_hex"] == vector["expected"]["decoder_key_hex"]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("1234567890123456789", "20 digits, not 19"),
        ("123456789012345678901", "20 digits, not 21"),
        ("1234567890123456789a", "only the digits"),
        ("１２３４５６７８９０１２３４５６７８９０", "only the digits"),
        ("73786976294838206464", "2^66"),
        ("99999999999999999999", "2^66"),
    ],
)
def test_decode_refuses_bad_tokens(token: str, message: str) -> None:
    assert message in run_error("decode", token, "--json", json.dumps(STA))


def test_decode_refuses_reserved_class_3() -> None:
    token = f"{3 << 27:020d}"
    assert "class 3" in run_error("decode", token, "--json", json.dumps(STA))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decoder_key_hex": "0abc12def345678g"}, "not valid hexadecimal"),
        ({"decoder_key_hex": "0abc12"}, "8 bytes"),
        ({"ea_code": "09"}, "ea_code"),
        ({"token_class": 3}, "token_class 3"),
        ({"token_class": 2, "subclass": 12}, "subclass 12"),
        ({"amount_field_hex": "zzzz"}, "not valid hexadecimal"),
        ({"amount_0p1_units": 18201625}, "cannot be coded"),
        ({"tid": 1 << 24}, "tid must be"),
        ({"rnd": 16}, "rnd must be"),
        ({"amuont": 1}, "unknown field 'amuont'"),
        ({"tid": 5, "issue_datetime": "1996-03-25T13:55", "tid_base_date": "93"}, "tid does not"),
        ({"issue_datetime": "2025-01-01T00:00", "tid_base_date": "93"}, "past the end"),
    ],
)
def test_encode_refuses_bad_requests(change: dict[str, Any], message: str) -> None:
    request = {**STA, "token_class": 0, "subclass": 0, "rnd": 1, "tid": 7, "amount_0p1_units": 1}
    request.update(change)
    if "issue_datetime" in change and "tid" not in change:
        del request["tid"]
    assert message in run_error("encode", "--json", json.dumps(request))


@pytest.mark.parametrize(
    ("text", "message"), [("{", "not valid JSON"), ("[1]", "JSON object"), ("3", "JSON object")]
)
def test_bad_json(text: str, message: str) -> None:
    assert message in run_error("encode", "--json", text)
    assert message in run_error("keys", "derive", "--json", text)


def test_decode_without_a_key_for_an_encrypted_token() -> None:
    assert "needs a decoder key" in run_error("decode", "29054347139309851356")


def test_derive_refuses_bad_inputs() -> None:
    base = {
        "algorithm": "DKGA02",
        "vending_key_hex": "abababababababab",
        "key_type": 2,
        "supply_group_code": "123456",
        "tariff_index": "01",
        "key_revision_number": 1,
        "iin": "600727",
        "drn": "00000000000",
    }
    assert run_ok("keys", "derive", "--json", json.dumps(base))["decoder_key_hex"] == (
        "e653341f9d5bf36f"
    )
    for change, message in [
        ({"algorithm": "DKGA03"}, "DKGA02' or 'DKGA04"),
        ({"vending_key_hex": "abab"}, "8 bytes"),
        ({"supply_group_code": "12345"}, "6 digits"),
        ({"key_revision_number": 10}, "1..9"),
        ({"drn": "0000000000"}, "11 or 13 digits"),
        ({"decoder_key_hex": "0000000000000000"}, "does not match"),
    ]:
        assert message in run_error("keys", "derive", "--json", json.dumps({**base, **change}))


def test_the_sub_application_does_not_import_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import pelanggan.prepaid.cli; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603
