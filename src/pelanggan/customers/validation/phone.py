"""Indonesian phone numbers: normalise to E.164, classify, mask.

People write the same number as `0812-3456-7890`, `+62 812 3456 7890`, `6281234567890` or, for a
Jakarta landline, `(021) 555-1234`. We store E.164 (`+6281234567890`) so that equality and the
blind index work, and show the national form masked (`0812****7890`) wherever a full number is
not needed. Validity comes from Google's libphonenumber metadata (the `phonenumbers` package);
only Indonesian mobile and fixed-line numbers are accepted, not toll-free, premium or foreign
ones, because the number is used to reach the customer.
"""

from __future__ import annotations

import re
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from pelanggan.customers.validation.errors import FieldError

PhoneKind = Literal["mobile", "landline"]

COUNTRY_CODE = 62
_REGION = "ID"
# Digits and the separators people type; letters would let libphonenumber read vanity numbers.
_ALLOWED = re.compile(r"\+?[\d\s\-().]+")
_SEPARATORS = re.compile(r"[\s\-().]")
_ACCEPTED_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
# Mobile numbers are 10-13 digits including the trunk 0 (domain rules 8.6).
_MOBILE_LENGTHS = range(10, 14)
_KEEP_HEAD = 4
_KEEP_TAIL = 4
# Landlines can be as short as 8 digits with the 0, where "first 4, last 4" would hide nothing.
_MIN_HIDDEN = 2


def _error(code: str, message: str, message_id: str) -> FieldError:
    return FieldError(field="phone", code=code, message=message, message_id=message_id)


def _invalid() -> FieldError:
    return _error(
        "phone_invalid",
        "The phone number is not a valid Indonesian number",
        "Nomor telepon bukan nomor Indonesia yang valid",
    )


_MOBILE_SHAPE = re.compile(r"(?:\+62|62|0)(8[1-35-9][0-9]{7,10})")


def _fast_mobile(digits: str) -> str | None:
    """E.164 of a well-formed mobile number without a full libphonenumber parse, else None.

    Bulk imports validate hundreds of thousands of phones; libphonenumber's Indonesian mobile
    pattern is `8[1-35-9]\\d{7,10}` (prefix and length only), which this mirrors exactly. Anything
    else takes the full path; a test checks both paths agree.
    """
    match = _MOBILE_SHAPE.fullmatch(digits)
    if match is None:
        return None
    national = match.group(1)
    if len(national) + 1 not in _MOBILE_LENGTHS:
        return None
    return "+62" + national


def normalize_phone(value: str) -> str:
    """The E.164 form (`+62...`) of an Indonesian mobile or landline number.

    Accepts `08...`, `628...`, `+628...`, area-code landlines (`021 ...`), with spaces, hyphens,
    dots or parentheses. Raises FieldError (field "phone") with code `phone_empty`,
    `phone_invalid_characters`, `phone_not_indonesian`, `phone_invalid` or
    `phone_unsupported_type` (toll-free, premium and similar service numbers).
    """
    text = value.strip()
    if not text:
        raise _error("phone_empty", "The phone number is empty", "Nomor telepon kosong")
    if not _ALLOWED.fullmatch(text) or not text.isascii():
        raise _error(
            "phone_invalid_characters",
            "The phone number may contain only digits, spaces, hyphens and a leading +",
            "Nomor telepon hanya boleh berisi angka, spasi, tanda hubung dan + di depan",
        )
    digits = _SEPARATORS.sub("", text)
    fast = _fast_mobile(digits)
    if fast is not None:
        return fast
    if digits.startswith("62"):
        # "62..." without the plus is the country code; libphonenumber would otherwise read
        # "62215551234" as a national number in area 0622.
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, _REGION)
    except NumberParseException:
        raise _invalid() from None
    if number.country_code != COUNTRY_CODE:
        raise _error(
            "phone_not_indonesian",
            "The phone number is not an Indonesian (+62) number",
            "Nomor telepon bukan nomor Indonesia (+62)",
        )
    if not phonenumbers.is_valid_number(number):
        raise _invalid()
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        raise _error(
            "phone_unsupported_type",
            "The phone number must be a mobile or landline number",
            "Nomor telepon harus nomor ponsel atau telepon rumah",
        )
    national = f"0{number.national_number}"
    if national.startswith("08") and len(national) not in _MOBILE_LENGTHS:
        raise _invalid()
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


_E164_ID = re.compile(r"\+62[1-9][0-9]{6,12}")


def phone_kind(e164: str) -> PhoneKind:
    """`mobile` for +628... numbers, `landline` for area-code numbers.

    Decided by the prefix rather than libphonenumber's type, which calls some ranges
    "fixed line or mobile"; in Indonesia every mobile range starts with 8 after the country code.
    """
    # Stored numbers are already E.164; only other input pays for a full parse.
    normalized = e164 if _E164_ID.fullmatch(e164) else normalize_phone(e164)
    return "mobile" if normalized.startswith("+628") else "landline"


def national_form(e164: str) -> str:
    """The domestic digits with trunk 0, e.g. `081234567890` or `0215551234`."""
    return "0" + normalize_phone(e164)[len("+62") :]


def mask_phone(e164: str) -> str:
    """The national form with all but the first four and last four digits replaced by `*`.

    `+6281234567890` gives `0812****7890`. At least two digits are always hidden, so landlines
    shorter than ten digits keep fewer trailing digits: `+623112345` (`03112345`) gives
    `0311**45`.
    """
    national = national_form(e164)
    tail = min(_KEEP_TAIL, len(national) - _KEEP_HEAD - _MIN_HIDDEN)
    hidden = len(national) - _KEEP_HEAD - tail
    return national[:_KEEP_HEAD] + "*" * hidden + national[len(national) - tail :]
