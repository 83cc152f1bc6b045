"""Validation of customer-master input: pure functions, no Django, no clock, no I/O beyond the
bundled region file.

Every function either returns the value in its stored form or raises `FieldError`, which names
the field and a stable error code and carries messages in English and Bahasa Indonesia, never the
rejected value itself (NIK, phone, name and address are personal data under UU 27/2022).

Modules: `regions` (Kemendagri region codes, including codes retired since 2016), `nik`,
`phone`, `identifiers` (IDPEL, meter numbers, daya, coordinates, postcode, e-mail, NIK masking),
`names`, `address`.
"""

from pelanggan.customers.validation.address import (
    WARNING_POSTAL_CODE_DIFFERS,
    Address,
    validate_address,
)
from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.identifiers import (
    SINGLE_PHASE_DAYA_VA,
    STANDARD_DAYA_VA,
    THREE_PHASE_DAYA_VA,
    mask_nik,
    normalize_email,
    phase_of,
    validate_coordinates,
    validate_daya_va,
    validate_idpel,
    validate_meter_number,
    validate_postal_code,
)
from pelanggan.customers.validation.names import TITLES, name_words, normalize_name
from pelanggan.customers.validation.nik import NikInfo, normalize_nik, parse_nik
from pelanggan.customers.validation.phone import (
    mask_phone,
    national_form,
    normalize_phone,
    phone_kind,
)
from pelanggan.customers.validation.regions import (
    Region,
    VillageLocation,
    VillageMatch,
    district_exists,
    districts_of_regency,
    find_village,
    get_region,
    match_village,
    province_exists,
    provinces,
    regencies_of_province,
    resolve_village,
    villages_of_district,
)

__all__ = [
    "SINGLE_PHASE_DAYA_VA",
    "STANDARD_DAYA_VA",
    "THREE_PHASE_DAYA_VA",
    "TITLES",
    "WARNING_POSTAL_CODE_DIFFERS",
    "Address",
    "FieldError",
    "NikInfo",
    "Region",
    "VillageLocation",
    "VillageMatch",
    "district_exists",
    "districts_of_regency",
    "find_village",
    "get_region",
    "mask_nik",
    "mask_phone",
    "match_village",
    "name_words",
    "national_form",
    "normalize_email",
    "normalize_name",
    "normalize_nik",
    "normalize_phone",
    "parse_nik",
    "phase_of",
    "phone_kind",
    "province_exists",
    "provinces",
    "regencies_of_province",
    "resolve_village",
    "validate_address",
    "validate_coordinates",
    "validate_daya_va",
    "validate_idpel",
    "validate_meter_number",
    "validate_postal_code",
    "villages_of_district",
]
