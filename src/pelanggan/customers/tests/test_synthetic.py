"""Tests of the synthetic DIL generator. Plain pytest: no Django, no database.

The checks here are written independently of the generator (their own daya
steps, city boxes, phone rules) so that a mistake in a generator table is not
confirmed by the same table.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelanggan.customers.synthetic import (
    DEMO_UNITS,
    DIL_COLUMNS,
    PROBLEM_KINDS,
    GeneratedDil,
    generate_dil,
    generate_invalid_rows,
    write_csv,
)
from pelanggan.customers.synthetic._other_districts import OTHER_DISTRICT_CODES

AS_OF = date(2026, 11, 22)
SHARED_WILAYAH = (
    Path(__file__).resolve().parents[4]
    / ".."
    / "shared"
    / "datasets"
    / "id-kode-wilayah"
    / "wilayah_2025.csv"
)

# Domain rules 1.6 (standard connected-power steps) and 1.2 (range per class).
STANDARD_STEPS = {
    450, 900, 1300, 2200, 3500, 4400, 5500, 7700, 11000, 13900, 17600, 22000,
    3900, 6600, 10600, 13200, 16500, 23000, 33000, 41500, 53000, 66000, 82500, 105000,
    131000, 147000, 164000, 197000,
}  # fmt: skip
CLASS_RANGES = {
    "R-1/TR": (450, 2200),
    "R-2/TR": (3500, 5500),
    "R-3/TR": (6600, 197000),
    "B-1/TR": (450, 5500),
    "B-2/TR": (6600, 200000),
    "S-1/TR": (450, 200000),
    "P-1/TR": (450, 200000),
}
# Generous boxes around each city/regency's built-up area (lat_min, lat_max, lon_min, lon_max).
CITY_BOXES = {
    "Kota Bandung": (-6.97, -6.84, 107.55, 107.74),
    "Kota Cimahi": (-6.92, -6.83, 107.51, 107.57),
    "Kota Bogor": (-6.66, -6.52, 106.75, 106.86),
    "Kabupaten Bogor": (-6.56, -6.40, 106.78, 106.92),
}
INDONESIA_BOX = (-11.1, 6.1, 94.9, 141.1)


def _bundled_villages() -> dict[str, dict[str, str]]:
    text = (files("pelanggan.customers") / "data" / "demo_villages.csv").read_text("utf-8")
    return {row["village_code"]: row for row in csv.DictReader(io.StringIO(text))}


BUNDLED_VILLAGES = _bundled_villages()
BUNDLED_DISTRICTS = {v["district_code"] for v in BUNDLED_VILLAGES.values()} | set(
    OTHER_DISTRICT_CODES
)


def _national_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if value.startswith(("+62", "62")):
        return "0" + digits[2:]
    return digits


def _nik_birth_part(birth: str, gender: str) -> str:
    day = date.fromisoformat(birth)
    return f"{day.day + (40 if gender == 'F' else 0):02d}{day.month:02d}{day.year % 100:02d}"


def _nik_is_valid(row: Mapping[str, str]) -> bool:
    nik = row["nik"]
    if not re.fullmatch(r"\d{16}", nik):
        return False
    day, month, serial = int(nik[6:8]), int(nik[8:10]), int(nik[12:])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12 or not 1 <= serial <= 50:
        return False
    if (day > 40) != (row["gender"] == "F"):
        return False
    return not row["birth_date"] or nik[6:12] == _nik_birth_part(row["birth_date"], row["gender"])


def _format_errors(row: Mapping[str, str]) -> set[str]:
    """Columns of ``row`` that an import validator would reject."""
    bad: set[str] = set()
    if not re.fullmatch(r"\d{12}", row["idpel"]) or row["idpel"][:5] != row["ulp_code"]:
        bad.add("idpel")
    if row["nik"] and not _nik_is_valid(row):
        bad.add("nik")
    for column in ("phone", "phone_2"):
        if row[column] and not re.fullmatch(
            r"0(8\d{9,11}|2\d{8,10})", _national_phone(row[column])
        ):
            bad.add(column)
    if row["email"] and not re.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}", row["email"]):
        bad.add("email")
    if not row["street"].strip():
        bad.add("street")
    if row["village_code"] not in BUNDLED_VILLAGES:
        bad.add("village_code")
    for column in ("rt", "rw"):
        if not re.fullmatch(r"0(0[1-9]|1[0-5])", row[column]):
            bad.add(column)
    if row["latitude"]:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        if not INDONESIA_BOX[0] <= lat <= INDONESIA_BOX[1]:
            bad.add("latitude")
        if not INDONESIA_BOX[2] <= lon <= INDONESIA_BOX[3]:
            bad.add("longitude")
    meter = row["meter_number"]
    if row["utility"] == "water":
        if not re.fullmatch(r"WM\d{8}", meter):
            bad.add("meter_number")
    elif row["payment_mode"] == "prepaid":
        if not re.fullmatch(r"[135]\d{10}", meter):
            bad.add("meter_number")
    elif not re.fullmatch(r"\d{6,12}", meter):
        bad.add("meter_number")
    if row["utility"] == "electricity":
        low, high = CLASS_RANGES[row["tariff_group"]]
        daya = int(row["daya_va"])
        if daya not in STANDARD_STEPS or not low <= daya <= high:
            bad.add("daya_va")
    return bad


@pytest.fixture(scope="module")
def dil() -> GeneratedDil:
    return generate_dil(customers=2000, seed=2024, as_of=AS_OF)


def _groups(rows: Iterable[Mapping[str, str]], key: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row[key]:
            found[row[key]].append(index)
    return found


# --- determinism, shape ----------------------------------------------------


def test_same_seed_gives_byte_identical_csv(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(first, generate_dil(customers=500, seed=7, as_of=AS_OF).rows)
    write_csv(second, generate_dil(customers=500, seed=7, as_of=AS_OF).rows)
    assert first.read_bytes() == second.read_bytes()


def test_different_seed_gives_different_rows() -> None:
    one = generate_dil(customers=200, seed=1, as_of=AS_OF)
    two = generate_dil(customers=200, seed=2, as_of=AS_OF)
    assert one.rows != two.rows


def test_rows_have_requested_count_and_exact_columns(dil: GeneratedDil) -> None:
    assert len(dil.rows) == 2000
    for row in dil.rows:
        assert tuple(row) == DIL_COLUMNS
        assert all(isinstance(value, str) for value in row.values())


def test_small_and_empty_counts() -> None:
    assert generate_dil(customers=0, seed=1, as_of=AS_OF).rows == []
    assert len(generate_dil(customers=1, seed=1, as_of=AS_OF).rows) == 1
    with pytest.raises(ValueError, match="negative"):
        generate_dil(customers=-1, seed=1, as_of=AS_OF)


def test_csv_round_trip(tmp_path: Path, dil: GeneratedDil) -> None:
    path = tmp_path / "dil.csv"
    write_csv(path, dil.rows)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == DIL_COLUMNS
        assert list(reader) == dil.rows


# --- identifiers -----------------------------------------------------------


def test_idpels_are_unique_and_prefixed_by_ulp(dil: GeneratedDil) -> None:
    idpels = [row["idpel"] for row in dil.rows]
    assert len(set(idpels)) == len(idpels)
    assert idpels == sorted(idpels)
    ulps = {unit.code for unit in DEMO_UNITS if unit.kind == "ULP"}
    for row in dil.rows:
        assert re.fullmatch(r"\d{12}", row["idpel"])
        assert row["ulp_code"] in ulps
        assert row["idpel"][:5] == row["ulp_code"]


def test_meter_numbers_are_unique_and_well_formed(dil: GeneratedDil) -> None:
    meters = [row["meter_number"] for row in dil.rows]
    assert len(set(meters)) == len(meters)
    kinds = {(row["utility"], row["payment_mode"]) for row in dil.rows}
    assert kinds == {("electricity", "prepaid"), ("electricity", "postpaid"), ("water", "postpaid")}


def test_every_row_passes_format_checks(dil: GeneratedDil) -> None:
    failures = {i: _format_errors(row) for i, row in enumerate(dil.rows)}
    assert {i: bad for i, bad in failures.items() if bad} == {}


@settings(max_examples=20, deadline=None)
@given(customers=st.integers(min_value=0, max_value=80), seed=st.integers(0, 2**32))
def test_any_seed_gives_valid_unique_rows(customers: int, seed: int) -> None:
    generated = generate_dil(customers=customers, seed=seed, as_of=AS_OF)
    assert len(generated.rows) == customers
    assert all(not _format_errors(row) for row in generated.rows)
    assert len({row["idpel"] for row in generated.rows}) == customers
    assert len({row["meter_number"] for row in generated.rows}) == customers


# --- persons and NIK -------------------------------------------------------


def test_nik_region_is_a_bundled_district(dil: GeneratedDil) -> None:
    prefixes = [row["nik"][:6] for row in dil.rows if row["nik"]]
    assert set(prefixes) <= BUNDLED_DISTRICTS
    # Most people were first registered in the demo area, about one in ten elsewhere.
    elsewhere = sum(p[:4] not in {"3273", "3277", "3271", "3201"} for p in prefixes)
    assert 0.05 < elsewhere / len(prefixes) < 0.15


@pytest.mark.skipif(
    not SHARED_WILAYAH.is_file(),
    reason="dataset shared/datasets/id-kode-wilayah/wilayah_2025.csv not present",
)
def test_nik_region_exists_in_shared_region_list(dil: GeneratedDil) -> None:
    with SHARED_WILAYAH.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    districts = {r["kode_digits"] for r in rows if r["level"] == "3"}
    villages = {r["kode_digits"] for r in rows if r["level"] == "4"}
    assert {row["nik"][:6] for row in dil.rows if row["nik"]} <= districts
    assert {row["village_code"] for row in dil.rows} <= villages
    assert "3273999999" not in villages


def test_nik_encodes_gender_and_birth_date(dil: GeneratedDil) -> None:
    persons = [row for row in dil.rows if row["nik"]]
    assert persons
    for row in persons:
        day = int(row["nik"][6:8])
        assert (day > 40) == (row["gender"] == "F"), row
        assert row["gender"] in ("M", "F")
        assert 1 <= int(row["nik"][12:]) <= 50
        if row["birth_date"]:
            assert row["nik"][6:12] == _nik_birth_part(row["birth_date"], row["gender"])


def test_ages_are_between_18_and_85(dil: GeneratedDil) -> None:
    for row in dil.rows:
        if row["birth_date"]:
            born = date.fromisoformat(row["birth_date"])
            age = AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))
            assert 18 <= age <= 85
            # Someone born on 29 February comes of age on the 28th in common years.
            adult_on = date(
                born.year + 18, born.month, min(born.day, 28 if born.month == 2 else 31)
            )
            assert row["connected_on"] >= adult_on.isoformat()
        assert row["connected_on"] <= AS_OF.isoformat()


def test_organisations_have_no_personal_identifiers(dil: GeneratedDil) -> None:
    organisations = [row for row in dil.rows if not row["nik"]]
    assert organisations
    for row in organisations:
        assert row["birth_date"] == row["gender"] == ""
    assert {row["tariff_group"] for row in dil.rows if row["tariff_group"] in ("S-1/TR", "P-1/TR")}
    assert all(not row["nik"] for row in dil.rows if row["tariff_group"] in ("S-1/TR", "P-1/TR"))


def test_multi_account_owners_share_nik_name_and_phone(dil: GeneratedDil) -> None:
    listed = {p.row for p in dil.problems if p.kind == "duplicate_nik_different_name"}
    owners = 0
    for indexes in _groups(dil.rows, "nik").values():
        if len(indexes) == 1 or any(i in listed for i in indexes):
            continue
        owners += 1
        assert 2 <= len(indexes) <= 3
        first = dil.rows[indexes[0]]
        for i in indexes[1:]:
            row = dil.rows[i]
            assert (row["full_name"], row["phone"], row["email"]) == (
                first["full_name"],
                first["phone"],
                first["email"],
            )
    persons = len({row["nik"] for row in dil.rows if row["nik"]})
    assert 0.02 < owners / persons < 0.08


def test_niks_are_unique_except_owners_and_listed_duplicates(dil: GeneratedDil) -> None:
    listed = {p.row for p in dil.problems if p.kind == "duplicate_nik_different_name"}
    for indexes in _groups(dil.rows, "nik").values():
        names = {dil.rows[i]["full_name"] for i in indexes}
        if len(names) > 1:
            assert len(indexes) == 2
            assert indexes[1] in listed


# --- connections and places ------------------------------------------------


def test_electricity_daya_is_a_standard_step_within_the_class(dil: GeneratedDil) -> None:
    electricity = [row for row in dil.rows if row["utility"] == "electricity"]
    assert {row["tariff_group"] for row in electricity} == set(CLASS_RANGES)
    for row in electricity:
        low, high = CLASS_RANGES[row["tariff_group"]]
        assert int(row["daya_va"]) in STANDARD_STEPS
        assert low <= int(row["daya_va"]) <= high
        assert row["customer_group"] == row["pipe_size_mm"] == ""
    prepaid = sum(row["payment_mode"] == "prepaid" for row in electricity) / len(electricity)
    assert 0.65 < prepaid < 0.85


def test_water_rows(dil: GeneratedDil) -> None:
    water = [row for row in dil.rows if row["utility"] == "water"]
    assert 0.15 < len(water) / len(dil.rows) < 0.25
    for row in water:
        assert row["payment_mode"] == "postpaid"
        assert row["tariff_group"] == row["daya_va"] == ""
        assert row["customer_group"] in ("K I", "K II", "K III", "K KHUSUS")
        assert row["pipe_size_mm"] in ("13", "19", "25", "40", "50")
    groups = [row["customer_group"] for row in water]
    assert max(set(groups), key=groups.count) == "K II"


def test_address_matches_a_village_of_the_ulp(dil: GeneratedDil) -> None:
    served = {unit.code: set(unit.district_codes) for unit in DEMO_UNITS}
    for row in dil.rows:
        village = BUNDLED_VILLAGES[row["village_code"]]
        assert village["district_code"] in served[row["ulp_code"]]
        assert (row["kelurahan"], row["kecamatan"], row["kabupaten_kota"], row["provinsi"]) == (
            village["village_name"],
            village["district_name"],
            village["regency_name"],
            "Jawa Barat",
        )
        assert row["postal_code"] in ("", village["postal_code"])


def test_coordinates_lie_inside_the_city(dil: GeneratedDil) -> None:
    located = [row for row in dil.rows if row["latitude"]]
    for row in located:
        assert re.fullmatch(r"-\d\.\d{6}", row["latitude"])
        assert re.fullmatch(r"1\d\d\.\d{6}", row["longitude"])
        lat_min, lat_max, lon_min, lon_max = CITY_BOXES[row["kabupaten_kota"]]
        assert lat_min <= float(row["latitude"]) <= lat_max, row
        assert lon_min <= float(row["longitude"]) <= lon_max, row
    missing = 1 - len(located) / len(dil.rows)
    assert 0.05 < missing < 0.11


# --- problems --------------------------------------------------------------


def _detected(rows: list[dict[str, str]]) -> dict[str, set[int]]:
    """Every problem a checker would find, by kind, flagging all but the first row of a clash."""

    def later_rows(groups: Iterable[list[int]], differ: str | None) -> set[int]:
        found: set[int] = set()
        for indexes in groups:
            holders = {(rows[i]["nik"], rows[i]["full_name"].casefold()) for i in indexes}
            distinct = {rows[i][differ].casefold() for i in indexes} if differ else holders
            if len(indexes) > 1 and len(distinct) > 1:
                found.update(sorted(indexes)[1:])
        return found

    by_phone: dict[str, list[int]] = defaultdict(list)
    by_premise: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row["phone"]:
            by_phone[_national_phone(row["phone"])].append(i)
        by_premise[(row["street"], row["rt"], row["rw"], row["village_code"])].append(i)
    return {
        "duplicate_nik_different_name": later_rows(_groups(rows, "nik").values(), "full_name"),
        "shared_phone": later_rows(by_phone.values(), None),
        "same_premise": {i for g in by_premise.values() if len(g) > 1 for i in sorted(g)[1:]},
        "missing_phone": {i for i, row in enumerate(rows) if not row["phone"]},
        "missing_postal_code": {i for i, row in enumerate(rows) if not row["postal_code"]},
        "missing_coordinates": {i for i, row in enumerate(rows) if not row["latitude"]},
        "missing_birth_date": {
            i for i, row in enumerate(rows) if row["nik"] and not row["birth_date"]
        },
    }


def test_all_problem_kinds_are_planted(dil: GeneratedDil) -> None:
    assert {p.kind for p in dil.problems} == set(PROBLEM_KINDS)


def test_problem_list_is_exactly_what_a_checker_finds(dil: GeneratedDil) -> None:
    listed: dict[str, set[int]] = {kind: set() for kind in PROBLEM_KINDS}
    for problem in dil.problems:
        listed[problem.kind].add(problem.row)
    assert listed == _detected(dil.rows)


def test_pair_problems_name_the_row_they_clash_with(dil: GeneratedDil) -> None:
    pairs = [p for p in dil.problems if p.related_row is not None]
    assert {p.kind for p in pairs} == {
        "duplicate_nik_different_name",
        "shared_phone",
        "same_premise",
    }
    for problem in pairs:
        row, other = dil.rows[problem.row], dil.rows[problem.related_row]
        assert problem.related_row < problem.row
        assert row["ulp_code"] == other["ulp_code"]
        assert row["nik"] != other["nik"] or problem.kind == "duplicate_nik_different_name"
        if problem.kind == "duplicate_nik_different_name":
            assert row["nik"] == other["nik"]
            assert row["full_name"].casefold() != other["full_name"].casefold()
        elif problem.kind == "shared_phone":
            assert _national_phone(row["phone"]) == _national_phone(other["phone"])
        else:
            assert [row[c] for c in ("street", "rt", "rw", "village_code")] == [
                other[c] for c in ("street", "rt", "rw", "village_code")
            ]


def test_planted_problems_are_a_few_percent_of_rows() -> None:
    generated = generate_dil(customers=10000, seed=42, as_of=AS_OF)
    planted = {p.row for p in generated.problems if p.kind != "missing_coordinates"}
    assert 0.02 <= len(planted) / 10000 <= 0.04
    assert all(not _format_errors(generated.rows[i]) for i in planted)


# --- invalid rows ----------------------------------------------------------


def test_invalid_rows_each_break_exactly_the_named_column() -> None:
    invalid = generate_invalid_rows(5)
    assert [reason for _, _, reason in invalid] == [
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
    ]
    for row, column, reason in invalid:
        assert tuple(row) == DIL_COLUMNS
        assert _format_errors(row) == {column}, reason
    by_reason = {reason: row for row, _, reason in invalid}
    assert len(by_reason["nik_bad_length"]["nik"]) == 15
    assert by_reason["nik_bad_day"]["nik"][6:8] == "35"
    assert by_reason["phone_not_indonesian"]["phone"] == "+1 202 555 0100"
    assert re.search(r"[A-Za-z]", by_reason["idpel_bad_format"]["idpel"])
    meter_row = by_reason["meter_number_bad_format"]
    assert meter_row["payment_mode"] == "prepaid"
    assert len(meter_row["meter_number"]) == 10
    assert by_reason["daya_not_standard"]["daya_va"] == "1000"
    assert float(by_reason["coordinates_outside_indonesia"]["latitude"]) == 40.0
    assert by_reason["address_incomplete"]["street"] == ""
    assert by_reason["village_unknown"]["village_code"] == "3273999999"
    assert len({row["idpel"] for row, _, _ in invalid}) == len(invalid)


def test_invalid_rows_are_deterministic_and_do_not_clash_with_valid_rows() -> None:
    assert generate_invalid_rows(5) == generate_invalid_rows(5)
    valid = generate_dil(customers=2000, seed=5, as_of=AS_OF).rows
    for column in ("idpel", "nik", "meter_number"):
        taken = {row[column] for row in valid if row[column]}
        assert not any(row[column] in taken for row, _, _ in generate_invalid_rows(5))


# --- units and bundled data ------------------------------------------------


def test_demo_unit_tree() -> None:
    by_code = {unit.code: unit for unit in DEMO_UNITS}
    assert [(u.code, u.kind, u.parent_code) for u in DEMO_UNITS] == [
        ("53000", "UID", None),
        ("53100", "UP3", "53000"),
        ("53110", "ULP", "53100"),
        ("53120", "ULP", "53100"),
        ("53200", "UP3", "53000"),
        ("53210", "ULP", "53200"),
        ("53220", "ULP", "53200"),
    ]
    for unit in DEMO_UNITS:
        assert unit.idpel_prefix == (unit.code if unit.kind == "ULP" else None)
        children = [u for u in DEMO_UNITS if u.parent_code == unit.code]
        if children:
            assert set(unit.district_codes) == {c for u in children for c in u.district_codes}
    bundled = {v["district_code"] for v in BUNDLED_VILLAGES.values()}
    assert set(by_code["53000"].district_codes) == bundled
    assert {c[:4] for c in by_code["53120"].district_codes} == {"3277"}
    assert len(by_code["53210"].district_codes) == 6


def test_bundled_village_file_is_small_and_clean() -> None:
    resource = files("pelanggan.customers") / "data" / "demo_villages.csv"
    assert len(resource.read_bytes()) < 300_000
    for code, village in BUNDLED_VILLAGES.items():
        assert re.fullmatch(r"\d{10}", code)
        assert code[:6] == village["district_code"]
        assert re.fullmatch(r"[1-9]\d{4}", village["postal_code"])
        assert all(value == value.strip() and value for value in village.values())


@pytest.mark.skipif(
    not SHARED_WILAYAH.is_file(),
    reason="dataset shared/datasets/id-kode-wilayah/wilayah_2025.csv not present",
)
def test_bundled_files_are_up_to_date_with_the_shared_dataset() -> None:
    from pelanggan.customers import synthetic_build

    assert synthetic_build.main(["--wilayah", str(SHARED_WILAYAH), "--check"]) == 0
