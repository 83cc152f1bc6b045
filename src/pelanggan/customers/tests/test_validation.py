"""Tests of the pure validation functions of the customer master (no Django, no database).

Region facts used here come from the bundled Kemendagri list (2025 edition plus older editions):
317101 Gambir (Kota Administrasi Jakarta Pusat); 910101 Merauke, a district of old Papua in the
2016-2022 editions, renumbered 930101 (Papua Selatan) since.
"""

from __future__ import annotations

import ast
import datetime as dt
import pickle
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pelanggan.customers.validation import (
    STANDARD_DAYA_VA,
    TITLES,
    WARNING_POSTAL_CODE_DIFFERS,
    Address,
    FieldError,
    NikInfo,
    Region,
    VillageLocation,
    district_exists,
    districts_of_regency,
    find_village,
    get_region,
    mask_nik,
    mask_phone,
    match_village,
    name_words,
    normalize_email,
    normalize_name,
    normalize_phone,
    parse_nik,
    phase_of,
    phone_kind,
    province_exists,
    provinces,
    regencies_of_province,
    resolve_village,
    validate_address,
    validate_coordinates,
    validate_daya_va,
    validate_idpel,
    validate_meter_number,
    validate_postal_code,
    villages_of_district,
)

TODAY = dt.date(2025, 6, 1)
VALIDATION_DIR = Path(__file__).resolve().parents[1] / "validation"


def _raises(call: object, *args: object, **kwargs: object) -> FieldError:
    assert callable(call)
    with pytest.raises(FieldError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- package hygiene --------------------------------------------------------------------------


def test_validation_package_imports_no_django() -> None:
    imported: set[str] = set()
    for path in VALIDATION_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert imported - {"__future__"} <= {
        "ast", "bisect", "collections", "dataclasses", "datetime", "decimal", "functools",
        "gzip", "importlib", "pelanggan", "phonenumbers", "re", "typing", "unicodedata",
    }  # fmt: skip


def test_field_error_carries_codes_and_pickles() -> None:
    error = FieldError(field="nik", code="nik_bad_length", message="m", message_id="mi")
    assert isinstance(error, ValueError)
    assert str(error) == "m"
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.field, copy.code, copy.message, copy.message_id) == (
        "nik", "nik_bad_length", "m", "mi",
    )  # fmt: skip
    assert repr(copy) == "FieldError(field='nik', code='nik_bad_length')"


# --- regions ----------------------------------------------------------------------------------


def test_get_region_current_district() -> None:
    assert get_region("317101") == Region(
        code="317101", level=3, name="Gambir", postal_code=None, current=True, parent_code="3171"
    )
    assert get_region("31.71.01") == get_region("317101")
    assert get_region("999999") is None


def test_get_region_village_has_postcode_and_province_has_no_parent() -> None:
    assert get_region("3171011001") == Region(
        code="3171011001", level=4, name="Gambir", postal_code="10110", current=True,
        parent_code="317101",
    )  # fmt: skip
    assert get_region("31") == Region(
        code="31", level=1, name="Daerah Khusus Ibukota Jakarta", postal_code=None, current=True,
        parent_code=None,
    )  # fmt: skip


def test_names_are_trimmed_and_csv_quoting_is_undone() -> None:
    jakarta_utara = get_region("3172")
    assert jakarta_utara is not None
    assert jakarta_utara.name == "Kota Administrasi Jakarta Utara"  # source has a trailing space
    lubuk_pakam = get_region("1207281007")
    assert lubuk_pakam is not None
    assert lubuk_pakam.name == "Lubuk Pakam I,II"


def test_historical_papua_district_is_known_but_not_current() -> None:
    assert district_exists("910101") is True
    assert district_exists("910101", include_historical=False) is False
    assert get_region("910101") == Region(
        code="910101", level=3, name="Merauke", postal_code=None, current=False,
        parent_code="9101",
    )  # fmt: skip
    retired_regency = get_region("9101")
    assert retired_regency is not None
    assert (retired_regency.name, retired_regency.current) == ("KAB. MERAUKE", False)
    assert district_exists("930101", include_historical=False) is True


def test_district_exists_rejects_other_levels_and_unknown_codes() -> None:
    assert district_exists("317101", include_historical=False) is True
    assert district_exists("3171") is False
    assert district_exists("3171011001") is False
    assert district_exists("319999") is False
    assert district_exists("") is False


def test_province_exists() -> None:
    assert province_exists("31") is True
    assert province_exists("91") is True
    assert province_exists("96") is True
    assert province_exists("99") is False
    assert province_exists("3171") is False


