"""Tariff and connection mixes for synthetic accounts (domain rules 1.2, 1.6, 7.1).

Weights are relative and only roughly follow PLN's household-heavy customer
base (450 and 900 VA households dominate); they are demo data, not statistics.
"""

from __future__ import annotations

from typing import Final

# Domain rules 1.6: single-phase and three-phase steps, in VA.
# fmt: off
SINGLE_PHASE_DAYA_VA: Final = (
    450, 900, 1300, 2200, 3500, 4400, 5500, 7700, 11000, 13900, 17600, 22000,
)
THREE_PHASE_DAYA_VA: Final = (
    3900, 6600, 10600, 13200, 16500, 23000, 33000, 41500, 53000, 66000, 82500, 105000,
    131000, 147000, 164000, 197000,
)
# fmt: on
STANDARD_DAYA_VA: Final[frozenset[int]] = frozenset(SINGLE_PHASE_DAYA_VA + THREE_PHASE_DAYA_VA)

# Inclusive VA range each low-voltage class is sold in (domain rules 1.2).
TARIFF_DAYA_RANGES: Final[dict[str, tuple[int, int]]] = {
    "R-1/TR": (450, 2200),
    "R-2/TR": (3500, 5500),
    "R-3/TR": (6600, 197000),
    "B-1/TR": (450, 5500),
    "B-2/TR": (6600, 200000),
    "S-1/TR": (450, 200000),
    "P-1/TR": (450, 200000),
}

# (tariff group, daya VA, weight, share of prepaid). Large connections are more
# often postpaid because their owners want a monthly invoice.
ELECTRICITY_MIX: Final[tuple[tuple[str, int, int, float], ...]] = (
    ("R-1/TR", 450, 200, 0.80),
    ("R-1/TR", 900, 300, 0.80),
    ("R-1/TR", 1300, 170, 0.76),
    ("R-1/TR", 2200, 90, 0.70),
    ("R-2/TR", 3500, 30, 0.62),
    ("R-2/TR", 4400, 15, 0.60),
    ("R-2/TR", 5500, 15, 0.60),
    ("R-3/TR", 6600, 10, 0.50),
    ("R-3/TR", 7700, 4, 0.50),
    ("R-3/TR", 10600, 3, 0.45),
    ("R-3/TR", 13200, 2, 0.40),
    ("R-3/TR", 16500, 1, 0.40),
    ("B-1/TR", 1300, 25, 0.75),
    ("B-1/TR", 2200, 25, 0.70),
    ("B-1/TR", 3500, 12, 0.60),
    ("B-1/TR", 4400, 6, 0.55),
    ("B-1/TR", 5500, 6, 0.50),
    ("B-2/TR", 6600, 6, 0.40),
    ("B-2/TR", 7700, 3, 0.40),
    ("B-2/TR", 10600, 3, 0.35),
    ("B-2/TR", 13200, 2, 0.30),
    ("B-2/TR", 23000, 1, 0.20),
    ("B-2/TR", 33000, 1, 0.20),
    ("S-1/TR", 450, 6, 0.70),
    ("S-1/TR", 900, 6, 0.70),
    ("S-1/TR", 1300, 4, 0.60),
    ("S-1/TR", 2200, 3, 0.55),
    ("S-1/TR", 3500, 2, 0.50),
    ("P-1/TR", 1300, 2, 0.40),
    ("P-1/TR", 2200, 3, 0.40),
    ("P-1/TR", 3500, 2, 0.40),
    ("P-1/TR", 6600, 2, 0.30),
    ("P-1/TR", 13200, 1, 0.20),
)

# Water customer groups (Permendagri 71/2016 Kelompok I, II, III, Khusus) with
# weights and the pipe sizes (mm) typical for each group.
WATER_GROUPS: Final[tuple[tuple[str, int], ...]] = (
    ("K I", 12),
    ("K II", 70),
    ("K III", 15),
    ("K KHUSUS", 3),
)
WATER_PIPES: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "K I": (("13", 97), ("19", 3)),
    "K II": (("13", 92), ("19", 6), ("25", 2)),
    "K III": (("13", 55), ("19", 20), ("25", 15), ("40", 7), ("50", 3)),
    "K KHUSUS": (("19", 20), ("25", 30), ("40", 30), ("50", 20)),
}

# Which holders a connection has: a private person, a business, a social body
# or a government office. Fractions are the share of business-named holders.
BUSINESS_HOLDER_SHARE: Final[dict[str, float]] = {
    "B-1/TR": 0.45,
    "B-2/TR": 0.85,
    "K III": 0.55,
    "K KHUSUS": 1.0,
}
