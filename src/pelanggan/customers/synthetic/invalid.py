"""Realistic bad DIL rows for import tests, each with the error an importer must report.

Every bad row is a valid generated row with exactly one defect, so a test can
assert the single (column, reason) it expects without other noise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Final

from pelanggan.customers.synthetic import people
from pelanggan.customers.synthetic.generator import generate_dil

DEFAULT_AS_OF: Final = date(2026, 11, 22)

INVALID_REASONS: Final[tuple[str, ...]] = (
    "nik_bad_length",
    "nik_bad_day",
    "nik_birth_date_mismatch",
    "phone_not_indonesian",
    "idpel_bad_format",
    "meter_number_bad_format",
    "daya_not_standard",
    "coordinates_outside_indonesia",
    "address_incomplete",
    "village_unknown",
)

UNKNOWN_VILLAGE_CODE: Final = "3273999999"

# Bad rows take IDPEL sequences from the top of each ULP's range, far above
# what generate_dil hands out, so they never collide with a valid test data set.
_IDPEL_SEQUENCE_BASE = 9_900_000

Row = dict[str, str]
_Defect = tuple[str, str, Callable[[Row], bool], Callable[[Row], None]]


def _is_person(row: Row) -> bool:
    return bool(row["nik"] and row["birth_date"])


def _mid_aged(as_of: date) -> Callable[[Row], bool]:
    # The shifted date must still be a plausible birth date for an adult.
    def accept(row: Row) -> bool:
        return _is_person(row) and as_of.year - 70 <= int(row["birth_date"][:4]) <= as_of.year - 25

    return accept


def _shift_nik_birth_part(row: Row) -> None:
    # The NIK keeps a real, well-formed date, just not the one on record.
    wrong = date.fromisoformat(row["birth_date"]) - timedelta(days=3)
    part = people.nik_birth_part(birth=wrong, gender=row["gender"])
    row["nik"] = row["nik"][:6] + part + row["nik"][12:]


def _set_nik_day(row: Row) -> None:
    # Day 35 is neither a man's (01-31) nor a woman's (41-71) day. The birth date
    # is cleared so the row is not also a birth-date mismatch.
    row.update(nik=row["nik"][:6] + "35" + row["nik"][8:], birth_date="")


def _defects(as_of: date) -> tuple[_Defect, ...]:
    return (
        ("nik", "nik_bad_length", _is_person, lambda r: r.update(nik=r["nik"][:15])),
        ("nik", "nik_bad_day", _is_person, _set_nik_day),
        ("nik", "nik_birth_date_mismatch", _mid_aged(as_of), _shift_nik_birth_part),
        ("phone", "phone_not_indonesian", lambda r: bool(r["phone"]),
         lambda r: r.update(phone="+1 202 555 0100")),
        # A letter O typed for a zero, the classic keying slip.
        ("idpel", "idpel_bad_format", lambda r: True,
         lambda r: r.update(idpel=r["idpel"][:7] + "O" + r["idpel"][8:])),
        ("meter_number", "meter_number_bad_format", lambda r: r["payment_mode"] == "prepaid",
         lambda r: r.update(meter_number=r["meter_number"][:10])),
        ("daya_va", "daya_not_standard", lambda r: r["utility"] == "electricity",
         lambda r: r.update(daya_va="1000")),
        ("latitude", "coordinates_outside_indonesia", lambda r: bool(r["latitude"]),
         lambda r: r.update(latitude="40.000000")),
        ("street", "address_incomplete", lambda r: True, lambda r: r.update(street="")),
        ("village_code", "village_unknown", lambda r: r["ulp_code"] == "53110",
         lambda r: r.update(village_code=UNKNOWN_VILLAGE_CODE)),
    )  # fmt: skip


def _derived_seed(seed: int) -> int:
    # A separate stream: the base rows must not repeat the NIKs, phones or
    # meters of generate_dil(seed=seed) used next to them in the same test.
    digest = hashlib.sha256(f"pelanggan.synthetic.invalid:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def generate_invalid_rows(seed: int, *, as_of: date = DEFAULT_AS_OF) -> list[tuple[Row, str, str]]:
    """Return ``(row, column, reason)`` for one bad row per reason in ``INVALID_REASONS``.

    Deterministic in ``seed`` and ``as_of``. Raises ``LookupError`` if no base
    row fits a defect (cannot happen with the built-in mixes).
    """
    generated = generate_dil(customers=400, seed=_derived_seed(seed), as_of=as_of)
    flagged = {problem.row for problem in generated.problems}
    clean = [dict(row) for i, row in enumerate(generated.rows) if i not in flagged]
    used: set[int] = set()
    result: list[tuple[Row, str, str]] = []
    for column, reason, accept, damage in _defects(as_of):
        index = next((i for i, row in enumerate(clean) if i not in used and accept(row)), None)
        if index is None:
            raise LookupError(f"no base row for {reason}")
        used.add(index)
        row = clean[index]
        sequence = _IDPEL_SEQUENCE_BASE + len(result)
        row["idpel"] = f"{row['ulp_code']}{sequence:07d}"
        damage(row)
        result.append((row, column, reason))
    return result