def test_registry_counts_match_the_dataset_readme() -> None:
    all_provinces = provinces()
    assert len(all_provinces) == 38
    current = retired = 0
    for province in all_provinces:
        for regency in regencies_of_province(province.code, include_historical=True):
            for district in districts_of_regency(regency.code, include_historical=True):
                if district.current:
                    current += 1
                else:
                    retired += 1
    assert (current, retired) == (7285, 594)


def test_children_lists() -> None:
    assert [v.code for v in villages_of_district("317101")] == [
        "3171011001", "3171011002", "3171011003", "3171011004", "3171011005", "3171011006",
    ]  # fmt: skip
    assert [d.name for d in districts_of_regency("3171")] == [
        "Gambir", "Sawah Besar", "Kemayoran", "Senen", "Cempaka Putih", "Menteng", "Tanah Abang",
        "Johar Baru",
    ]  # fmt: skip
    assert len(regencies_of_province("91")) == 9
    assert len(regencies_of_province("91", include_historical=True)) == 29
    assert districts_of_regency("9101") == []
    assert len(districts_of_regency("9101", include_historical=True)) == 22
    assert villages_of_district("3171") == []  # a regency code is not a district


def test_resolve_village() -> None:
    assert resolve_village("31.71.01.1001") == VillageLocation(
        village_code="3171011001",
        kelurahan="Gambir",
        district_code="317101",
        kecamatan="Gambir",
        regency_code="3171",
        kabupaten_kota="Kota Administrasi Jakarta Pusat",
        province_code="31",
        provinsi="Daerah Khusus Ibukota Jakarta",
        postal_code="10110",
    )
    assert resolve_village("317101") is None
    assert resolve_village("3171019999") is None


@pytest.mark.parametrize(
    ("provinsi", "kabupaten_kota", "kecamatan", "kelurahan", "expected"),
    [
        ("Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Pusat", "Gambir", "Gambir",
         "3171011001"),
        ("  dki   JAKARTA ", "Jakarta Pusat", "GAMBIR", "gambir", "3171011001"),
        ("DKI Jakarta", "Kota Jakarta Pusat", "Kec. Gambir", "Kel. Cideng", "3171011002"),
        ("Provinsi Jawa Barat", "Kota Bogor", "Bogor Tengah", "Paledang", "3271031002"),
        ("Jawa Barat", "Kab.Bogor", "Cibinong", "Pakansari", "3201011007"),
        ("Jawa Barat", "Kabupaten Bogor", "Cibinong", "Pakansari", "3201011007"),
        ("Jawa Barat", "Bogor", "Cibinong", "Pakansari", "3201011007"),
        ("Kalimantan Selatan", "Kotabaru", "Pulau Laut Utara", "Kotabaru Hulu", "6302061001"),
        ("DI Yogyakarta", "Kota Yogyakarta", "Gondokusuman", "Baciro", "3471031004"),
        ("Riau", "Rokan Hilir", "Pasir Limau Kapas", "Desa Panipahan", "1407062001"),
        ("Riau", "Rokan Hilir", "Pasir Limau Kapas", "Kelurahan Panipahan", "1407061007"),
        ("Sumatera Utara", "Deli Serdang", "Lubuk Pakam", "Lubuk Pakam I, II", "1207281007"),
    ],
)  # fmt: skip
def test_find_village(
    provinsi: str, kabupaten_kota: str, kecamatan: str, kelurahan: str, expected: str
) -> None:
    found = find_village(
        provinsi=provinsi, kabupaten_kota=kabupaten_kota, kecamatan=kecamatan, kelurahan=kelurahan
    )
    assert found is not None
    assert found.code == expected


def test_find_village_keeps_kota_and_kabupaten_apart() -> None:
    # Cibinong is in Kabupaten Bogor, not Kota Bogor.
    match = match_village(
        provinsi="Jawa Barat", kabupaten_kota="Kota Bogor", kecamatan="Cibinong",
        kelurahan="Pakansari",
    )  # fmt: skip
    assert (match.region, match.unmatched_field, match.ambiguous) == (None, "kecamatan", False)


def test_match_village_reports_the_first_level_without_a_match() -> None:
    assert match_village(
        provinsi="Atlantis", kabupaten_kota="x", kecamatan="x", kelurahan="x"
    ).unmatched_field == "provinsi"  # fmt: skip
    assert match_village(
        provinsi="DKI Jakarta", kabupaten_kota="Bandung", kecamatan="x", kelurahan="x"
    ).unmatched_field == "kabupaten_kota"  # fmt: skip
    assert match_village(
        provinsi="DKI Jakarta", kabupaten_kota="Jakarta Pusat", kecamatan="Gambir",
        kelurahan="Menteng",
    ).unmatched_field == "kelurahan"  # fmt: skip


