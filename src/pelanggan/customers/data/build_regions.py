"""Build `regions.csv.gz`, the region registry bundled with `pelanggan.customers`.

Run once when the Kemendagri code list changes; the output is committed so that nothing at run
time needs the shared dataset:

    python src/pelanggan/customers/data/build_regions.py [DATASET_DIR] [--output PATH]

`DATASET_DIR` defaults to `../shared/datasets/id-kode-wilayah` relative to the repository root and
must hold `wilayah_2025.csv` and `wilayah_history_level1-3.csv` (see that folder's README).

Output columns: `code,level,name,postal_code,current`.

* Every 2025 code of levels 1-4 (province, regency/city, district, village) with `current=1`.
* Every level 1-3 code that exists only in older editions (2016-2023) with `current=0`. A NIK keeps
  the district code under which it was first issued, so codes that were retired (mostly old Papua
  `91` and Papua Barat `92`, split into provinces 93-96 in 2022-2023) must stay known. Their name
  is taken from the newest edition that still lists them.

Names are trimmed (the source has trailing spaces) and otherwise kept as published. Rows are
sorted by code and gzip runs with a fixed mtime, so the same input always yields the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
from pathlib import Path

CURRENT_FILE = "wilayah_2025.csv"
HISTORY_FILE = "wilayah_history_level1-3.csv"
OUTPUT_NAME = "regions.csv.gz"
CODE_LENGTH_BY_LEVEL = {"1": 2, "2": 4, "3": 6, "4": 10}

_REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_DATASET_DIR = _REPO_ROOT / ".." / "shared" / "datasets" / "id-kode-wilayah"


class DatasetError(Exception):
    """The input does not look like the documented dataset; refuse rather than bundle junk."""


def _read_rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise DatasetError(f"{path.name}: missing columns {sorted(missing)}")
        return list(reader)


def _check_code(row: dict[str, str], source: str) -> None:
    code, level = row["kode_digits"], row["level"]
    expected_length = CODE_LENGTH_BY_LEVEL.get(level)
    if expected_length is None or len(code) != expected_length or not code.isdigit():
        raise DatasetError(f"{source}: bad code/level pair {code!r}/{level!r}")


def build_rows(dataset_dir: Path) -> list[tuple[str, str, str, str, str]]:
    """Return the registry rows (code, level, name, postal_code, current), sorted by code."""
    current = _read_rows(dataset_dir / CURRENT_FILE, {"kode_digits", "level", "nama", "kodepos"})
    history = _read_rows(dataset_dir / HISTORY_FILE, {"edition", "kode_digits", "level", "nama"})

    rows: dict[str, tuple[str, str, str, str, str]] = {}
    for row in current:
        _check_code(row, CURRENT_FILE)
        code, level = row["kode_digits"], row["level"]
        postal_code = row["kodepos"].strip()
        if level == "4" and not (len(postal_code) == 5 and postal_code.isdigit()):
            raise DatasetError(f"{CURRENT_FILE}: village {code} has no valid postcode")
        if code in rows:
            raise DatasetError(f"{CURRENT_FILE}: duplicate code {code}")
        rows[code] = (code, level, row["nama"].strip(), postal_code, "1")

    # Keep, per retired code, the row of the newest edition that lists it.
    retired: dict[str, tuple[int, dict[str, str]]] = {}
    for row in history:
        _check_code(row, HISTORY_FILE)
        code = row["kode_digits"]
        if row["level"] == "4":
            raise DatasetError(f"{HISTORY_FILE}: unexpected village row {code}")
        current_row = rows.get(code)
        if current_row is not None:
            if current_row[1] != row["level"]:
                raise DatasetError(f"{HISTORY_FILE}: code {code} changed level")
            continue
        edition = int(row["edition"])
        if code not in retired or edition > retired[code][0]:
            retired[code] = (edition, row)

    for code, (_edition, row) in retired.items():
        rows[code] = (code, row["level"], row["nama"].strip(), "", "0")

    return [rows[code] for code in sorted(rows)]


def write_registry(rows: list[tuple[str, str, str, str, str]], output: Path) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("code", "level", "name", "postal_code", "current"))
    writer.writerows(rows)
    payload = gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)
    output.write_bytes(payload)
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dataset_dir", nargs="?", type=Path, default=DEFAULT_DATASET_DIR)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).resolve().parent / OUTPUT_NAME
    )
    args = parser.parse_args(argv)

    dataset_dir: Path = args.dataset_dir.resolve()
    for name in (CURRENT_FILE, HISTORY_FILE):
        digest = hashlib.sha256((dataset_dir / name).read_bytes()).hexdigest()
        print(f"input  {name}: sha256 {digest}")

    rows = build_rows(dataset_dir)
    payload = write_registry(rows, args.output)

    counts: dict[tuple[str, str], int] = {}
    for _code, level, _name, _postal, current in rows:
        counts[(level, current)] = counts.get((level, current), 0) + 1
    for (level, current), count in sorted(counts.items()):
        state = "current" if current == "1" else "retired"
        print(f"level {level} {state}: {count}")
    print(
        f"output {args.output}: {len(rows)} rows, {len(payload)} bytes, "
        f"sha256 {hashlib.sha256(payload).hexdigest()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
