"""Access to the bundled region extract (``customers/data/demo_villages.csv``).

The extract is produced by ``synthetic_build.py`` from the Kemendagri list; the
generator never reads the shared dataset because it is not installed with the
package.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pelanggan.customers.synthetic._other_districts import OTHER_DISTRICT_CODES
from pelanggan.customers.synthetic.units import DEMO_ULPS

__all__ = [
    "OTHER_DISTRICT_CODES",
    "Village",
    "bundled_district_codes",
    "demo_villages",
    "villages_by_ulp",
]


@dataclass(frozen=True, slots=True)
class Village:
    """A desa/kelurahan with its official names (trimmed) and postcode."""

    code: str
    name: str
    postal_code: str
    district_code: str
    district_name: str
    regency_code: str
    regency_name: str
    province_name: str


@cache
def demo_villages() -> tuple[Village, ...]:
    """Every village of the demo area, ordered by code."""
    resource = files("pelanggan.customers") / "data" / "demo_villages.csv"
    text = resource.read_text(encoding="utf-8")
    return tuple(
        Village(
            code=row["village_code"],
            name=row["village_name"],
            postal_code=row["postal_code"],
            district_code=row["district_code"],
            district_name=row["district_name"],
            regency_code=row["regency_code"],
            regency_name=row["regency_name"],
            province_name=row["province_name"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )


@cache
def villages_by_ulp() -> dict[str, tuple[Village, ...]]:
    """Villages each demo ULP serves, keyed by ULP code."""
    villages = demo_villages()
    result: dict[str, tuple[Village, ...]] = {}
    for unit in DEMO_ULPS:
        served = set(unit.district_codes)
        result[unit.code] = tuple(v for v in villages if v.district_code in served)
        if not result[unit.code]:
            raise LookupError(f"no bundled villages for {unit.code}; rerun synthetic_build.py")
    return result


@cache
def bundled_district_codes() -> frozenset[str]:
    """District codes the bundled data knows to be real (demo area and elsewhere)."""
    return frozenset(v.district_code for v in demo_villages()) | frozenset(OTHER_DISTRICT_CODES)
