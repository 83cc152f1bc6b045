"""Reference lists the customer master validates against.

Tariff groups and their connected-power ranges follow Permen ESDM 7/2024 (domain-rules §1.2);
rows marked [U] there are still accepted here because the class exists, only its prices are
unconfirmed, and prices are billing's concern. Water customer groups follow Permendagri 71/2016
(§7.1); each PDAM may add its own sub-groups, so the list is data, not logic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TariffGroup:
    code: str
    description: str
    min_va: int
    max_va: int | None
    prepaid_allowed: bool


_TR_MAX = 197_000
TARIFF_GROUPS: dict[str, TariffGroup] = {
    g.code: g
    for g in (
        TariffGroup("S-1/TR", "Sosial tegangan rendah", 450, 200_000, True),
        TariffGroup("S-2/TM", "Sosial tegangan menengah", 200_001, None, False),
        TariffGroup("R-1/TR", "Rumah tangga kecil", 450, 2_200, True),
        TariffGroup("R-2/TR", "Rumah tangga menengah", 3_500, 5_500, True),
        TariffGroup("R-3/TR", "Rumah tangga besar", 6_600, _TR_MAX, True),
        TariffGroup("R-3/TM", "Rumah tangga besar tegangan menengah", 200_001, None, True),
        TariffGroup("B-1/TR", "Bisnis kecil", 450, 5_500, True),
        TariffGroup("B-2/TR", "Bisnis menengah", 6_600, 200_000, True),
        TariffGroup("B-3/TM", "Bisnis besar", 200_001, None, False),
        TariffGroup("I-1/TR", "Industri kecil", 450, 14_000, True),
        TariffGroup("I-2/TR", "Industri menengah", 14_001, 200_000, False),
        TariffGroup("I-3/TM", "Industri tegangan menengah", 200_001, None, False),
        TariffGroup("I-4/TT", "Industri tegangan tinggi", 30_000_000, None, False),
        TariffGroup("P-1/TR", "Kantor pemerintah", 450, 200_000, True),
        TariffGroup("P-2/TM", "Kantor pemerintah tegangan menengah", 200_001, None, False),
        TariffGroup("P-3/TR", "Penerangan jalan umum", 450, _TR_MAX, True),
        TariffGroup("L/TR", "Layanan khusus", 450, _TR_MAX, False),
        TariffGroup("C/TR", "Curah tegangan rendah", 450, _TR_MAX, False),
        TariffGroup("C/TM", "Curah tegangan menengah", 200_001, None, False),
    )
}

WATER_CUSTOMER_GROUPS: dict[str, str] = {
    "K I": "Kelompok I: sosial, MBR, pendidikan (tarif rendah)",
    "K II": "Kelompok II: rumah tangga, kebutuhan pokok (tarif dasar)",
    "K III": "Kelompok III: usaha dan industri (tarif penuh)",
    "K KHUSUS": "Kelompok khusus: berdasarkan perjanjian",
}

WATER_PIPE_SIZES_MM = (13, 19, 25, 32, 40, 50, 80, 100, 150)
