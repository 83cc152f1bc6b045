"""Public value types and column order of the synthetic DIL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Column order of the DIL import CSV; every value is a string, "" when missing.
DIL_COLUMNS: Final[tuple[str, ...]] = (
    "idpel", "ulp_code", "full_name", "nik", "birth_date", "gender", "phone", "phone_2",
    "email", "street", "rt", "rw", "village_code", "kelurahan", "kecamatan",
    "kabupaten_kota", "provinsi", "postal_code", "latitude", "longitude", "utility",
    "payment_mode", "tariff_group", "daya_va", "customer_group", "pipe_size_mm",
    "meter_number", "account_status", "connected_on", "data_source",
)  # fmt: skip

PROBLEM_KINDS: Final[tuple[str, ...]] = (
    "duplicate_nik_different_name",
    "shared_phone",
    "same_premise",
    "missing_phone",
    "missing_postal_code",
    "missing_coordinates",
    "missing_birth_date",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A deliberate data-quality issue at ``row`` (0-based index into ``rows``).

    Pair problems (duplicate NIK, shared phone, same premise) are listed once,
    at the row that was changed, and name the row it now collides with in
    ``related_row``.
    """

    row: int
    kind: str
    note: str
    related_row: int | None = None


@dataclass(frozen=True, slots=True)
class GeneratedDil:
    """Rows keyed by ``DIL_COLUMNS``, ordered by IDPEL, and the problems planted in them."""

    rows: list[dict[str, str]]
    problems: list[Problem]
