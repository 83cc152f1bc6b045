"""Utility identifiers and small structured fields of the customer master.

* IDPEL (ID pelanggan): PLN's 12-digit customer number, printed on the meter and the bill.
* Meter numbers: a prepaid electricity meter number has 11 digits (tokens are bought for it);
  postpaid electricity meters and water meters carry manufacturer serials of varying shape.
* Daya (contracted power, VA): one of PLN's standard steps, which follow the breaker sizes.
* Coordinates of a premise, postal codes and e-mail addresses.
* `mask_nik` for showing a NIK where the full number is not needed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.nik import normalize_nik

Utility = Literal["electricity", "water"]
PaymentMode = Literal["prepaid", "postpaid"]
Phase = Literal[1, 3]

IDPEL_LENGTH = 12
PREPAID_METER_LENGTH = 11
_POSTPAID_METER_LENGTHS = range(6, 16)
_WATER_METER = re.compile(r"[A-Z0-9-]{4,20}")
_SPACES = re.compile(r"\s+")

# Standard connected-power steps (domain rules 1.6), by the breaker (MCB) that limits them.
# Single phase: 2 A ... 100 A.
SINGLE_PHASE_DAYA_VA: tuple[int, ...] = (
    450, 900, 1_300, 2_200, 3_500, 4_400, 5_500, 7_700, 11_000, 13_900, 17_600, 22_000,
)  # fmt: skip
# Three phase: 3 x 6 A ... 3 x 300 A. Larger supplies are medium voltage (TM) with a contracted
# kVA outside these steps (domain rules 1.6: low voltage above 197 kVA only for R-3); they are
# not covered here.
THREE_PHASE_DAYA_VA: tuple[int, ...] = (
    3_900, 6_600, 10_600, 13_200, 16_500, 23_000, 33_000, 41_500, 53_000, 66_000, 82_500,
    105_000, 131_000, 147_000, 164_000, 197_000,
)  # fmt: skip
STANDARD_DAYA_VA: tuple[int, ...] = tuple(sorted(SINGLE_PHASE_DAYA_VA + THREE_PHASE_DAYA_VA))

# Bounding box of Indonesia, degrees WGS84, with a margin of about 0.2 degrees around the extreme
# points: north Rondo island off Weh (about 6.08 N), south Pamana off Rote (about 11.0 S), west
# Benggala island off Aceh (about 94.97 E), east the Papua New Guinea border (about 141.02 E).
# The box also takes in Singapore, parts of Malaysia, Timor-Leste and much sea: it catches
# swapped, garbled or zero coordinates, not the border.
LATITUDE_RANGE = (Decimal("-11.2"), Decimal("6.3"))
LONGITUDE_RANGE = (Decimal("94.7"), Decimal("141.2"))
_COORDINATE_STEP = Decimal("0.000001")  # about 0.11 m; finer is noise for a premise

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


# Message key -> (English, Bahasa Indonesia). The key is the error code, or "code:variant" where
# one code has wording that depends on the case.
_MESSAGES: dict[str, tuple[str, str]] = {
    "idpel_not_digits": ("IDPEL must contain only digits", "IDPEL hanya boleh berisi angka"),
    "idpel_bad_length": ("IDPEL must be 12 digits", "IDPEL harus 12 digit"),
    "meter_number_bad_format": (
        "A water meter number must be 4-20 letters, digits or hyphens",
        "Nomor meter air harus 4-20 huruf, angka atau tanda hubung",
    ),
    "meter_number_not_digits": (
        "An electricity meter number must contain only digits",
        "Nomor meter listrik hanya boleh berisi angka",
    ),
    "meter_number_bad_length:prepaid": (
        "A prepaid meter number must be 11 digits",
        "Nomor meter prabayar harus 11 digit",
    ),
    "meter_number_bad_length:postpaid": (
        "A postpaid meter number must be 6-15 digits",
        "Nomor meter pascabayar harus 6-15 digit",
    ),
    "daya_not_standard": (
        "The contracted power is not a standard step",
        "Daya tersambung bukan golongan daya standar",
    ),
    "coordinates_invalid": (
        "Coordinates must be finite decimal numbers",
        "Koordinat harus berupa angka desimal",
    ),
    "coordinates_swapped": (
        "Latitude and longitude appear to be swapped",
        "Lintang dan bujur tampaknya tertukar",
    ),
    "coordinates_outside_indonesia:latitude": (
        "The latitude is outside Indonesia",
        "Lintang berada di luar Indonesia",
    ),
    "coordinates_outside_indonesia:longitude": (
        "The longitude is outside Indonesia",
        "Bujur berada di luar Indonesia",
    ),
    "postal_code_invalid": (
        "The postal code must be 5 digits and not start with 0",
        "Kode pos harus 5 digit dan tidak diawali 0",
    ),
    "email_empty": ("The e-mail address is empty", "Alamat e-mail kosong"),
    "email_invalid": ("The e-mail address is not valid", "Alamat e-mail tidak valid"),
    "email_too_long": (
        "The e-mail address is longer than 254 characters",
        "Alamat e-mail lebih dari 254 karakter",
    ),
}


def _error(field: str, key: str) -> FieldError:
    message, message_id = _MESSAGES[key]
    return FieldError(
        field=field, code=key.partition(":")[0], message=message, message_id=message_id
    )


def _compact(value: str) -> str:
    return _SPACES.sub("", value)


def validate_idpel(value: str) -> str:
    """The 12 digits of an IDPEL, spaces removed.

    Raises FieldError (field "idpel") with code `idpel_not_digits` or `idpel_bad_length`.
    """
    digits = _compact(value)
    if not digits.isascii() or not digits.isdigit():
        raise _error("idpel", "idpel_not_digits")
    if len(digits) != IDPEL_LENGTH:
        raise _error("idpel", "idpel_bad_length")
    return digits


def validate_meter_number(
    value: str, *, utility: Utility, payment_mode: PaymentMode | None = None
) -> str:
    """A meter number in its stored form.

    Electricity: digits only; exactly 11 for a prepaid meter, 6-15 for postpaid or when the mode
    is not known yet. Water: 4-20 characters of A-Z, 0-9 and "-", uppercased. Spaces are removed.
    Raises FieldError (field "meter_number") with code `meter_number_not_digits`,
    `meter_number_bad_length` or `meter_number_bad_format`.
    """
    compact = _compact(value)
    if utility == "water":
        upper = compact.upper()
        if not upper.isascii() or not _WATER_METER.fullmatch(upper):
            raise _error("meter_number", "meter_number_bad_format")
        return upper
    if not compact.isascii() or not compact.isdigit():
        raise _error("meter_number", "meter_number_not_digits")
    if payment_mode == "prepaid":
        if len(compact) != PREPAID_METER_LENGTH:
            raise _error("meter_number", "meter_number_bad_length:prepaid")
    elif len(compact) not in _POSTPAID_METER_LENGTHS:
        raise _error("meter_number", "meter_number_bad_length:postpaid")
    return compact


def mask_nik(nik: str) -> str:
    """A NIK with its middle eight digits hidden: `3201********0004`.

    Raises FieldError like `parse_nik` when the value is not 16 digits, so that a malformed
    value is never echoed back half-masked.
    """
    digits = normalize_nik(nik)
    return digits[:4] + "*" * 8 + digits[12:]


def validate_daya_va(va: int) -> int:
    """`va` when it is one of the standard steps in `STANDARD_DAYA_VA`.

    Raises FieldError (field "daya_va", code `daya_not_standard`).
    """
    if isinstance(va, bool) or not isinstance(va, int) or va not in STANDARD_DAYA_VA:
        raise _error("daya_va", "daya_not_standard")
    return va


def phase_of(va: int) -> Phase:
    """1 or 3: the number of phases of a standard step. Raises FieldError like validate_daya_va."""
    return 1 if validate_daya_va(va) in SINGLE_PHASE_DAYA_VA else 3


def validate_coordinates(*, lat: Decimal, lon: Decimal) -> tuple[Decimal, Decimal]:
    """(lat, lon) rounded half-up to 6 decimals, when the point lies in Indonesia's box.

    Raises FieldError with field "coordinates" and code `coordinates_invalid` (not a finite
    Decimal), `coordinates_swapped` (the pair fits only the other way round) or field
    "latitude"/"longitude" with code `coordinates_outside_indonesia`.
    """
    if not (isinstance(lat, Decimal) and isinstance(lon, Decimal)) or not (
        lat.is_finite() and lon.is_finite()
    ):
        raise _error("coordinates", "coordinates_invalid")

    def inside(value: Decimal, bounds: tuple[Decimal, Decimal]) -> bool:
        return bounds[0] <= value <= bounds[1]

    lat_ok, lon_ok = inside(lat, LATITUDE_RANGE), inside(lon, LONGITUDE_RANGE)
    if not (lat_ok and lon_ok) and inside(lon, LATITUDE_RANGE) and inside(lat, LONGITUDE_RANGE):
        raise _error("coordinates", "coordinates_swapped")
    if not lat_ok:
        raise _error("latitude", "coordinates_outside_indonesia:latitude")
    if not lon_ok:
        raise _error("longitude", "coordinates_outside_indonesia:longitude")
    return (
        lat.quantize(_COORDINATE_STEP, rounding=ROUND_HALF_UP),
        lon.quantize(_COORDINATE_STEP, rounding=ROUND_HALF_UP),
    )


def validate_postal_code(value: str) -> str:
    """A 5-digit Indonesian postcode whose first digit is 1-9, surrounding spaces removed.

    Raises FieldError (field "postal_code", code `postal_code_invalid`).
    """
    code = value.strip()
    if not (len(code) == 5 and code.isascii() and code.isdigit() and code[0] != "0"):
        raise _error("postal_code", "postal_code_invalid")
    return code


def normalize_email(value: str) -> str:
    """An e-mail address with its domain lowercased, after a basic syntax check.

    The local part keeps its case (it is case-sensitive in principle). Internationalised domains
    are stored in their ASCII (punycode) form. This checks shape only; whether the mailbox exists
    is for a confirmation message to find out. Raises FieldError (field "email") with code
    `email_empty`, `email_too_long` or `email_invalid`.
    """
    text = value.strip()
    if not text:
        raise _error("email", "email_empty")
    invalid = _error("email", "email_invalid")
    local, at, domain = text.rpartition("@")
    if not at or not _EMAIL_LOCAL.fullmatch(local) or len(local) > 64:
        raise invalid
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise invalid from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise invalid
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        raise invalid
    address = f"{local}@{domain}"
    if len(address) > 254:
        raise _error("email", "email_too_long")
    return address