def test_find_village_is_none_when_ambiguous() -> None:
    # A kelurahan (1407061007) and a desa (1407062001) share the name in one district.
    match = match_village(
        provinsi="Riau", kabupaten_kota="Rokan Hilir", kecamatan="Pasir Limau Kapas",
        kelurahan="Panipahan",
    )  # fmt: skip
    assert (match.region, match.unmatched_field, match.ambiguous) == (None, None, True)


def test_find_village_ignores_retired_regions() -> None:
    assert find_village(
        provinsi="Papua", kabupaten_kota="KAB. MERAUKE", kecamatan="Merauke",
        kelurahan="Kelapa Lima",
    ) is None  # fmt: skip
    found = find_village(
        provinsi="Papua Selatan", kabupaten_kota="Merauke", kecamatan="Merauke",
        kelurahan="Kelapa Lima",
    )  # fmt: skip
    assert found is not None
    assert found.code[:6] == "930101"


# --- NIK --------------------------------------------------------------------------------------


def test_parse_nik_male() -> None:
    info = parse_nik("3171011708450001", today=TODAY)
    assert info == NikInfo(
        nik="3171011708450001",
        province_code="31",
        regency_code="3171",
        district_code="317101",
        district_current=True,
        birth_date=dt.date(1945, 8, 17),
        gender="M",
        serial="0001",
    )


def test_parse_nik_woman_has_day_plus_40() -> None:
    info = parse_nik("3171015708450002", today=TODAY)
    assert (info.birth_date, info.gender, info.serial) == (dt.date(1945, 8, 17), "F", "0002")
    first = parse_nik("3171014101900004", today=TODAY)
    assert (first.birth_date, first.gender) == (dt.date(1990, 1, 1), "F")
    last = parse_nik("3171017112990004", today=TODAY)
    assert (last.birth_date, last.gender) == (dt.date(1999, 12, 31), "F")


def test_parse_nik_strips_spaces_and_dots() -> None:
    assert parse_nik("3171 0117 0845 0001", today=TODAY).nik == "3171011708450001"
    assert parse_nik("317101.170845.0001", today=TODAY).nik == "3171011708450001"


def test_parse_nik_repr_hides_personal_data() -> None:
    text = repr(parse_nik("3171011708450001", today=TODAY))
    assert text == (
        "NikInfo(province_code='31', regency_code='3171', district_code='317101', "
        "district_current=True)"
    )


def test_parse_nik_accepts_historical_papua_district() -> None:
    info = parse_nik("9101011708800003", today=TODAY)
    assert (info.province_code, info.district_code, info.district_current) == (
        "91", "910101", False,
    )  # fmt: skip
    assert info.birth_date == dt.date(1980, 8, 17)


@pytest.mark.parametrize(
    ("nik", "today", "expected"),
    [
        ("3171010101250001", dt.date(2025, 6, 1), dt.date(2025, 1, 1)),  # this year
        ("3171010107250001", dt.date(2025, 6, 1), dt.date(1925, 7, 1)),  # would be in the future
        ("3171010106250001", dt.date(2025, 6, 1), dt.date(2025, 6, 1)),  # born today
        ("3171010101260001", dt.date(2025, 6, 1), dt.date(1926, 1, 1)),
        ("3171010101000001", dt.date(2025, 6, 1), dt.date(2000, 1, 1)),
        ("3171010101990001", dt.date(2001, 1, 1), dt.date(1999, 1, 1)),
    ],
)
def test_parse_nik_resolves_century_against_today(
    nik: str, today: dt.date, expected: dt.date
) -> None:
    assert parse_nik(nik, today=today).birth_date == expected


def test_parse_nik_uses_the_century_of_a_given_birth_date() -> None:
    info = parse_nik("3171010101250001", birth_date=dt.date(1925, 1, 1))
    assert info.birth_date == dt.date(1925, 1, 1)
    # today is ignored when the birth date settles the century.
    assert parse_nik(
        "3171010101250001", birth_date=dt.date(2025, 1, 1), today=dt.date(2000, 1, 1)
    ).birth_date == dt.date(2025, 1, 1)  # fmt: skip


