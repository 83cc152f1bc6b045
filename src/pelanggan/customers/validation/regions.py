"""Registry of Indonesian administrative regions (Kemendagri "kode wilayah").

Built from the 2025 edition of the code list plus the province, regency/city and district codes
that only older editions (2016-2023) knew. Those retired codes matter because a NIK keeps the
district code of its first registration for life: a Papua NIK issued in 2015 still starts with a
`91` district that was moved to the new provinces 93-96 in 2022-2023. Villages are known only
from the 2025 edition.

Codes are digit strings: province `PP` (level 1), regency/city `PPKK` (2), district `PPKKDD` (3),
village `PPKKDDVVVV` (4). Lookups also accept the dotted published form (`31.71.01`).

Matching names that people type (`find_village`) lives in `region_names` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pelanggan.customers.validation._registry import (
    Region,
    child_rows,
    clean_code,
    is_current,
    level_of,
    make_region,
    name_of,
    province_rows,
    registry,
)
from pelanggan.customers.validation.region_names import VillageMatch, find_village, match_village

__all__ = [
    "Region",
    "VillageLocation",
    "VillageMatch",
    "district_exists",
    "districts_of_regency",
    "find_village",
    "get_region",
    "match_village",
    "province_exists",
    "provinces",
    "regencies_of_province",
    "resolve_village",
    "villages_of_district",
]


@dataclass(frozen=True, slots=True)
class VillageLocation:
    """A village with the names and codes of every level above it, as written in an address."""

    village_code: str
    kelurahan: str
    district_code: str
    kecamatan: str
    regency_code: str
    kabupaten_kota: str
    province_code: str
    provinsi: str
    postal_code: str


def get_region(code: str) -> Region | None:
    """The region with this code (current or retired), or None when no edition knows it."""
    row = registry().rows.get(clean_code(code))
    return None if row is None else make_region(row)


def _exists(code: str, level: int, *, include_historical: bool) -> bool:
    code = clean_code(code)
    row = registry().rows.get(code)
    return row is not None and level_of(code) == level and (include_historical or is_current(row))


def district_exists(code: str, *, include_historical: bool = True) -> bool:
    """Whether `code` is a district (the first six digits of a NIK) in any edition of the list.

    With `include_historical=False` only districts of the 2025 edition count.
    """
    return _exists(code, 3, include_historical=include_historical)


def province_exists(code: str) -> bool:
    """Whether `code` is a province code (every province ever listed still exists in 2025)."""
    return _exists(code, 1, include_historical=True)


def _children(code: str, level: int, *, include_historical: bool) -> list[Region]:
    code = clean_code(code)
    if level_of(code) != level - 1:
        return []
    return [make_region(row) for row in child_rows(code, include_historical=include_historical)]


def provinces() -> list[Region]:
    """All 38 provinces of the 2025 list, in code order."""
    return [make_region(row) for row in province_rows()]


def regencies_of_province(code: str, *, include_historical: bool = False) -> list[Region]:
    """Regencies and cities of a province, in code order; retired ones only when asked for."""
    return _children(code, 2, include_historical=include_historical)


def districts_of_regency(code: str, *, include_historical: bool = False) -> list[Region]:
    """Districts of a regency/city, in code order; retired ones only when asked for."""
    return _children(code, 3, include_historical=include_historical)


def villages_of_district(code: str) -> list[Region]:
    """Villages of a district, in code order."""
    return _children(code, 4, include_historical=False)


def resolve_village(code: str) -> VillageLocation | None:
    """Names and codes of a village and its district, regency/city and province, or None."""
    code = clean_code(code)
    rows = registry().rows
    village = rows.get(code)
    if village is None or level_of(code) != 4:
        return None
    return VillageLocation(
        village_code=code,
        kelurahan=name_of(village),
        district_code=code[:6],
        kecamatan=name_of(rows[code[:6]]),
        regency_code=code[:4],
        kabupaten_kota=name_of(rows[code[:4]]),
        province_code=code[:2],
        provinsi=name_of(rows[code[:2]]),
        postal_code=village[2],
    )
