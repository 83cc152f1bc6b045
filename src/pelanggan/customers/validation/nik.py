"""NIK (Nomor Induk Kependudukan), the 16-digit national identity number.

Layout `PP KK CC DD MM YY SSSS`: province, regency/city and district of first registration (the
six-digit Kemendagri district code, kept for life even after a move and even when the district
has since been renumbered), day of birth (plus 40 for women, so 41-71), month, two-digit year,
and a serial from 0001 per region and birth date.

The NIK is personal data (UU 27/2022): nothing here logs it or puts it in an error message, and
`NikInfo` keeps it out of its repr. Birth date and gender derived from it are personal data too;
callers must have a purpose for using them.

Pure code: no clock. The two-digit year is resolved against a `today` the caller passes, or
against the century of a birth date the caller already knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, overload

from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.regions import district_exists

Gender = Literal["M", "F"]

NIK_LENGTH = 16
_FEMALE_DAY_OFFSET = 40
_IGNORED_CHARACTERS = str.maketrans("", "", " .\t")


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a valid NIK says. `gender` is "M" or "F"; `serial` is the last four digits."""

    nik: str = field(repr=False)
    province_code: str
    regency_code: str
    district_code: str
    district_current: bool
    birth_date: dt.date = field(repr=False)
    gender: Gender = field(repr=False)
    serial: str = field(repr=False)


def _error(code: str, message: str, message_id: str, *, field_name: str = "nik") -> FieldError:
    return FieldError(field=field_name, code=code, message=message, message_id=message_id)


def normalize_nik(value: str) -> str:
    """The 16 digits of a NIK typed with spaces or dots; raises FieldError on anything else."""
    digits = value.translate(_IGNORED_CHARACTERS)
    if digits and not (digits.isascii() and digits.isdigit()):
        raise _error(
            "nik_not_digits", "NIK must contain only digits", "NIK hanya boleh berisi angka"
        )
    if len(digits) != NIK_LENGTH:
        raise _error("nik_bad_length", "NIK must be 16 digits", "NIK harus 16 digit")
    return digits


def _resolve_year(*, yy: int, month: int, day: int, today: dt.date) -> dt.date | None:
    """The latest date with these day, month and two-digit year that is not after `today`."""
    century = today.year - today.year % 100
    for year in (century + yy, century - 100 + yy):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue  # 29 February in a year that is not a leap year
        if candidate <= today:
            return candidate
    return None


def _exists_in_some_century(*, yy: int, month: int, day: int) -> bool:
    for year in (1900 + yy, 2000 + yy):
        try:
            dt.date(year, month, day)
        except ValueError:
            continue
        return True
    return False


def _birth_date(
    *, day: int, month: int, yy: int, birth_date: dt.date | None, today: dt.date | None
) -> dt.date:
    if birth_date is not None:
        if (birth_date.day, birth_date.month, birth_date.year % 100) != (day, month, yy):
            raise _error(
                "nik_birth_date_mismatch",
                "The NIK does not match the birth date",
                "NIK tidak sesuai dengan tanggal lahir",
            )
        return birth_date
    if today is None:
        raise TypeError("parse_nik needs birth_date or today to resolve the century")
    found = _resolve_year(yy=yy, month=month, day=day, today=today)
    if found is None:
        # Only 29 February 00 gets here: 2000 still lies ahead and 1900 was no leap year.
        raise _error(
            "nik_future_birth_date",
            "The birth date in the NIK is in the future",
            "Tanggal lahir pada NIK berada di masa depan",
        )
    return found


@overload
def parse_nik(
    value: str, *, today: dt.date, birth_date: None = None, gender: str | None = None
) -> NikInfo: ...


@overload
def parse_nik(
    value: str, *, birth_date: dt.date, gender: str | None = None, today: dt.date | None = None
) -> NikInfo: ...


def parse_nik(
    value: str,
    *,
    birth_date: dt.date | None = None,
    gender: str | None = None,
    today: dt.date | None = None,
) -> NikInfo:
    """Check a NIK and return what it encodes.

    The two-digit year needs a century: when `birth_date` is given the NIK must agree with it
    (day, month and two-digit year), and its century is used; otherwise `today` is required and
    the most recent matching date not after `today` is taken. When `gender` ("M"/"F") is given
    the NIK must agree with it.

    Raises FieldError (field "nik") with code `nik_not_digits`, `nik_bad_length`,
    `nik_unknown_district` (no edition of the Kemendagri list has the district),
    `nik_bad_day`, `nik_bad_month`, `nik_impossible_date` (e.g. 31 February),
    `nik_future_birth_date`, `nik_bad_serial` (0000), `nik_birth_date_mismatch` or
    `nik_gender_mismatch`; and FieldError (field "gender", code `gender_invalid`) for a gender
    other than "M"/"F". Raises TypeError when neither `birth_date` nor `today` is given.
    """
    if birth_date is None and today is None:
        raise TypeError("parse_nik needs birth_date or today to resolve the century")
    if gender is not None and gender not in ("M", "F"):
        raise _error(
            "gender_invalid",
            "Gender must be M or F",
            "Jenis kelamin harus M atau F",
            field_name="gender",
        )
    nik = normalize_nik(value)
    district_code = nik[:6]
    if not district_exists(district_code, include_historical=True):
        raise _error(
            "nik_unknown_district",
            "The first six digits of the NIK are not a known district code",
            "Enam digit pertama NIK bukan kode kecamatan yang dikenal",
        )
    encoded_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    nik_gender: Gender = "F" if encoded_day > _FEMALE_DAY_OFFSET else "M"
    day = encoded_day - _FEMALE_DAY_OFFSET if nik_gender == "F" else encoded_day
    if not 1 <= day <= 31:
        raise _error(
            "nik_bad_day",
            "The day of birth in the NIK must be 01-31, or 41-71 for women",
            "Tanggal lahir pada NIK harus 01-31, atau 41-71 untuk perempuan",
        )
    if not 1 <= month <= 12:
        raise _error(
            "nik_bad_month",
            "The month of birth in the NIK must be 01-12",
            "Bulan lahir pada NIK harus 01-12",
        )
    if not _exists_in_some_century(yy=yy, month=month, day=day):
        raise _error(
            "nik_impossible_date",
            "The birth date in the NIK does not exist",
            "Tanggal lahir pada NIK tidak ada di kalender",
        )
    if nik[12:] == "0000":
        raise _error(
            "nik_bad_serial",
            "The serial number of the NIK cannot be 0000",
            "Nomor urut NIK tidak boleh 0000",
        )

    resolved = _birth_date(day=day, month=month, yy=yy, birth_date=birth_date, today=today)
    if gender is not None and gender != nik_gender:
        raise _error(
            "nik_gender_mismatch",
            "The NIK does not match the gender",
            "NIK tidak sesuai dengan jenis kelamin",
        )
    return NikInfo(
        nik=nik,
        province_code=nik[:2],
        regency_code=nik[:4],
        district_code=district_code,
        district_current=district_exists(district_code, include_historical=False),
        birth_date=resolved,
        gender=nik_gender,
        serial=nik[12:],
    )