def test_parse_nik_29_february() -> None:
    assert parse_nik("3171012902960001", today=TODAY).birth_date == dt.date(1996, 2, 29)
    assert parse_nik("3171016902960001", today=TODAY).birth_date == dt.date(1996, 2, 29)
    assert parse_nik("3171012902000001", today=TODAY).birth_date == dt.date(2000, 2, 29)
    assert parse_nik("3171012902000001", birth_date=dt.date(2000, 2, 29)).gender == "M"
    # 1997 and 1897 are not leap years.
    assert _raises(parse_nik, "3171012902970001", today=TODAY).code == "nik_impossible_date"
    # Before 29 Feb 2000 the only candidate is 1900, which was not a leap year.
    error = _raises(parse_nik, "3171012902000001", today=dt.date(2000, 1, 15))
    assert error.code == "nik_future_birth_date"
    # With a birth date in the 1900s, "00" means 1900: 29 Feb 1900 cannot be anyone's birthday.
    error = _raises(parse_nik, "3171012902000001", birth_date=dt.date(1900, 2, 28))
    assert error.code == "nik_birth_date_mismatch"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("317101170845000", "nik_bad_length"),
        ("31710117084500011", "nik_bad_length"),
        ("", "nik_bad_length"),
        ("31710117084500a1", "nik_not_digits"),
        ("3171-0117-0845-0001", "nik_not_digits"),
        ("\uff13171011708450001", "nik_not_digits"),  # fullwidth digit
        ("9999991708450001", "nik_unknown_district"),
        ("0000001708450001", "nik_unknown_district"),
        ("3171009908450001", "nik_unknown_district"),
        ("3171010008450001", "nik_bad_day"),
        ("3171013208450001", "nik_bad_day"),
        ("3171014008450001", "nik_bad_day"),
        ("3171017208450001", "nik_bad_day"),
        ("3171011700450001", "nik_bad_month"),
        ("3171011713450001", "nik_bad_month"),
        ("3171013102900004", "nik_impossible_date"),
        ("3171013104900004", "nik_impossible_date"),
        ("3171017102900004", "nik_impossible_date"),  # woman, 31 February
        ("3171011708450000", "nik_bad_serial"),
    ],
)
def test_parse_nik_errors(value: str, code: str) -> None:
    error = _raises(parse_nik, value, today=TODAY)
    assert (error.field, error.code) == ("nik", code)
    _assert_no_value_in_messages(error, value)


def test_parse_nik_birth_date_mismatch() -> None:
    for birth_date in (dt.date(1945, 8, 18), dt.date(1945, 9, 17), dt.date(1946, 8, 17)):
        error = _raises(parse_nik, "3171011708450001", birth_date=birth_date)
        assert (error.field, error.code) == ("nik", "nik_birth_date_mismatch")
        assert error.message == "The NIK does not match the birth date"
        assert error.message_id == "NIK tidak sesuai dengan tanggal lahir"


def test_parse_nik_gender_mismatch_and_invalid_gender() -> None:
    assert parse_nik("3171015708450002", today=TODAY, gender="F").gender == "F"
    error = _raises(parse_nik, "3171015708450002", today=TODAY, gender="M")
    assert (error.field, error.code) == ("nik", "nik_gender_mismatch")
    error = _raises(parse_nik, "3171011708450001", today=TODAY, gender="F")
    assert error.code == "nik_gender_mismatch"
    error = _raises(parse_nik, "3171011708450001", today=TODAY, gender="L")
    assert (error.field, error.code) == ("gender", "gender_invalid")


def test_parse_nik_needs_today_or_birth_date() -> None:
    with pytest.raises(TypeError):
        parse_nik("3171011708450001")  # type: ignore[call-overload]


def test_nik_error_messages_are_bilingual() -> None:
    error = _raises(parse_nik, "123", today=TODAY)
    assert (error.message, error.message_id) == ("NIK must be 16 digits", "NIK harus 16 digit")


def _assert_no_value_in_messages(error: FieldError, value: str) -> None:
    compact = "".join(ch for ch in value if not ch.isspace())
    if len(compact) >= 3:
        assert compact not in error.message
        assert compact not in error.message_id
        assert compact not in repr(error)


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "e164", "kind", "masked"),
    [
        ("0812-3456-7890", "+6281234567890", "mobile", "0812****7890"),
        ("+62 812 3456 7890", "+6281234567890", "mobile", "0812****7890"),
        ("6281234567890", "+6281234567890", "mobile", "0812****7890"),
        ("+6281234567890", "+6281234567890", "mobile", "0812****7890"),
        ("0811234567", "+62811234567", "mobile", "0811**4567"),
        ("021 5551234", "+62215551234", "landline", "0215**1234"),
        ("(021) 5551-2345", "+622155512345", "landline", "0215***2345"),
        ("62215551234", "+62215551234", "landline", "0215**1234"),
        ("0361 234567", "+62361234567", "landline", "0361**4567"),
        ("031 12345", "+623112345", "landline", "0311**45"),
    ],
)
def test_normalize_phone(value: str, e164: str, kind: str, masked: str) -> None:
    assert normalize_phone(value) == e164
    assert phone_kind(e164) == kind
    assert mask_phone(e164) == masked


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("+1 202 555 0100", "phone_not_indonesian"),
        ("+65 6123 4567", "phone_not_indonesian"),
        ("08123", "phone_invalid"),
        ("081234567890123", "phone_invalid"),
        ("+62 812 3456 7890 1234", "phone_invalid"),
        ("0800-1-234567", "phone_unsupported_type"),
        ("0812-CALL-ME", "phone_invalid_characters"),
        ("0812 3456 7890 ext 1", "phone_invalid_characters"),
        ("\u0660\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
         "phone_invalid_characters"),  # Arabic-Indic digits
        ("", "phone_empty"),
        ("   ", "phone_empty"),
    ],
)  # fmt: skip
def test_normalize_phone_rejects(value: str, code: str) -> None:
    error = _raises(normalize_phone, value)
    assert (error.field, error.code) == ("phone", code)
    _assert_no_value_in_messages(error, value)


