"""Validation of one customer record in the flat DIL layout, shared by import, API and console.

Every boundary funnels through `clean_record`, so a mistake gets the same code and message
whether it arrives in a CSV extract, an API call or the console form. All problems of a record
are collected (not only the first), each naming its column.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pelanggan.customers.models import AccountStatus, DataSource, PaymentMode, Utility
from pelanggan.customers.reference import TARIFF_GROUPS, WATER_CUSTOMER_GROUPS, WATER_PIPE_SIZES_MM
from pelanggan.customers.validation import (
    Address,
    FieldError,
    normalize_email,
    normalize_name,
    normalize_phone,
    parse_nik,
    validate_address,
    validate_coordinates,
    validate_daya_va,
    validate_idpel,
    validate_meter_number,
)

DIL_COLUMNS = (
    "idpel",
    "ulp_code",
    "full_name",
    "nik",
    "birth_date",
    "gender",
    "phone",
    "phone_2",
    "email",
    "street",
    "rt",
    "rw",
    "village_code",
    "kelurahan",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "postal_code",
    "latitude",
    "longitude",
    "utility",
    "payment_mode",
    "tariff_group",
    "daya_va",
    "customer_group",
    "pipe_size_mm",
    "meter_number",
    "account_status",
    "connected_on",
    "data_source",
    "billing_address",
)
REQUIRED_COLUMNS = ("ulp_code", "full_name", "street", "utility", "meter_number")


@dataclass(frozen=True)
class Problem:
    column: str
    code: str
    message: str
    message_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_id": self.message_id}


class RecordInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} invalid field(s)")
        self.problems = problems


@dataclass(frozen=True)
class CleanRecord:
    idpel: str | None
    ulp_code: str
    full_name: str
    nik: str | None
    birth_date: dt.date | None
    gender: str | None
    phones: tuple[str, ...]
    email: str | None
    address: Address
    latitude: Decimal | None
    longitude: Decimal | None
    utility: str
    payment_mode: str
    tariff_group: str
    daya_va: int | None
    customer_group: str
    pipe_size_mm: int | None
    meter_number: str
    account_status: str
    connected_on: dt.date | None
    data_source: str
    warnings: tuple[str, ...] = field(default=())
    # Where bills go when not to the premise (free text, personal data); None: the premise.
    billing_address: str | None = None


T = TypeVar("T")


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def run(self, column: str, func: Callable[[], T], *, precise: bool = False) -> T | None:
        """Run a validator; with `precise`, file a problem under the column the validator named."""
        try:
            return func()
        except FieldError as exc:
            named = exc.field if precise and exc.field in DIL_COLUMNS else column
            self.problems.append(Problem(named, exc.code, exc.message, exc.message_id))
        return None

    def add(self, column: str, code: str, message: str, message_id: str = "") -> None:
        self.problems.append(Problem(column, code, message, message_id))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _date(c: _Collector, row: Mapping[str, Any], column: str) -> dt.date | None:
    raw = _text(row, column)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        c.add(
            column, "date_invalid", "Date must be YYYY-MM-DD", "Tanggal harus berformat TTTT-BB-HH"
        )
        return None


_CHOICE_VALUES: dict[type, frozenset[str]] = {}


def _choice(c: _Collector, row: Mapping[str, Any], column: str, choices: Any, default: str) -> str:
    allowed = _CHOICE_VALUES.get(choices)
    if allowed is None:
        allowed = _CHOICE_VALUES[choices] = frozenset(choices.values)
    raw = _text(row, column) or default
    if raw not in allowed:
        listed = ", ".join(choices.values)
        c.add(column, "choice_invalid", f"Choose one of: {listed}", f"Pilih salah satu: {listed}")
    return raw


def clean_record(row: Mapping[str, Any], *, today: dt.date) -> CleanRecord:
    """Validate and normalise one record. Raises RecordInvalid listing every problem."""
    c = _Collector()
    for column in REQUIRED_COLUMNS:
        if _blank(row.get(column)) and column != "street":
            c.add(column, "required", "This field is required", "Wajib diisi")
    idpel = (
        c.run("idpel", lambda: validate_idpel(_text(row, "idpel"))) if _text(row, "idpel") else None
    )
    full_name = (
        c.run("full_name", lambda: normalize_name(_text(row, "full_name")))
        if _text(row, "full_name")
        else ""
    )
    birth_date = _date(c, row, "birth_date")
    if birth_date is not None and not dt.date(1900, 1, 1) <= birth_date <= today:
        c.add(
            "birth_date",
            "birth_date_out_of_range",
            "Birth date must be between 1900 and today",
            "Tanggal lahir harus antara 1900 dan hari ini",
        )
    gender = _text(row, "gender").upper() or None
    if gender is not None and gender not in ("M", "F"):
        c.add("gender", "choice_invalid", "gender must be M or F", "Jenis kelamin harus M atau F")
        gender = None
    nik = None
    if _text(row, "nik"):
        info = c.run(
            "nik",
            lambda: parse_nik(_text(row, "nik"), birth_date=birth_date, gender=gender, today=today),
        )
        if info is not None:
            nik = info.nik
            gender = gender or info.gender
            birth_date = birth_date or info.birth_date
    phones: list[str] = []
    for column in ("phone", "phone_2"):
        if _text(row, column):
            number = c.run(column, functools.partial(normalize_phone, _text(row, column)))
            if number and number not in phones:
                phones.append(number)
    email = (
        c.run("email", lambda: normalize_email(_text(row, "email")))
        if _text(row, "email")
        else None
    )
    address = c.run(
        "street",
        lambda: validate_address(
            street=_text(row, "street"),
            rt=_text(row, "rt"),
            rw=_text(row, "rw"),
            village_code=_text(row, "village_code") or None,
            kelurahan=_text(row, "kelurahan") or None,
            kecamatan=_text(row, "kecamatan") or None,
            kabupaten_kota=_text(row, "kabupaten_kota") or None,
            provinsi=_text(row, "provinsi") or None,
            postal_code=_text(row, "postal_code") or None,
        ),
        precise=True,
    )
    latitude = longitude = None
    lat_raw, lon_raw = _text(row, "latitude"), _text(row, "longitude")
    if lat_raw or lon_raw:
        try:
            lat, lon = Decimal(lat_raw), Decimal(lon_raw)
        except InvalidOperation:
            c.add(
                "latitude" if lat_raw else "longitude",
                "coordinates_invalid",
                "Latitude and longitude must both be decimal degrees",
                "Lintang dan bujur harus berupa derajat desimal",
            )
        else:
            pair = c.run("latitude", lambda: validate_coordinates(lat=lat, lon=lon))
            if pair is not None:
                latitude, longitude = pair
    utility = _choice(c, row, "utility", Utility, "")
    default_mode = PaymentMode.POSTPAID if utility == Utility.WATER else ""
    payment_mode = _choice(c, row, "payment_mode", PaymentMode, default_mode)
    tariff_group, daya_va, customer_group, pipe_size_mm = _clean_service_terms(
        c, row, utility, payment_mode
    )
    meter_number = ""
    if _text(row, "meter_number") and utility in Utility.values:
        meter_number = (
            c.run(
                "meter_number",
                lambda: validate_meter_number(
                    _text(row, "meter_number"),
                    utility=utility,  # type: ignore[arg-type]
                    payment_mode=payment_mode if utility == Utility.ELECTRICITY else None,  # type: ignore[arg-type]
                ),
            )
            or ""
        )
    account_status = _choice(c, row, "account_status", AccountStatus, AccountStatus.ACTIVE)
    connected_on = _date(c, row, "connected_on")
    if connected_on is not None and connected_on > today:
        c.add(
            "connected_on",
            "date_in_future",
            "Connection date cannot be in the future",
            "Tanggal sambung tidak boleh di masa depan",
        )
    data_source = _choice(c, row, "data_source", DataSource, DataSource.IMPORT)
    billing_address = " ".join(_text(row, "billing_address").split()) or None
    if billing_address is not None and len(billing_address) > 300:
        c.add(
            "billing_address",
            "billing_address_too_long",
            "The billing address is too long (300 characters max)",
            "Alamat penagihan terlalu panjang (maksimal 300 karakter)",
        )
    if c.problems:
        raise RecordInvalid(c.problems)
    assert address is not None  # noqa: S101 - guaranteed when no problem was collected
    return CleanRecord(
        idpel=idpel,
        ulp_code=_text(row, "ulp_code"),
        full_name=full_name or "",
        nik=nik,
        birth_date=birth_date,
        gender=gender,
        phones=tuple(phones),
        email=email,
        address=address,
        latitude=latitude,
        longitude=longitude,
        utility=utility,
        payment_mode=payment_mode,
        tariff_group=tariff_group,
        daya_va=daya_va,
        customer_group=customer_group,
        pipe_size_mm=pipe_size_mm,
        meter_number=meter_number,
        account_status=account_status,
        connected_on=connected_on,
        data_source=data_source,
        warnings=tuple(address.warnings),
        billing_address=billing_address,
    )


def _clean_service_terms(
    c: _Collector, row: Mapping[str, Any], utility: str, payment_mode: str
) -> tuple[str, int | None, str, int | None]:
    tariff_group = _text(row, "tariff_group").upper().replace(" ", "")
    daya_raw = _text(row, "daya_va").replace(".", "")
    customer_group = " ".join(_text(row, "customer_group").upper().split())
    pipe_raw = _text(row, "pipe_size_mm")
    if utility == Utility.ELECTRICITY:
        group = TARIFF_GROUPS.get(tariff_group)
        if group is None:
            c.add(
                "tariff_group",
                "tariff_group_unknown",
                "Unknown tariff group (e.g. R-1/TR)",
                "Golongan tarif tidak dikenal (contoh R-1/TR)",
            )
        daya = None
        if not daya_raw.isdigit():
            c.add(
                "daya_va",
                "daya_required",
                "Contracted power in VA is required for electricity",
                "Daya (VA) wajib diisi untuk listrik",
            )
        else:
            daya = int(daya_raw)
            if daya <= 197_000:
                daya = c.run("daya_va", lambda: validate_daya_va(int(daya_raw)))
        if group is not None and daya is not None:
            if daya < group.min_va or (group.max_va is not None and daya > group.max_va):
                c.add(
                    "daya_va",
                    "daya_outside_tariff_group",
                    "Contracted power is outside the range of the tariff group",
                    "Daya di luar rentang golongan tarif",
                )
            if payment_mode == PaymentMode.PREPAID and not group.prepaid_allowed:
                c.add(
                    "payment_mode",
                    "prepaid_not_offered",
                    "This tariff group has no prepaid option",
                    "Golongan tarif ini tidak tersedia prabayar",
                )
        return tariff_group, daya, "", None
    if utility == Utility.WATER:
        if customer_group not in WATER_CUSTOMER_GROUPS:
            c.add(
                "customer_group",
                "customer_group_unknown",
                "Unknown water customer group (e.g. K II)",
                "Kelompok pelanggan air tidak dikenal (contoh K II)",
            )
        pipe = int(pipe_raw) if pipe_raw.isdigit() else None
        if pipe not in WATER_PIPE_SIZES_MM:
            c.add(
                "pipe_size_mm",
                "pipe_size_unknown",
                "Pipe size must be a standard size in mm",
                "Ukuran pipa harus ukuran standar dalam mm",
            )
        if payment_mode != PaymentMode.POSTPAID:
            c.add(
                "payment_mode",
                "prepaid_not_offered",
                "Water service is postpaid",
                "Layanan air adalah pascabayar",
            )
        return "", None, customer_group, pipe
    return "", None, "", None
