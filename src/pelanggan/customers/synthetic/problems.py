"""Planting deliberate, still-importable data-quality problems into generated rows.

Problems are planted only on rows of single-account private persons, so the
legitimate patterns (one person with several accounts, organisations without
NIK or birth date) never overlap with a planted problem, and each row carries
at most one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from random import Random

from pelanggan.customers.synthetic import people
from pelanggan.customers.synthetic.model import Problem

_PREMISE_COLUMNS = (
    "street", "rt", "rw", "village_code", "kelurahan", "kecamatan", "kabupaten_kota",
    "provinsi", "postal_code", "latitude", "longitude",
)  # fmt: skip


class _Pool:
    """Candidate rows in a random order, handed out once each."""

    def __init__(self, *, rng: Random, rows: Sequence[dict[str, str]], candidates: Sequence[int]):
        order = list(candidates)
        rng.shuffle(order)
        self._order = order
        self._next = 0
        self._by_ulp: dict[str, list[int]] = {}
        for index in order:
            self._by_ulp.setdefault(rows[index]["ulp_code"], []).append(index)
        self._next_by_ulp = dict.fromkeys(self._by_ulp, 0)
        self._rows = rows
        self._taken: set[int] = set()

    def take(self) -> int | None:
        while self._next < len(self._order):
            index = self._order[self._next]
            self._next += 1
            if index not in self._taken:
                self._taken.add(index)
                return index
        return None

    def take_same_ulp(self, other: int) -> int | None:
        """A row served by the same ULP, so a shared address stays in one area."""
        ulp = self._rows[other]["ulp_code"]
        queue = self._by_ulp[ulp]
        while self._next_by_ulp[ulp] < len(queue):
            index = queue[self._next_by_ulp[ulp]]
            self._next_by_ulp[ulp] += 1
            if index not in self._taken:
                self._taken.add(index)
                return index
        return None


def _duplicate_nik(
    *,
    rng: Random,
    rows: list[dict[str, str]],
    source: int,
    target: int,
    as_of: date,
    emails: set[str],
) -> Problem:
    src, dst = rows[source], rows[target]
    birth = date.fromisoformat(src["birth_date"])
    age = people.age_on(birth=birth, as_of=as_of)
    name = people.person_name(rng=rng, gender=src["gender"], age=age)
    while name.casefold() == src["full_name"].casefold():
        name = people.person_name(rng=rng, gender=src["gender"], age=age)
    # The NIK encodes birth date and sex, so those must follow it to keep the row valid.
    dst.update(nik=src["nik"], birth_date=src["birth_date"], gender=src["gender"], full_name=name)
    if dst["email"]:
        dst["email"] = people.new_email(rng=rng, name=name, birth_year=birth.year, used=emails)
    adult_on = people.add_years(birth, 18).isoformat()
    dst["connected_on"] = max(dst["connected_on"], adult_on)
    note = f"NIK also used by row {source} under a different name"
    return Problem(target, "duplicate_nik_different_name", note, source)


def _shared_phone(*, rng: Random, rows: list[dict[str, str]], source: int, target: int) -> Problem:
    national = people.normalise_phone(rows[source]["phone"])
    rows[target]["phone"] = people.format_phone(national, people.PHONE_STYLES.pick(rng))
    note = f"phone also used by row {source}, a different person"
    return Problem(target, "shared_phone", note, source)


def _same_premise(*, rows: list[dict[str, str]], source: int, target: int) -> Problem:
    for column in _PREMISE_COLUMNS:
        rows[target][column] = rows[source][column]
    note = f"same street, RT/RW and village as row {source}"
    return Problem(target, "same_premise", note, source)


def plant_problems(
    *,
    rng: Random,
    rows: list[dict[str, str]],
    candidates: Sequence[int],
    rates: Sequence[tuple[str, float]],
    as_of: date,
    emails: set[str],
) -> list[Problem]:
    """Change some candidate rows in place and return what was planted.

    ``rates`` gives, per kind, the share of all rows to affect; a pair kind
    counts its changed row only. Planting stops quietly when candidates run
    out, which only happens for very small data sets.
    """
    pool = _Pool(rng=rng, rows=rows, candidates=candidates)
    problems: list[Problem] = []
    for kind, rate in rates:
        for _ in range(round(len(rows) * rate)):
            first = pool.take()
            if first is None:
                return problems
            if kind in ("duplicate_nik_different_name", "shared_phone", "same_premise"):
                second = pool.take_same_ulp(first)
                if second is None:
                    continue
                # The later row is the one changed, as if it was keyed in after the first.
                source, target = min(first, second), max(first, second)
                if kind == "duplicate_nik_different_name":
                    planted = _duplicate_nik(
                        rng=rng, rows=rows, source=source, target=target, as_of=as_of, emails=emails
                    )
                elif kind == "shared_phone":
                    planted = _shared_phone(rng=rng, rows=rows, source=source, target=target)
                else:
                    planted = _same_premise(rows=rows, source=source, target=target)
                problems.append(planted)
            elif kind == "missing_phone":
                rows[first].update(phone="", phone_2="")
                problems.append(Problem(first, kind, "no phone number on record"))
            elif kind == "missing_postal_code":
                rows[first]["postal_code"] = ""
                problems.append(Problem(first, kind, "postal code missing"))
            elif kind == "missing_birth_date":
                rows[first]["birth_date"] = ""
                problems.append(Problem(first, kind, "birth date missing although a NIK is given"))
            else:
                raise ValueError(f"unknown problem kind {kind!r}")
    return problems