def test_mask_phone_rejects_garbage_instead_of_echoing_it() -> None:
    assert _raises(mask_phone, "not a phone").code == "phone_invalid_characters"


# --- identifiers ------------------------------------------------------------------------------


def test_validate_idpel() -> None:
    assert validate_idpel(" 5123 4567 8901 ") == "512345678901"
    error = _raises(validate_idpel, "51234567890")
    assert (error.field, error.code) == ("idpel", "idpel_bad_length")
    error = _raises(validate_idpel, "51234567890X")
    assert (error.field, error.code) == ("idpel", "idpel_not_digits")
    _assert_no_value_in_messages(error, "51234567890X")


def test_validate_meter_number_electricity() -> None:
    assert validate_meter_number(
        "1234 5678 901", utility="electricity", payment_mode="prepaid"
    ) == "12345678901"  # fmt: skip
    assert validate_meter_number("123456", utility="electricity", payment_mode="postpaid") == (
        "123456"
    )
    assert validate_meter_number("1" * 15, utility="electricity", payment_mode=None) == "1" * 15
    for value, mode in (("1234567890", "prepaid"), ("123456789012", "prepaid"),
                        ("12345", "postpaid"), ("1" * 16, None)):  # fmt: skip
        error = _raises(validate_meter_number, value, utility="electricity", payment_mode=mode)
        assert (error.field, error.code) == ("meter_number", "meter_number_bad_length")
    error = _raises(validate_meter_number, "1234A678901", utility="electricity", payment_mode=None)
    assert error.code == "meter_number_not_digits"


def test_validate_meter_number_water() -> None:
    assert validate_meter_number("ab-12 34", utility="water") == "AB-1234"
    assert validate_meter_number("1234", utility="water", payment_mode="postpaid") == "1234"
    for value in ("AB1", "A" * 21, "AB_123", "AB/123", "ÄB123"):
        error = _raises(validate_meter_number, value, utility="water")
        assert (error.field, error.code) == ("meter_number", "meter_number_bad_format")


def test_mask_nik() -> None:
    assert mask_nik("3201014101900004") == "3201********0004"
    assert mask_nik("3201 0141 0190 0004") == "3201********0004"
    assert _raises(mask_nik, "3201").code == "nik_bad_length"


def test_standard_daya_steps() -> None:
    assert STANDARD_DAYA_VA[:6] == (450, 900, 1_300, 2_200, 3_500, 3_900)
    assert STANDARD_DAYA_VA[-1] == 197_000
    assert len(STANDARD_DAYA_VA) == 28
    assert validate_daya_va(1_300) == 1_300
    assert (phase_of(450), phase_of(22_000), phase_of(3_900), phase_of(197_000)) == (1, 1, 3, 3)
    for va in (0, 1_000, 6_600 + 1, 200_000, -450):
        error = _raises(validate_daya_va, va)
        assert (error.field, error.code) == ("daya_va", "daya_not_standard")
    assert _raises(validate_daya_va, True).code == "daya_not_standard"
    assert _raises(phase_of, 1_000).code == "daya_not_standard"


def test_validate_coordinates() -> None:
    monas = validate_coordinates(lat=Decimal("-6.1753924"), lon=Decimal("106.8271528"))
    assert monas == (Decimal("-6.175392"), Decimal("106.827153"))
    assert validate_coordinates(lat=Decimal("-6.0000005"), lon=Decimal("106.0000005")) == (
        Decimal("-6.000001"), Decimal("106.000001"),
    )  # fmt: skip
    corners = validate_coordinates(lat=Decimal("-11.2"), lon=Decimal("141.2"))
    assert corners == (Decimal("-11.200000"), Decimal("141.200000"))
    assert str(validate_coordinates(lat=Decimal("6.3"), lon=Decimal("94.7"))[0]) == "6.300000"


