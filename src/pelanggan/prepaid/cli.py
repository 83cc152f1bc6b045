"""`pelanggan sts ...`: encode, decode and derive keys for STS tokens from scripts.

A Typer sub-application (`sts_app`) that the main CLI mounts; it never imports Django. Input is
one JSON object with the field names of the public vector file; output is one JSON object on
stdout. Bad input gives one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Annotated, Any, NoReturn

import typer

from pelanggan.prepaid.sts.codec import DecodedToken, decode_token, encode_token, format_grouped
from pelanggan.prepaid.sts.describe import describe
from pelanggan.prepaid.sts.errors import StsError
from pelanggan.prepaid.sts.inputs import payload_from
from pelanggan.prepaid.sts.key_inputs import KEY_FIELDS, check_known, decoder_key_from, derive_key
from pelanggan.prepaid.sts.meter_json import meter_state_from, meter_state_to_dict

sts_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="STS (IEC 62055-41) prepaid tokens: encode, decode, derive decoder keys",
)
keys_app = typer.Typer(no_args_is_help=True, help="Decoder keys (DKGA02, DKGA04)")
sts_app.add_typer(keys_app, name="keys")

JsonOption = Annotated[str, typer.Option("--json", help="The request as one JSON object")]
_DECODE_FIELDS = KEY_FIELDS | {"meter"}
_TID_SUBCLASSES = {0: {0, 1, 2, 3}, 2: {0, 1, 2, 5, 6, 7}}


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _load(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        _fail(f"--json is not valid JSON ({error.msg} at column {error.colno})")
    if not isinstance(value, dict):
        _fail("--json must be a JSON object")
    return value


def _print(value: dict[str, Any]) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _decoded_json(decoded: DecodedToken) -> dict[str, Any]:
    encrypted = decoded.encrypted_block
    return {
        "token": decoded.token,
        "token_class": int(decoded.token_class),
        "subclass": decoded.subclass,
        "data_block_hex": decoded.data_block_hex,
        "encrypted_block_hex": None if encrypted is None else f"{encrypted:016x}",
        "crc_ok": decoded.crc_ok,
        "fields": None if decoded.payload is None else describe(decoded.payload),
    }


@sts_app.command("encode")
def encode(request: JsonOption) -> None:
    """Build a token. Without "rnd", a random RND nibble is drawn."""
    fields = _load(request)
    token_class, subclass = fields.get("token_class"), fields.get("subclass")
    tid_subclasses = (
        _TID_SUBCLASSES.get(token_class, set()) if isinstance(token_class, int) else set()
    )
    if "rnd" not in fields and subclass in tid_subclasses:
        fields["rnd"] = secrets.randbelow(16)
    try:
        payload = payload_from(fields)
        key = None if fields.get("token_class") == 1 else decoder_key_from(fields)
        encoded = encode_token(payload, key)
    except StsError as error:
        _fail(str(error))
    _print(
        {
            "token": encoded.token,
            "token_grouped": format_grouped(encoded.token),
            "token_class": int(encoded.token_class),
            "subclass": encoded.subclass,
            "data_block_hex": encoded.data_block_hex,
            "encrypted_block_hex": encoded.encrypted_block_hex,
            "crc_hex": f"{encoded.data_block & 0xFFFF:04x}",
            "fields": describe(payload),
        }
    )


@sts_app.command("decode")
def decode(
    token: Annotated[str, typer.Argument(help="The 20-digit token (spaces allowed)")],
    request: Annotated[
        str, typer.Option("--json", help='Key material and optionally "meter": a meter state')
    ] = "{}",
) -> None:
    """Decode a token; with "meter", also apply the meter's rules and print its new state."""
    fields = _load(request)
    try:
        check_known(fields, _DECODE_FIELDS, "the request")
        meter = meter_state_from(fields["meter"]) if "meter" in fields else None
        has_key = any(name in fields for name in ("decoder_key_hex", "decoder_key_derivation"))
        key = decoder_key_from(fields) if has_key else (meter.decoder_key if meter else None)
        decoded = decode_token(token, key)
    except StsError as error:
        _fail(str(error))
    result = _decoded_json(decoded)
    if meter is not None:
        outcome = meter.enter(token)
        result["meter_verdict"] = outcome.verdict.value
        result["meter_state"] = meter_state_to_dict(outcome.state)
    _print(result)


@keys_app.command("derive")
def derive(request: JsonOption) -> None:
    """Derive a decoder key from DKGA02 or DKGA04 inputs."""
    fields = _load(request)
    try:
        key, ea = derive_key(fields)
    except StsError as error:
        _fail(str(error))
    result: dict[str, Any] = {
        "algorithm": str(fields["algorithm"]).upper(),
        "decoder_key_hex": key.hex(),
    }
    if ea is not None:
        result["ea_code"] = ea.value
    _print(result)
