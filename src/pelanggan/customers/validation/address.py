"""Indonesian postal addresses of premises and customers.

An address is a street line (jalan, number, block, housing estate), the neighbourhood units RT
(rukun tetangga) and RW (rukun warga), and the village (kelurahan/desa) with the district
(kecamatan), regency/city (kabupaten/kota) and province above it. The village is the anchor: it
is given by its 10-digit Kemendagri code, or by the four names, and the stored names are always
the official ones from the registry, so that reports group cleanly.

Postcodes are not authoritative in Indonesia (several per village in practice, and the bundled
list has one), so a postcode that differs from the village's is kept, with a warning.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from pelanggan.customers.validation.errors import FieldError
from pelanggan.customers.validation.identifiers import validate_postal_code
from pelanggan.customers.validation.region_names import match_village, region_name_matches
from pelanggan.customers.validation.regions import VillageLocation, resolve_village

STREET_MAX_LENGTH = 200
WARNING_POSTAL_CODE_DIFFERS = "postal_code_differs_from_village"

_WHITESPACE = re.compile(r"\s+")
# "RT 01", "Rt.1", "rw/005": the unit's name may come along with the number.
_UNIT_NUMBER = {
    unit: re.compile(rf"(?:{unit}\s*[./]?\s*)?([0-9]{{1,3}})", re.IGNORECASE)
    for unit in ("rt", "rw")
}
_NAME_FIELDS = ("provinsi", "kabupaten_kota", "kecamatan", "kelurahan")
# English and Indonesian labels of each field, for messages.
_LABELS = {
    "street": ("street address", "alamat jalan"),
    "rt": ("RT", "RT"),
    "rw": ("RW", "RW"),
    "village_code": ("village", "kelurahan/desa"),
    "kelurahan": ("village (kelurahan/desa)", "kelurahan/desa"),
    "kecamatan": ("district (kecamatan)", "kecamatan"),
    "kabupaten_kota": ("regency or city", "kabupaten/kota"),
    "provinsi": ("province", "provinsi"),
}


@dataclass(frozen=True, slots=True)
class Address:
    """A checked address. Region names are the official ones; `warnings` holds stable codes
    (`postal_code_differs_from_village`) for things that were accepted but look odd."""

    street: str = field(repr=False)
    rt: str
    rw: str
    village_code: str
    kelurahan: str
    kecamatan: str
    kabupaten_kota: str
    provinsi: str
    postal_code: str
    warnings: tuple[str, ...] = ()


def _incomplete(field_name: str) -> FieldError:
    english, indonesian = _LABELS[field_name]
    return FieldError(
        field=field_name,
        code="address_incomplete",
        message=f"The {english} is required",
        message_id=f"{indonesian[0].upper()}{indonesian[1:]} wajib diisi",
    )


def _blank(value: str | int | None) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _street(value: str | None) -> str:
    if value is None or _blank(value):
        raise _incomplete("street")
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    if len(text) > STREET_MAX_LENGTH:
        raise FieldError(
            field="street",
            code="street_too_long",
            message="The street address is longer than 200 characters",
            message_id="Alamat jalan lebih dari 200 karakter",
        )
    return text


def _unit(value: str | int | None, field_name: str) -> str:
    """RT or RW as three digits, 001-999."""
    if value is None or _blank(value):
        raise _incomplete(field_name)
    found = _UNIT_NUMBER[field_name].fullmatch(str(value).strip())
    if found is None or int(found.group(1)) == 0:
        label = _LABELS[field_name][0]
        raise FieldError(
            field=field_name,
            code=f"{field_name}_invalid",
            message=f"{label} must be a number from 001 to 999",
            message_id=f"{label} harus berupa angka 001 sampai 999",
        )
    return found.group(1).zfill(3)


def _by_code(code: str, names: dict[str, str]) -> VillageLocation:
    digits = code.replace(".", "").strip()
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise FieldError(
            field="village_code",
            code="village_code_invalid",
            message="The village code must be 10 digits",
            message_id="Kode kelurahan/desa harus 10 digit",
        )
    location = resolve_village(digits)
    if location is None:
        raise FieldError(
            field="village_code",
            code="village_code_unknown",
            message="The village code is not in the Kemendagri list",
            message_id="Kode kelurahan/desa tidak ada dalam daftar Kemendagri",
        )
    codes = {
        "provinsi": location.province_code,
        "kabupaten_kota": location.regency_code,
        "kecamatan": location.district_code,
        "kelurahan": location.village_code,
    }
    for name_field, name in names.items():
        if not region_name_matches(codes[name_field], name):
            english, indonesian = _LABELS[name_field]
            raise FieldError(
                field=name_field,
                code="address_mismatch",
                message=f"The {english} does not match the village code",
                message_id=f"Nama {indonesian} tidak sesuai dengan kode kelurahan/desa",
            )
    return location


def _by_names(names: dict[str, str]) -> VillageLocation:
    for name_field in _NAME_FIELDS:
        if name_field not in names:
            raise _incomplete(name_field)
    match = match_village(
        provinsi=names["provinsi"],
        kabupaten_kota=names["kabupaten_kota"],
        kecamatan=names["kecamatan"],
        kelurahan=names["kelurahan"],
    )
    if match.unmatched_field is not None:
        english, indonesian = _LABELS[match.unmatched_field]
        raise FieldError(
            field=match.unmatched_field,
            code="region_not_found",
            message=f"No {english} of that name in the region above it",
            message_id=f"Nama {indonesian} tidak ditemukan di wilayah atasnya",
        )
    if match.region is None:
        raise FieldError(
            field="kelurahan",
            code="village_ambiguous",
            message="Several villages have that name in the district; give the village code",
            message_id="Ada beberapa kelurahan/desa dengan nama itu; isi kode kelurahan/desa",
        )
    location = resolve_village(match.region.code)
    if location is None:  # pragma: no cover - match_village only returns registry villages
        raise AssertionError("matched village missing from the registry")
    return location


@functools.lru_cache(maxsize=16_384)
def _locate(village_code: str, names: tuple[tuple[str, str], ...]) -> VillageLocation:
    """The village of an address; cached because a bulk import repeats the same villages."""
    if village_code:
        return _by_code(village_code, dict(names))
    if names:
        return _by_names(dict(names))
    raise _incomplete("village_code")


def validate_address(
    *,
    street: str | None,
    rt: str | int | None,
    rw: str | int | None,
    village_code: str | None = None,
    kelurahan: str | None = None,
    kecamatan: str | None = None,
    kabupaten_kota: str | None = None,
    provinsi: str | None = None,
    postal_code: str | None = None,
) -> Address:
    """Check an address and return it with the official region names.

    The village comes from `village_code` or, without it, from all four names; when both are
    given, every name given must denote the coded village's region at that level. The postcode
    defaults to the village's. Raises FieldError naming the field: `address_incomplete`,
    `street_too_long`, `rt_invalid`, `rw_invalid`, `village_code_invalid`,
    `village_code_unknown`, `address_mismatch`, `region_not_found`, `village_ambiguous`,
    `postal_code_invalid`.
    """
    clean_street = _street(street)
    clean_rt = _unit(rt, "rt")
    clean_rw = _unit(rw, "rw")
    given = {
        "provinsi": provinsi,
        "kabupaten_kota": kabupaten_kota,
        "kecamatan": kecamatan,
        "kelurahan": kelurahan,
    }
    names = tuple(
        (key, value) for key, value in given.items() if value is not None and value.strip()
    )
    location = _locate(village_code.strip() if village_code else "", names)

    warnings: tuple[str, ...] = ()
    final_postal_code = location.postal_code
    if postal_code is not None and postal_code.strip():
        final_postal_code = validate_postal_code(postal_code)
        if final_postal_code != location.postal_code:
            warnings = (WARNING_POSTAL_CODE_DIFFERS,)
    return Address(
        street=clean_street,
        rt=clean_rt,
        rw=clean_rw,
        village_code=location.village_code,
        kelurahan=location.kelurahan,
        kecamatan=location.kecamatan,
        kabupaten_kota=location.kabupaten_kota,
        provinsi=location.provinsi,
        postal_code=final_postal_code,
        warnings=warnings,
    )
