"""Build the small region extract that the synthetic DIL generator ships with.

The full Kemendagri list (``shared/datasets/id-kode-wilayah/wilayah_2025.csv``,
91,599 rows) is not part of the installed package, so the generator cannot read
it at run time. This script extracts what the generator needs and is run by hand
whenever the demo regions or the source edition change:

* ``data/demo_villages.csv``: every village (level 4) in the districts served by
  the demo ULPs, with its postcode and the official district, regency and
  province names (trimmed, because a few source names carry trailing spaces).
* ``synthetic/_other_districts.py``: a fixed sample of real district codes from
  elsewhere in Indonesia, used for people whose NIK was issued where they were
  first registered rather than where they live now.

Usage::

    python src/pelanggan/customers/synthetic_build.py [--wilayah PATH] [--check]

``--check`` rebuilds in memory and exits with status 1 when the committed files
differ, so CI can prove they were generated from the stated source.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import random
import sys
from collections.abc import Sequence
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_REPO_ROOT = _HERE.parents[2]
_DEFAULT_WILAYAH = (
    _REPO_ROOT.parent / "shared" / "datasets" / "id-kode-wilayah" / "wilayah_2025.csv"
)
_VILLAGES_OUT = _HERE / "data" / "demo_villages.csv"
_OTHER_DISTRICTS_OUT = _HERE / "synthetic" / "_other_districts.py"

VILLAGE_COLUMNS = (
    "village_code",
    "village_name",
    "postal_code",
    "district_code",
    "district_name",
    "regency_code",
    "regency_name",
    "province_code",
    "province_name",
)

# Migrants to the demo cities come mostly from elsewhere in Java; half of the
# sample is drawn from the Java provinces to reflect that.
_JAVA_PROVINCES = ("31", "32", "33", "34", "35", "36")
_OTHER_DISTRICT_COUNT = 200
_SAMPLE_SEED = 2025


def _demo_district_codes() -> tuple[str, ...]:
    # Load units.py by path: importing the package would need the very files this
    # script writes, and the script must run before ``src`` is installed.
    spec = importlib.util.spec_from_file_location("_demo_units", _HERE / "synthetic" / "units.py")
    if spec is None or spec.loader is None:
        raise SystemExit("cannot load synthetic/units.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    codes: tuple[str, ...] = module.demo_district_codes()
    return codes


def _read_wilayah(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build_villages_csv(*, wilayah: Sequence[dict[str, str]], districts: Sequence[str]) -> str:
    """Return the text of ``demo_villages.csv`` for the given district codes."""
    names = {row["kode_digits"]: row["nama"].strip() for row in wilayah if row["level"] != "4"}
    wanted = set(districts)
    missing = sorted(wanted - names.keys())
    if missing:
        raise SystemExit(f"district codes not in the source list: {', '.join(missing)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VILLAGE_COLUMNS)
    villages = sorted(
        (row for row in wilayah if row["level"] == "4" and row["kode_digits"][:6] in wanted),
        key=lambda row: row["kode_digits"],
    )
    for row in villages:
        code = row["kode_digits"]
        if len(code) != 10 or len(row["kodepos"]) != 5:
            raise SystemExit(f"unexpected village row: {row}")
        writer.writerow(
            (
                code,
                row["nama"].strip(),
                row["kodepos"],
                code[:6],
                names[code[:6]],
                code[:4],
                names[code[:4]],
                code[:2],
                names[code[:2]],
            )
        )
    return out.getvalue()


def build_other_districts_module(
    *, wilayah: Sequence[dict[str, str]], exclude_regencies: Sequence[str]
) -> str:
    """Return the source of ``_other_districts.py`` (a reproducible sample)."""
    excluded = set(exclude_regencies)
    districts = sorted(
        row["kode_digits"]
        for row in wilayah
        if row["level"] == "3" and row["kode_digits"][:4] not in excluded
    )
    java = [code for code in districts if code[:2] in _JAVA_PROVINCES]
    rest = [code for code in districts if code[:2] not in _JAVA_PROVINCES]
    rng = random.Random(_SAMPLE_SEED)
    half = _OTHER_DISTRICT_COUNT // 2
    sample = sorted(rng.sample(java, half) + rng.sample(rest, _OTHER_DISTRICT_COUNT - half))
    lines = [
        '"""Real district (kecamatan) codes outside the demo area; generated, do not edit.',
        "",
        "Written by ``synthetic_build.py`` from the Kemendagri 2025 list: a fixed sample",
        f"of {half} districts in Java and {_OTHER_DISTRICT_COUNT - half} elsewhere, used as",
        "the NIK region of people first registered away from where they now live.",
        '"""',
        "",
        "from typing import Final",
        "",
        "# fmt: off",
        "OTHER_DISTRICT_CODES: Final[tuple[str, ...]] = (",
    ]
    per_line = 8
    for start in range(0, len(sample), per_line):
        chunk = ", ".join(f'"{code}"' for code in sample[start : start + per_line])
        lines.append(f"    {chunk},")
    lines.extend((")", "# fmt: on"))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wilayah", type=Path, default=_DEFAULT_WILAYAH)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    wilayah_path: Path = args.wilayah
    if not wilayah_path.is_file():
        print(f"source list not found: {wilayah_path}", file=sys.stderr)
        return 2
    wilayah = _read_wilayah(wilayah_path)
    districts = _demo_district_codes()
    outputs = {
        _VILLAGES_OUT: build_villages_csv(wilayah=wilayah, districts=districts),
        _OTHER_DISTRICTS_OUT: build_other_districts_module(
            wilayah=wilayah, exclude_regencies=sorted({code[:4] for code in districts})
        ),
    }
    stale = False
    for path, text in outputs.items():
        if args.check:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current != text:
                print(f"out of date: {path}", file=sys.stderr)
                stale = True
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            print(f"wrote {path} ({len(text.encode('utf-8'))} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
