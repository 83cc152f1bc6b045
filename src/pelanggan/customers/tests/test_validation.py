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
        provinsi="Papua", kabupaten_kota="KAB. MERAUKE", kecamatan="Merauke", kelurahan="Kelapa Lima"
    ) is None  # fmt: skip
    found = find_village(
        provinsi="Papua Selatan", kabupaten_kota="Merauke", kecamatan="Merauke",
        kelurahan="Kelapa Lima",
    )  # fmt: skip
    assert found is not None
    assert found.code[:6] == "930101"
