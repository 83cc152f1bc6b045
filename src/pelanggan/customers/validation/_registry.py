"""Loading of the bundled region file; the private base of `regions` and `region_names`.

`pelanggan/customers/data/regions.csv.gz` (built by `data/build_regions.py`) holds every code of
the 2025 Kemendagri list and the level 1-3 codes that only older editions knew, one line each:
`code,level,name,postal_code,current`. It is read on first use and kept for the life of the
process. Rows stay as the tuples the parser produced; `Region` objects are built only for what a
caller asks for, which keeps loading cheap (about 0.15 s for 92,219 rows).
"""

from __future__ import annotations

import bisect
import functools
import gzip
import re
from dataclasses import dataclass
from importlib import resources

_PARENT_LENGTH = {4: 2, 6: 4, 10: 6}
_CHILD_LENGTH = {2: 4, 4: 6, 6: 10}
_LEVEL_OF_LENGTH = {2: 1, 4: 2, 6: 3, 10: 4}

# One line as the parser captures it: (code, name as stored, postal_code, current flag "0"/"1").
Row = tuple[str, str, str, str]
# One regex over the whole text keeps the per-row work in C, about twice as fast as csv.reader.
# Names with a comma or quote arrive csv-quoted and are unquoted by `name_of`; the other columns
# are digits and never quoted.
_LINE = re.compile(r'^(\d+),\d,("(?:[^"]|"")*"|[^,"\n]*),(\d*),([01])$', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Region:
    """One province, regency/city, district (kecamatan) or village (desa/kelurahan).

    `level` is 1-4 in that order; `postal_code` is set for villages only; `current` is False for
    codes that only older editions of the list have.
    """

    code: str
    level: int
    name: str
    postal_code: str | None
    current: bool
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class Registry:
    rows: dict[str, Row]
    codes: list[str]  # sorted, so every code's descendants form one contiguous run


@functools.cache
def registry() -> Registry:
    # data/ needs no __init__.py: the file is reached through its parent package.
    resource = resources.files("pelanggan.customers") / "data" / "regions.csv.gz"
    text = gzip.decompress(resource.read_bytes()).decode("utf-8")
    lines = _LINE.findall(text)
    if len(lines) != text.count("\n") - 1:
        raise RuntimeError("regions.csv.gz is damaged: rebuild it with data/build_regions.py")
    codes = [line[0] for line in lines]
    return Registry(rows=dict(zip(codes, lines, strict=True)), codes=codes)


def clean_code(code: str) -> str:
    """A code without the dots of the published form (`31.71.01` -> `317101`)."""
    return code.replace(".", "").strip()


def level_of(code: str) -> int:
    """1-4 from the length of a clean code; 0 when the length fits no level."""
    return _LEVEL_OF_LENGTH.get(len(code), 0)


def name_of(row: Row) -> str:
    name = row[1]
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def is_current(row: Row) -> bool:
    return row[3] == "1"


def make_region(row: Row) -> Region:
    code, _stored_name, postal_code, _current = row
    parent_length = _PARENT_LENGTH.get(len(code))
    return Region(
        code=code,
        level=level_of(code),
        name=name_of(row),
        postal_code=postal_code or None,
        current=is_current(row),
        parent_code=code[:parent_length] if parent_length else None,
    )


def child_rows(code: str, *, include_historical: bool) -> list[Row]:
    """Rows one level below the clean `code`, in code order."""
    loaded = registry()
    child_length = _CHILD_LENGTH.get(len(code))
    if child_length is None or code not in loaded.rows:
        return []
    # ":" sorts right after "9", so [code, code + ":") spans every descendant.
    start = bisect.bisect_left(loaded.codes, code)
    end = bisect.bisect_left(loaded.codes, code + ":", lo=start)
    rows = loaded.rows
    return [
        rows[child]
        for child in loaded.codes[start:end]
        if len(child) == child_length and (include_historical or is_current(rows[child]))
    ]


@functools.cache
def province_rows() -> list[Row]:
    loaded = registry()
    return [loaded.rows[code] for code in loaded.codes if len(code) == 2]
