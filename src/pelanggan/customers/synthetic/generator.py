"""Deterministic synthetic DIL (customer master) rows for the demo utility.

One ``random.Random(seed)`` drives everything and nothing iterates a set or
reads the clock, so the same arguments always give byte-identical CSV output.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Final

from pelanggan.customers.synthetic import people, vocab
from pelanggan.customers.synthetic.model import DIL_COLUMNS, PROBLEM_KINDS, GeneratedDil, Problem
from pelanggan.customers.synthetic.problems import plant_problems
from pelanggan.customers.synthetic.regions import OTHER_DISTRICT_CODES, Village, villages_by_ulp
from pelanggan.customers.synthetic.tariffs import (
    BUSINESS_HOLDER_SHARE,
    ELECTRICITY_MIX,
    WATER_GROUPS,
    WATER_PIPES,
)
from pelanggan.customers.synthetic.units import CITY_AREAS, DEMO_ULPS


@dataclass(slots=True)
class _Holder:
    """The person or organisation behind one or more accounts."""

    kind: str  # person, business, social, government
    name: str
    nik: str = ""
    birth: date | None = None
    gender: str = ""
    phone: str = ""
    phone_style: int = 0
    phone_2: str = ""
    email: str = ""
    accounts: int = 1


@dataclass(slots=True)
class _State:
    rng: Random
    as_of: date
    niks: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    meters: set[str] = field(default_factory=set)
    premises: set[tuple[str, str, str, str]] = field(default_factory=set)


_ULP_WEIGHTS = people.Weighted([("53110", 30), ("53120", 18), ("53210", 30), ("53220", 22)])
_ELECTRICITY = people.Weighted(
    [((group, daya, prepaid), weight) for group, daya, weight, prepaid in ELECTRICITY_MIX]
)
_WATER_GROUP = people.Weighted(list(WATER_GROUPS))
_WATER_PIPE = {group: people.Weighted(list(pipes)) for group, pipes in WATER_PIPES.items()}
_POSTPAID_METER_LENGTH = people.Weighted([(6, 5), (7, 10), (8, 30), (9, 15), (10, 15), (12, 25)])
_DATA_SOURCE = people.Weighted([("import", 85), ("registration", 10), ("contact_centre", 5)])
_STREET_FORM = people.Weighted([("jalan", 50), ("gang", 22), ("jalan_gang", 10), ("komplek", 18)])
_ORG_EARLIEST = date(1975, 1, 1).toordinal()
_PERSON_EARLIEST = date(1980, 1, 1).toordinal()
_KM_PER_DEGREE_LAT = 110.574
_KM_PER_DEGREE_LON_EQUATOR = 111.320
_MISSING_COORDINATES_SHARE = 0.08
_MULTI_ACCOUNT_SHARE = 0.05
_PROBLEM_RATES: Final[tuple[tuple[str, float], ...]] = (
    ("duplicate_nik_different_name", 0.004),
    ("shared_phone", 0.005),
    ("same_premise", 0.005),
    ("missing_phone", 0.006),
    ("missing_postal_code", 0.004),
    ("missing_birth_date", 0.005),
)


def _connection(rng: Random) -> dict[str, str]:
    if rng.random() < 0.8:
        group, daya, prepaid_share = _ELECTRICITY.pick(rng)
        return {
            "utility": "electricity",
            "payment_mode": "prepaid" if rng.random() < prepaid_share else "postpaid",
            "tariff_group": group,
            "daya_va": str(daya),
            "customer_group": "",
            "pipe_size_mm": "",
        }
    water_group = _WATER_GROUP.pick(rng)
    return {
        "utility": "water",
        "payment_mode": "postpaid",
        "tariff_group": "",
        "daya_va": "",
        "customer_group": water_group,
        "pipe_size_mm": _WATER_PIPE[water_group].pick(rng),
    }


def _holder_kind(rng: Random, connection: Mapping[str, str]) -> str:
    group = connection["tariff_group"] or connection["customer_group"]
    if group == "S-1/TR":
        return "social"
    if group == "P-1/TR":
        return "government"
    return "business" if rng.random() < BUSINESS_HOLDER_SHARE.get(group, 0.0) else "person"


def _meter_number(state: _State, connection: Mapping[str, str]) -> str:
    rng = state.rng
    while True:
        if connection["utility"] == "water":
            number = f"WM{people.between(rng, 0, 10**8 - 1):08d}"
        elif connection["payment_mode"] == "prepaid":
            # STS meter numbers are 11 digits; the demo batches start with 1, 3 or 5.
            number = people.pick(rng, "135") + f"{people.between(rng, 0, 10**10 - 1):010d}"
        else:
            # 11 digits is left out so a postpaid meter never looks like an STS one.
            length = _POSTPAID_METER_LENGTH.pick(rng)
            number = str(people.between(rng, 10 ** (length - 1), 10**length - 1))
        if number not in state.meters:
            state.meters.add(number)
            return number


def _street(rng: Random, regency_code: str) -> str:
    form = _STREET_FORM.pick(rng)
    if form == "komplek":
        kind = "Komp." if rng.random() < 0.6 else "Perum"
        estate = people.pick(rng, vocab.HOUSING_ESTATES)
        block = people.pick(rng, "ABCDEFGHJK")
        return f"{kind} {estate} Blok {block}-{people.between(rng, 1, 40)}"
    gang = f"{people.pick(rng, vocab.GANG_NAMES)} {people.pick(rng, vocab.ROMAN_NUMERALS)}"
    if form == "gang":
        return f"Gg. {gang} No. {people.between(rng, 1, 60)}"
    local = vocab.CITY_STREETS[regency_code]
    street = people.pick(rng, local if rng.random() < 0.55 else vocab.COMMON_STREETS)
    if form == "jalan_gang":
        return f"Jl. {street} Gg. {gang} No. {people.between(rng, 1, 60)}"
    suffix = people.pick(rng, ("", "", "", "", "A", "B"))
    return f"Jl. {street} No. {people.between(rng, 1, 180)}{suffix}"


def _coordinates(rng: Random, regency_code: str) -> tuple[str, str]:
    if rng.random() < _MISSING_COORDINATES_SHARE:
        return "", ""
    area = CITY_AREAS[regency_code]
    # sqrt keeps points uniform over the disc instead of crowding the centre.
    distance = area.radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    lat = area.latitude + distance * math.cos(bearing) / _KM_PER_DEGREE_LAT
    lon_km = _KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(area.latitude))
    lon = area.longitude + distance * math.sin(bearing) / lon_km
    return f"{lat:.6f}", f"{lon:.6f}"


def _premise(state: _State, ulp_code: str) -> tuple[Village, dict[str, str]]:
    rng = state.rng
    village: Village = people.pick(rng, villages_by_ulp()[ulp_code])
    while True:
        street = _street(rng, village.regency_code)
        rt, rw = f"{people.between(rng, 1, 15):03d}", f"{people.between(rng, 1, 15):03d}"
        key = (street, rt, rw, village.code)
        # Premises are unique unless a same_premise problem is planted later.
        if key not in state.premises:
            state.premises.add(key)
            break
    latitude, longitude = _coordinates(rng, village.regency_code)
    return village, {
        "street": street,
        "rt": rt,
        "rw": rw,
        "village_code": village.code,
        "kelurahan": village.name,
        "kecamatan": village.district_name,
        "kabupaten_kota": village.regency_name,
        "provinsi": village.province_name,
        "postal_code": village.postal_code,
        "latitude": latitude,
        "longitude": longitude,
    }


def _nik_district(rng: Random, village: Village) -> str:
    roll = rng.random()
    if roll < 0.10:
        return people.pick(rng, OTHER_DISTRICT_CODES)
    if roll < 0.25:
        return people.pick(rng, people.pick(rng, DEMO_ULPS).district_codes)
    return village.district_code


def _person(state: _State, village: Village) -> _Holder:
    rng = state.rng
    gender = "M" if rng.random() < 0.6 else "F"
    birth = people.birth_date(rng=rng, as_of=state.as_of)
    age = people.age_on(birth=birth, as_of=state.as_of)
    name = people.person_name(rng=rng, gender=gender, age=age)
    holder = _Holder(kind="person", name=name, birth=birth, gender=gender)
    holder.nik = people.new_nik(
        rng=rng, district_code=_nik_district(rng, village), birth=birth, gender=gender,
        used=state.niks,
    )  # fmt: skip
    holder.phone = people.new_mobile(rng=rng, used=state.phones)
    holder.phone_style = people.PHONE_STYLES.pick(rng)
    if rng.random() < 0.08:
        holder.phone_2 = people.new_mobile(rng=rng, used=state.phones)
    if rng.random() < 0.30:
        holder.email = people.new_email(
            rng=rng, name=name, birth_year=birth.year, used=state.emails
        )
    return holder


def _organisation(state: _State, kind: str, village: Village) -> _Holder:
    rng = state.rng
    name = people.organisation_name(
        rng=rng, kind=kind, village_name=village.name, district_name=village.district_name
    )
    holder = _Holder(kind=kind, name=name)
    if rng.random() < 0.5:
        holder.phone = people.new_landline(
            rng=rng, regency_code=village.regency_code, used=state.phones
        )
    else:
        holder.phone = people.new_mobile(rng=rng, used=state.phones)
    holder.phone_style = people.PHONE_STYLES.pick(rng)
    if rng.random() < 0.4:
        holder.email = people.new_email(rng=rng, name=name, birth_year=None, used=state.emails)
    return holder


def _connected_on(state: _State, holder: _Holder) -> str:
    earliest = _ORG_EARLIEST
    if holder.birth is not None:
        adult = people.add_years(holder.birth, 18).toordinal()
        earliest = max(_PERSON_EARLIEST, adult)
    latest = state.as_of.toordinal()
    return date.fromordinal(people.between(state.rng, min(earliest, latest), latest)).isoformat()


def _row(
    state: _State,
    holder: _Holder,
    ulp_code: str,
    premise: dict[str, str],
    connection: dict[str, str],
) -> dict[str, str]:
    rng = state.rng
    # Built in DIL_COLUMNS order so the dict iterates like the CSV reads.
    return {
        "idpel": "",  # assigned once all rows exist, in connection order
        "ulp_code": ulp_code,
        "full_name": holder.name,
        "nik": holder.nik,
        "birth_date": holder.birth.isoformat() if holder.birth else "",
        "gender": holder.gender,
        "phone": people.format_phone(holder.phone, holder.phone_style),
        "phone_2": holder.phone_2,
        "email": holder.email,
        **premise,
        **connection,
        "meter_number": _meter_number(state, connection),
        "account_status": "inactive" if rng.random() < 0.03 else "active",
        "connected_on": _connected_on(state, holder),
        "data_source": _DATA_SOURCE.pick(rng),
    }


def _accounts_for(state: _State) -> tuple[_Holder, list[dict[str, str]]]:
    """One holder and all of their rows."""
    rng = state.rng
    ulp_code = _ULP_WEIGHTS.pick(rng)
    connection = _connection(rng)
    kind = _holder_kind(rng, connection)
    village, premise = _premise(state, ulp_code)
    if kind == "person":
        holder = _person(state, village)
        if rng.random() < _MULTI_ACCOUNT_SHARE:
            holder.accounts = people.pick(rng, (2, 2, 3))
    else:
        holder = _organisation(state, kind, village)
    rows = [_row(state, holder, ulp_code, premise, connection)]
    for _ in range(holder.accounts - 1):
        # A second house or a kiosk, usually in the same service area.
        extra_ulp = ulp_code if rng.random() < 0.8 else _ULP_WEIGHTS.pick(rng)
        extra = _connection(rng)
        while _holder_kind(rng, extra) != "person":
            extra = _connection(rng)
        _, extra_premise = _premise(state, extra_ulp)
        rows.append(_row(state, holder, extra_ulp, extra_premise, extra))
    return holder, rows


def _assign_idpels(rng: Random, rows: list[dict[str, str]]) -> None:
    """Number accounts per ULP in order of connection, leaving gaps for closed ones."""
    # sorted() is stable, so accounts connected on the same day keep generation order.
    order = sorted(range(len(rows)), key=lambda i: rows[i]["connected_on"])
    next_sequence = {unit.code: people.between(rng, 1, 5000) for unit in DEMO_ULPS}
    for index in order:
        row = rows[index]
        ulp = row["ulp_code"]
        sequence = next_sequence[ulp]
        if sequence > 9_999_999:
            raise ValueError(f"IDPEL sequence space of {ulp} exhausted")
        row["idpel"] = f"{ulp}{sequence:07d}"
        gap = 1 if rng.random() < 0.8 else people.between(rng, 2, 9)
        next_sequence[ulp] = sequence + gap


def generate_dil(*, customers: int, seed: int, as_of: date) -> GeneratedDil:
    """Generate ``customers`` DIL rows (one per account) and the problems planted in them.

    Rows are ordered by IDPEL. Every row is valid for import; the problems are
    data-quality findings a checker should report, listed exhaustively per kind
    (all rows without coordinates are listed, for example). Raises ``ValueError``
    for a negative count.
    """
    if customers < 0:
        raise ValueError("customers must not be negative")
    state = _State(rng=Random(seed), as_of=as_of)
    rows: list[dict[str, str]] = []
    single_person: list[bool] = []
    while len(rows) < customers:
        holder, holder_rows = _accounts_for(state)
        holder_rows = holder_rows[: customers - len(rows)]
        rows.extend(holder_rows)
        single = holder.kind == "person" and len(holder_rows) == 1
        single_person.extend([single] * len(holder_rows))
    _assign_idpels(state.rng, rows)
    order = sorted(range(len(rows)), key=lambda i: rows[i]["idpel"])
    rows = [rows[i] for i in order]
    single_person = [single_person[i] for i in order]

    problems = plant_problems(
        rng=state.rng,
        rows=rows,
        candidates=[i for i, single in enumerate(single_person) if single],
        rates=_PROBLEM_RATES,
        as_of=as_of,
        emails=state.emails,
    )
    problems.extend(
        Problem(row=i, kind="missing_coordinates", note="premise has no coordinates")
        for i, row in enumerate(rows)
        if not row["latitude"]
    )
    problems.sort(key=lambda p: (p.row, PROBLEM_KINDS.index(p.kind)))
    return GeneratedDil(rows=rows, problems=problems)


def write_csv(path: str | os.PathLike[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write rows as the DIL import CSV: UTF-8, header first, ``\\n`` line ends."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DIL_COLUMNS)
        for row in rows:
            writer.writerow([row[column] for column in DIL_COLUMNS])
