"""STS (IEC 62055-41) token engine: pure code, no Django, no clock, no randomness.

Modules: `tokens` (typed payloads), `codec` (data block, class insertion, 20 digits),
`crypto_sta` (EA07), `misty1` (EA11), `ciphers` (EA codes, decoder keys), `dkga` (DKGA02/04),
`crc`, `amounts`, `tid`, `keychange`, `meter` (meter-side rules), `inputs` (JSON requests with
the vector file's field names). A token is always a 20-character string; keys are bytes in
natural order; amounts are `Decimal` in their unit. See shared/docs/sts.md for the sources.
"""

from pelanggan.prepaid.sts.amounts import (
    AmountCoding,
    decode_amount,
    encode_amount,
    encode_quantity,
)
from pelanggan.prepaid.sts.ciphers import DecoderKey, EncryptionAlgorithm
from pelanggan.prepaid.sts.codec import (
    DecodedToken,
    EncodedToken,
    data_block,
    decode_token,
    encode_token,
    format_grouped,
    parse_token,
)
from pelanggan.prepaid.sts.dkga import KeyAttributes, dkga02, dkga04, meter_pan
from pelanggan.prepaid.sts.errors import (
    FieldRangeError,
    KeyMaterialError,
    StsError,
    TidError,
    TokenFormatError,
    UnsupportedTokenError,
)
from pelanggan.prepaid.sts.keychange import KeyChange
from pelanggan.prepaid.sts.meter import MeterOutcome, MeterState, MeterVerdict
from pelanggan.prepaid.sts.tid import BaseDate, next_free_tid, tid_for
from pelanggan.prepaid.sts.tokens import (
    ClearCredit,
    ClearTamperCondition,
    CurrencyCredit,
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
    TokenClass,
    TokenPayload,
    TransferCredit,
)

__all__ = [
    "AmountCoding", "BaseDate", "ClearCredit", "ClearTamperCondition", "CurrencyCredit",
    "DecodedToken", "DecoderKey", "EncodedToken", "EncryptionAlgorithm", "FieldRangeError",
    "InitiateMeterTest", "KeyAttributes", "KeyChange", "KeyMaterialError", "MeterOutcome",
    "MeterState", "MeterVerdict", "Service", "Set1stSectionDecoderKey", "Set2ndSectionDecoderKey",
    "Set3rdSectionDecoderKey", "Set4thSectionDecoderKey", "SetMaximumPhasePowerUnbalanceLimit",
    "SetMaximumPowerLimit", "SetTariffRate", "SetWaterMeterFactor", "StsError", "TidError",
    "TokenClass", "TokenFormatError", "TokenPayload", "TransferCredit", "UnsupportedTokenError",
    "data_block", "decode_amount", "decode_token", "dkga02", "dkga04", "encode_amount",
    "encode_quantity", "encode_token", "format_grouped", "meter_pan", "next_free_tid",
    "parse_token", "tid_for",
]  # fmt: skip