@pytest.mark.parametrize(
    ("lat", "lon", "field", "code"),
    [
        ("106.8271", "-6.1753", "coordinates", "coordinates_swapped"),
        ("-11.3", "110", "latitude", "coordinates_outside_indonesia"),
        ("6.4", "110", "latitude", "coordinates_outside_indonesia"),
        ("-6", "94.6", "longitude", "coordinates_outside_indonesia"),
        ("-6", "141.3", "longitude", "coordinates_outside_indonesia"),
        ("NaN", "106", "coordinates", "coordinates_invalid"),
        ("-6", "Infinity", "coordinates", "coordinates_invalid"),
    ],
)
def test_validate_coordinates_rejects(lat: str, lon: str, field: str, code: str) -> None:
    error = _raises(validate_coordinates, lat=Decimal(lat), lon=Decimal(lon))
    assert (error.field, error.code) == (field, code)


def test_validate_coordinates_rejects_floats() -> None:
    error = _raises(validate_coordinates, lat=-6.2, lon=106.8)
    assert error.code == "coordinates_invalid"


def test_normalize_email() -> None:
    assert normalize_email("  Budi.Santoso@Example.CO.ID ") == "Budi.Santoso@example.co.id"
    assert normalize_email("a+tag@sub.example.id") == "a+tag@sub.example.id"
    assert normalize_email("siti@bücher.de") == "siti@xn--bcher-kva.de"
    for value in ("a@b", "a b@c.id", "@x.id", "a@-x.id", "a@x.123", "a@@x.id", "a@x..id",
                  "a.@x.id", "a@x.i", "plain"):  # fmt: skip
        error = _raises(normalize_email, value)
        assert (error.field, error.code) == ("email", "email_invalid")
        _assert_no_value_in_messages(error, value)
    assert _raises(normalize_email, " ").code == "email_empty"
    long_address = "a@" + ".".join(["b" * 60] * 5) + ".id"
    assert _raises(normalize_email, long_address).code == "email_too_long"


def test_validate_postal_code() -> None:
    assert validate_postal_code(" 10110 ") == "10110"
    for value in ("01234", "1011", "101100", "1011a", ""):
        error = _raises(validate_postal_code, value)
        assert (error.field, error.code) == ("postal_code", "postal_code_invalid")


# --- names ------------------------------------------------------------------------------------


def test_normalize_name() -> None:
    assert normalize_name("  Siti   Nur'aini\t ") == "Siti Nur'aini"
    assert normalize_name("ＳＵＫＡＲＮＯ") == "SUKARNO"  # fullwidth letters, NFKC
    assert normalize_name("x" * 150) == "x" * 150


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "name_empty"),
        ("  \n ", "name_empty"),
        ("1234567", "name_no_letters"),
        ("12-34 .", "name_no_letters"),
        ("Budi\x00Santoso", "name_invalid_characters"),
        ("Budi\u200bSantoso", "name_invalid_characters"),
        ("x" * 151, "name_too_long"),
    ],
)
def test_normalize_name_rejects(value: str, code: str) -> None:
    error = _raises(normalize_name, value)
    assert (error.field, error.code) == ("name", code)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("Hj. Siti Nur'aini, S.Pd.", ["siti", "nuraini"]),
        ("Ir. H. Joko Widodo", ["joko", "widodo"]),
        ("Budi Santoso, S.Kom", ["budi", "santoso"]),
        ("dr. Tan Ah Kow SE", ["tan", "ah", "kow"]),
        ("Prof. Dr. Ir. Bambang Sutrisno, M.T.", ["bambang", "sutrisno"]),
        ("M.Yusuf Abdul-Rahman", ["yusuf", "abdul", "rahman"]),
        ("Ma\u2019ruf Amin", ["maruf", "amin"]),
        ("Désirée  Ñoño", ["desiree", "nono"]),
        ("Sukarno SUKARNO sukarno", ["sukarno"]),
        ("A B CD", ["cd"]),
        ("", []),
    ],
)
def test_name_words(value: str, words: list[str]) -> None:
    assert name_words(value) == words


def test_titles_are_lowercase_and_include_common_ones() -> None:
    assert {"h", "hj", "dr", "ir", "s.t", "s.kom", "s.e", "s.h"} <= set(TITLES)
    assert all(title == title.lower() for title in TITLES)


# --- address ----------------------------------------------------------------------------------

GAMBIR = {
    "village_code": "3171011001",
    "kelurahan": "Gambir",
    "kecamatan": "Gambir",
    "kabupaten_kota": "Kota Administrasi Jakarta Pusat",
    "provinsi": "Daerah Khusus Ibukota Jakarta",
}


