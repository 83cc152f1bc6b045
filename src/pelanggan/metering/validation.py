"""Pure checks of metering identifiers: ICCID (Luhn), IMEI (Luhn), MSISDN (Indonesian mobile,
E.164 via phonenumbers). No Django, no clock. Each raises `IdentifierInvalid` with a stable
code, never quoting the value."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_SEPARATORS = re.compile(r"[\s\-.]")


class IdentifierInvalid(ValueError):
    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits, check digit last."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalize_iccid(value: str) -> str:
    """An ICCID (SIM serial, ITU-T E.118): 19 or 20 digits starting 89 (telecom), Luhn-valid."""
    compact = _SEPARATORS.sub("", value)
    if not compact.isascii() or not compact.isdigit():
        raise IdentifierInvalid("iccid", "iccid_not_digits", "An ICCID has only digits")
    if len(compact) not in (19, 20):
        raise IdentifierInvalid("iccid", "iccid_bad_length", "An ICCID has 19 or 20 digits")
    if not compact.startswith("89"):
        raise IdentifierInvalid("iccid", "iccid_not_telecom", "An ICCID starts with 89")
    if not luhn_valid(compact):
        raise IdentifierInvalid("iccid", "iccid_bad_check_digit", "The ICCID check digit is wrong")
    return compact


def normalize_imei(value: str) -> str:
    """An IMEI: 15 digits, Luhn-valid."""
    compact = _SEPARATORS.sub("", value)
    if not (compact.isascii() and compact.isdigit() and len(compact) == 15):
        raise IdentifierInvalid("imei", "imei_bad_format", "An IMEI has 15 digits")
    if not luhn_valid(compact):
        raise IdentifierInvalid("imei", "imei_bad_check_digit", "The IMEI check digit is wrong")
    return compact


def normalize_msisdn(value: str) -> str:
    """An Indonesian mobile number in E.164 (`+628...`). Accepts 08..., 628..., +628..."""
    compact = _SEPARATORS.sub("", value)
    if compact.startswith("62"):
        compact = "+" + compact
    try:
        number = phonenumbers.parse(compact, "ID")
    except NumberParseException:
        raise IdentifierInvalid("msisdn", "msisdn_invalid", "Not a phone number") from None
    if number.country_code != 62:
        raise IdentifierInvalid(
            "msisdn", "msisdn_not_indonesian", "The MSISDN must be an Indonesian number"
        )
    if not phonenumbers.is_valid_number(number):
        raise IdentifierInvalid("msisdn", "msisdn_invalid", "Not a valid Indonesian number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Every Indonesian mobile range starts with 8 after the country code.
    if not e164.startswith("+628") or phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise IdentifierInvalid("msisdn", "msisdn_not_mobile", "The MSISDN must be a mobile number")
    return e164
