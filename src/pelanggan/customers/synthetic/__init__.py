"""Deterministic synthetic customer master (DIL) for the demo utility.

Pure Python: no Django, no clock, one ``random.Random(seed)`` per call. Use it to
seed demo databases, to feed import tests with realistic valid rows (and with
known bad ones from ``generate_invalid_rows``), and to check data-quality
reports against the exhaustive list of planted problems.

Glossary: DIL (Daftar Induk Langganan) is the customer master register; IDPEL
the 12-digit customer id; ULP/UP3/UID the front-line, area and regional units;
``daya_va`` the contracted power in VA.
"""

from pelanggan.customers.synthetic.generator import generate_dil, write_csv
from pelanggan.customers.synthetic.invalid import INVALID_REASONS, generate_invalid_rows
from pelanggan.customers.synthetic.model import DIL_COLUMNS, PROBLEM_KINDS, GeneratedDil, Problem
from pelanggan.customers.synthetic.regions import Village, demo_villages
from pelanggan.customers.synthetic.tariffs import STANDARD_DAYA_VA, TARIFF_DAYA_RANGES
from pelanggan.customers.synthetic.units import CITY_AREAS, DEMO_UNITS, CityArea, DemoUnit

__all__ = [
    "CITY_AREAS",
    "DEMO_UNITS",
    "DIL_COLUMNS",
    "INVALID_REASONS",
    "PROBLEM_KINDS",
    "STANDARD_DAYA_VA",
    "TARIFF_DAYA_RANGES",
    "CityArea",
    "DemoUnit",
    "GeneratedDil",
    "Problem",
    "Village",
    "demo_villages",
    "generate_dil",
    "generate_invalid_rows",
    "write_csv",
]