def test_validate_address_by_code() -> None:
    address = validate_address(
        street=" Jl.  Medan Merdeka Barat No. 12 ", rt="1", rw="RW 02", village_code="31.71.01.1001"
    )
    assert address == Address(
        street="Jl. Medan Merdeka Barat No. 12", rt="001", rw="002", postal_code="10110",
        warnings=(), **GAMBIR,
    )  # fmt: skip
    assert "Merdeka" not in repr(address)


def test_validate_address_by_names_gives_official_names() -> None:
    address = validate_address(
        street="Jl. Kebon Sirih 1", rt=3, rw="Rw.004", provinsi="dki jakarta",
        kabupaten_kota="Jakarta Pusat", kecamatan="gambir", kelurahan="GAMBIR",
    )  # fmt: skip
    assert address == Address(
        street="Jl. Kebon Sirih 1", rt="003", rw="004", postal_code="10110", warnings=(), **GAMBIR
    )


def test_validate_address_code_and_names_must_agree() -> None:
    address = validate_address(
        street="Jl. A", rt="1", rw="1", village_code="3171011001", kecamatan="Kec. Gambir",
        kabupaten_kota="Jakarta Pusat",
    )  # fmt: skip
    assert address.village_code == "3171011001"
    error = _raises(
        validate_address, street="Jl. A", rt="1", rw="1", village_code="3171011001",
        kecamatan="Menteng",
    )  # fmt: skip
    assert (error.field, error.code) == ("kecamatan", "address_mismatch")
    error = _raises(
        validate_address, street="Jl. A", rt="1", rw="1", village_code="3171011001",
        kabupaten_kota="Kabupaten Jakarta Pusat",
    )  # fmt: skip
    assert (error.field, error.code) == ("kabupaten_kota", "address_mismatch")


def test_validate_address_postal_code() -> None:
    same = validate_address(street="Jl. A", rt="1", rw="1", village_code="3171011001",
                            postal_code="10110")  # fmt: skip
    assert (same.postal_code, same.warnings) == ("10110", ())
    differs = validate_address(street="Jl. A", rt="1", rw="1", village_code="3171011001",
                               postal_code="10120")  # fmt: skip
    assert (differs.postal_code, differs.warnings) == ("10120", (WARNING_POSTAL_CODE_DIFFERS,))
    assert WARNING_POSTAL_CODE_DIFFERS == "postal_code_differs_from_village"
    error = _raises(validate_address, street="Jl. A", rt="1", rw="1", village_code="3171011001",
                    postal_code="0110")  # fmt: skip
    assert (error.field, error.code) == ("postal_code", "postal_code_invalid")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"street": None}, "street", "address_incomplete"),
        ({"street": "   "}, "street", "address_incomplete"),
        ({"street": "x" * 201}, "street", "street_too_long"),
        ({"rt": None}, "rt", "address_incomplete"),
        ({"rt": ""}, "rt", "address_incomplete"),
        ({"rt": "0"}, "rt", "rt_invalid"),
        ({"rt": "000"}, "rt", "rt_invalid"),
        ({"rt": "1000"}, "rt", "rt_invalid"),
        ({"rt": "1a"}, "rt", "rt_invalid"),
        ({"rw": -1}, "rw", "rw_invalid"),
        ({"rw": "RT 02"}, "rw", "rw_invalid"),
        ({"rw": None}, "rw", "address_incomplete"),
        ({"village_code": None}, "village_code", "address_incomplete"),
        ({"village_code": "317101100"}, "village_code", "village_code_invalid"),
        ({"village_code": "3171019999"}, "village_code", "village_code_unknown"),
        ({"village_code": "3171010000"}, "village_code", "village_code_unknown"),
    ],
)
def test_validate_address_errors(changes: dict[str, object], field: str, code: str) -> None:
    arguments: dict[str, object] = {"street": "Jl. A", "rt": "1", "rw": "2",
                                    "village_code": "3171011001"}  # fmt: skip
    arguments.update(changes)
    error = _raises(validate_address, **arguments)
    assert (error.field, error.code) == (field, code)


def test_validate_address_by_names_errors() -> None:
    base = {"street": "Jl. A", "rt": "1", "rw": "2", "provinsi": "Riau",
            "kabupaten_kota": "Rokan Hilir", "kecamatan": "Pasir Limau Kapas"}  # fmt: skip
    error = _raises(validate_address, **base)
    assert (error.field, error.code) == ("kelurahan", "address_incomplete")
    error = _raises(validate_address, **base, kelurahan="Panipahan")
    assert (error.field, error.code) == ("kelurahan", "village_ambiguous")
    assert validate_address(**base, kelurahan="Desa Panipahan").village_code == "1407062001"
    error = _raises(validate_address, **{**base, "kabupaten_kota": "Bandung"}, kelurahan="X")
    assert (error.field, error.code) == ("kabupaten_kota", "region_not_found")
    assert error.message == "No regency or city of that name in the region above it"
    assert error.message_id == "Nama kabupaten/kota tidak ditemukan di wilayah atasnya"


