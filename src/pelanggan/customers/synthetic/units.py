"""The demo utility's unit tree (UID → UP3 → ULP) and the areas its ULPs serve.

Unit codes follow PLN's habit of numeric office codes; the first five digits of
an IDPEL are the ULP code here. That convention is an assumption of this demo
(the real IDPEL structure is not documented publicly, domain rules 8.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

UnitKind = Literal["UID", "UP3", "ULP"]


@dataclass(frozen=True, slots=True)
class DemoUnit:
    """One office of the demo utility.

    ``district_codes`` are 6-digit Kemendagri kecamatan codes. A ULP lists the
    districts it serves; a UP3 or UID lists the union of its children's, so a
    consumer can ask any unit which regions it covers without walking the tree.
    """

    code: str
    name: str
    kind: UnitKind
    parent_code: str | None
    idpel_prefix: str | None
    district_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CityArea:
    """A circle used to scatter premise coordinates inside a regency/city.

    A circle rather than the real boundary keeps the data file small; the
    radius is chosen so the circle stays inside the administrative area.
    """

    regency_code: str
    latitude: float
    longitude: float
    radius_km: float


_BANDUNG_UTARA: Final = (
    "327301",  # Sukasari
    "327302",  # Coblong
    "327306",  # Cicendo
    "327307",  # Sukajadi
    "327308",  # Cidadap
    "327309",  # Bandung Wetan
    "327314",  # Cibeunying Kidul
    "327318",  # Cibeunying Kaler
    "327319",  # Sumur Bandung
)
_CIMAHI: Final = ("327701", "327702", "327703")
_BOGOR_KOTA: Final = ("327101", "327102", "327103", "327104", "327105", "327106")
_CIBINONG: Final = (
    "320101",  # Cibinong
    "320102",  # Gunungputri
    "320103",  # Citeureup
    "320104",  # Sukaraja
    "320105",  # Babakan Madang
    "320113",  # Bojonggede
)

DEMO_UNITS: Final[tuple[DemoUnit, ...]] = (
    DemoUnit(
        "53000",
        "UID Jawa Barat",
        "UID",
        None,
        None,
        _BANDUNG_UTARA + _CIMAHI + _BOGOR_KOTA + _CIBINONG,
    ),
    DemoUnit("53100", "UP3 Bandung", "UP3", "53000", None, _BANDUNG_UTARA + _CIMAHI),
    DemoUnit("53110", "ULP Bandung Utara", "ULP", "53100", "53110", _BANDUNG_UTARA),
    DemoUnit("53120", "ULP Cimahi", "ULP", "53100", "53120", _CIMAHI),
    DemoUnit("53200", "UP3 Bogor", "UP3", "53000", None, _BOGOR_KOTA + _CIBINONG),
    DemoUnit("53210", "ULP Bogor Kota", "ULP", "53200", "53210", _BOGOR_KOTA),
    DemoUnit("53220", "ULP Cibinong", "ULP", "53200", "53220", _CIBINONG),
)

DEMO_ULPS: Final[tuple[DemoUnit, ...]] = tuple(u for u in DEMO_UNITS if u.kind == "ULP")

# Centres are the city halls / town centres; radii keep the circle inside the
# administrative boundary (Kota Bogor is narrow east-west, hence 3.5 km).
CITY_AREAS: Final[dict[str, CityArea]] = {
    "3273": CityArea("3273", -6.914, 107.609, 4.5),  # Kota Bandung
    "3277": CityArea("3277", -6.872, 107.542, 2.5),  # Kota Cimahi
    "3271": CityArea("3271", -6.595, 106.816, 3.5),  # Kota Bogor
    "3201": CityArea("3201", -6.481, 106.854, 6.0),  # Kabupaten Bogor around Cibinong
}


def demo_district_codes() -> tuple[str, ...]:
    """All district codes served by some demo ULP, in unit order."""
    return tuple(code for unit in DEMO_ULPS for code in unit.district_codes)