def test_address_incomplete_messages() -> None:
    error = _raises(validate_address, street="", rt="1", rw="1", village_code="3171011001")
    assert (error.message, error.message_id) == (
        "The street address is required", "Alamat jalan wajib diisi",
    )  # fmt: skip


# --- properties -------------------------------------------------------------------------------


def _all_districts() -> list[str]:
    return [
        district.code
        for province in provinces()
        for regency in regencies_of_province(province.code, include_historical=True)
        for district in districts_of_regency(regency.code, include_historical=True)
    ]


DISTRICTS = _all_districts()


@given(
    district=st.sampled_from(DISTRICTS),
    # Within the hundred years up to TODAY the two-digit year is unambiguous.
    birth_date=st.dates(min_value=dt.date(1925, 6, 2), max_value=TODAY),
    gender=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_generated_nik_round_trips(
    district: str, birth_date: dt.date, gender: str, serial: int
) -> None:
    day = birth_date.day + (40 if gender == "F" else 0)
    nik = f"{district}{day:02d}{birth_date:%m%y}{serial:04d}"
    info = parse_nik(nik, today=TODAY)
    assert (info.nik, info.district_code, info.birth_date, info.gender, info.serial) == (
        nik, district, birth_date, gender, f"{serial:04d}",
    )  # fmt: skip
    assert (info.province_code, info.regency_code) == (district[:2], district[:4])
    assert info.district_current == district_exists(district, include_historical=False)
    assert parse_nik(nik, birth_date=birth_date, gender=gender) == info


@given(
    birth_date=st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2199, 12, 31)),
    gender=st.sampled_from(["M", "F"]),
)
def test_generated_nik_round_trips_with_known_birth_date(birth_date: dt.date, gender: str) -> None:
    day = birth_date.day + (40 if gender == "F" else 0)
    nik = f"317101{day:02d}{birth_date:%m}{birth_date.year % 100:02d}0001"
    info = parse_nik(nik, birth_date=birth_date)
    assert (info.birth_date, info.gender) == (birth_date, gender)


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_mask_nik_never_reveals_the_middle(nik: str) -> None:
    masked = mask_nik(nik)
    assert masked == nik[:4] + "********" + nik[12:]


_MOBILE_PREFIXES = ["0811", "0812", "0813", "0821", "0822", "0852", "0853", "0814", "0815",
                    "0816", "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859",
                    "0877", "0878", "0881", "0882", "0883", "0895", "0896", "0897", "0898",
                    "0899"]  # fmt: skip


@given(
    prefix=st.sampled_from(_MOBILE_PREFIXES),
    rest=st.text(alphabet="0123456789", min_size=6, max_size=9),
    style=st.sampled_from(["national", "plus", "bare", "spaced"]),
)
def test_mask_phone_never_reveals_the_middle(prefix: str, rest: str, style: str) -> None:
    national = prefix + rest
    written = {
        "national": national,
        "plus": "+62" + national[1:],
        "bare": "62" + national[1:],
        "spaced": f"{national[:4]}-{national[4:8]} {national[8:]}",
    }[style]
    try:
        e164 = normalize_phone(written)
    except FieldError:
        assume(False)
        raise
    assert e164 == "+62" + national[1:]
    assert normalize_phone(e164) == e164
    assert phone_kind(e164) == "mobile"
    masked = mask_phone(e164)
    assert len(masked) == len(national)
    assert masked[:4] == national[:4]
    assert masked[-4:] == national[-4:]
    assert set(masked[4:-4]) == {"*"}


@given(st.text(max_size=60))
def test_name_words_are_clean(value: str) -> None:
    words = name_words(value)
    assert len(words) == len(set(words))
    for word in words:
        assert len(word) >= 2
        assert word == word.casefold()
        assert word.replace(".", "") not in {title.replace(".", "") for title in TITLES}
        assert all(ch.isalnum() for ch in word)


@given(
    prefix=st.sampled_from(["0", "62", "+62"]),
    national=st.from_regex(r"8[0-9][0-9]{6,11}", fullmatch=True),
)
def test_fast_mobile_path_agrees_with_libphonenumber(prefix: str, national: str) -> None:
    import phonenumbers

    from pelanggan.customers.validation.phone import _fast_mobile

    fast = _fast_mobile(prefix + national)
    parsed = phonenumbers.parse("+62" + national, "ID")
    slow_ok = phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if fast is not None:
        assert slow_ok
        assert fast == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    elif slow_ok and 9 <= len(national) <= 12:
        raise AssertionError(f"fast path refused a valid mobile shape of {len(national)} digits")
