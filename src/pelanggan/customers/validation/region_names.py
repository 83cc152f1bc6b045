"""Matching region names as people write them against the official names of the registry.

People write "Kab. Bogor", "Kota Bogor" or just "Bogor", "DKI Jakarta" for the official "Daerah
Khusus Ibukota Jakarta", "Kec. Gambir", double spaces, curly apostrophes. The rules, applied per
level from province down to village:

1. Names are compared folded: NFKC, casefolded, apostrophes unified, whitespace collapsed.
2. An exact folded match wins. Only when there is none are level prefixes ("Provinsi", "Kabupaten",
   "Kab.", "Kota", "Kota Administrasi", "Kecamatan", "Kec.", "Kelurahan", "Kel.", "Desa") set
   aside and names compared word by word, ignoring punctuation ("Siborong-Borong" =
   "Siborong Borong"), and, failing that, with the words run together ("Pulau Laut Utara" =
   "Pulaulaut Utara"). The exact pass comes first because real district and village names also
   start with "Kota"; the word pass before the run-together one because "Lubuk Pakam I,II" and
   "Lubuk Pakam III" differ only in a comma.
3. "Kota X" never matches "Kabupaten X" (Bogor, for one, is both); a bare "X" may match either,
   and the levels below usually settle which. Likewise "Kelurahan X" and "Desa X" pick the
   kelurahan (village code 1xxx) or the desa (2xxx) where a district has both with one name.

Only current (2025) regions take part: an address is where someone lives now.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pelanggan.customers.validation._registry import (
    Region,
    Row,
    child_rows,
    clean_code,
    level_of,
    make_region,
    name_of,
    province_rows,
    registry,
)

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc`\u00b4", "'"))
# The lookbehind lets "Kab.Bogor" through without a space after the dot.
_PREFIX_BY_LEVEL = {
    1: re.compile(r"^(provinsi|prov\.|prov)(?:\s+|(?<=\.))"),
    2: re.compile(
        r"^(kabupaten administrasi|kabupaten|kab\.|kab|kota administrasi|kota adm\.|kota)"
        r"(?:\s+|(?<=\.))"
    ),
    3: re.compile(r"^(kecamatan|kec\.|kec)(?:\s+|(?<=\.))"),
    4: re.compile(r"^(kelurahan|kel\.|kel|desa|ds\.)(?:\s+|(?<=\.))"),
}
_KIND_OF_PREFIX = {
    "kabupaten administrasi": "kabupaten",
    "kabupaten": "kabupaten",
    "kab.": "kabupaten",
    "kab": "kabupaten",
    "kota administrasi": "kota",
    "kota adm.": "kota",
    "kota": "kota",
    "kelurahan": "kelurahan",
    "kel.": "kelurahan",
    "kel": "kelurahan",
    "desa": "desa",
    "ds.": "desa",
}
_VILLAGE_KIND_OF_DIGIT = {"1": "kelurahan", "2": "desa"}
# Short names people commonly write for provinces, as `_key` words run together.
_PROVINCE_ALIASES = {
    "dkijakarta": "31",
    "dki": "31",
    "jakarta": "31",
    "daerahkhususjakarta": "31",
    "diy": "34",
    "diyogyakarta": "34",
    "yogyakarta": "34",
    "bangkabelitung": "19",
    "ntb": "52",
    "ntt": "53",
}


@dataclass(frozen=True, slots=True)
class VillageMatch:
    """Outcome of matching four names against the registry.

    `region` is set when exactly one current village matched. Otherwise `unmatched_field` names
    the first level (`provinsi`, `kabupaten_kota`, `kecamatan`, `kelurahan`) at which nothing
    matched, or `ambiguous` is True when several villages fit all four names.
    """

    region: Region | None
    unmatched_field: str | None
    ambiguous: bool


def fold_name(value: str) -> str:
    """Comparison form of a name: NFKC, casefolded, one kind of apostrophe, single spaces."""
    value = unicodedata.normalize("NFKC", value.translate(_APOSTROPHES)).casefold()
    return _SPACES.sub(" ", value).strip()


def _key(folded: str, level: int) -> tuple[str | None, str]:
    """(kind, words) of a folded name: the kind its prefix names ("kota"/"kabupaten" for a
    regency, "kelurahan"/"desa" for a village, else None) and the rest as words of letters and
    digits separated by single spaces."""
    found = _PREFIX_BY_LEVEL[level].match(folded)
    kind = None
    if found is not None:
        kind = _KIND_OF_PREFIX.get(found.group(1))
        folded = folded[found.end() :]
    return kind, " ".join(_NOT_ALNUM.split(folded)).strip()


def _kind_of(row: Row, level: int) -> str | None:
    if level == 4:
        # The village code says what the name does not: 1xxx kelurahan, 2xxx desa.
        return _VILLAGE_KIND_OF_DIGIT.get(row[0][6])
    return _key(fold_name(name_of(row)), level)[0]


def _match_level(candidates: Sequence[Row], wanted: str, level: int) -> list[str]:
    """Codes of the `candidates` whose official name matches `wanted`, by the first of three
    ever looser comparisons that finds any: folded, words, words run together."""
    target = fold_name(wanted)
    exact = [row[0] for row in candidates if fold_name(name_of(row)) == target]
    if exact:
        return exact
    wanted_kind, wanted_words = _key(target, level)
    if level == 1 and wanted_words.replace(" ", "") in _PROVINCE_ALIASES:
        alias = _PROVINCE_ALIASES[wanted_words.replace(" ", "")]
        return [row[0] for row in candidates if row[0] == alias]
    if not wanted_words:
        return []
    keyed = []
    for row in candidates:
        kind = _kind_of(row, level)
        if wanted_kind is None or kind is None or kind == wanted_kind:
            keyed.append((row[0], _key(fold_name(name_of(row)), level)[1]))
    # Words first: "Lubuk Pakam I,II" and "Lubuk Pakam III" differ only in a comma.
    by_words = [code for code, words in keyed if words == wanted_words]
    if by_words:
        return by_words
    squashed = wanted_words.replace(" ", "")
    return [code for code, words in keyed if words.replace(" ", "") == squashed]


def region_name_matches(code: str, name: str) -> bool:
    """Whether `name`, as a person wrote it, denotes the region `code` under the rules above."""
    code = clean_code(code)
    row = registry().rows.get(code)
    return row is not None and bool(_match_level([row], name, level_of(code)))


def match_village(
    *, provinsi: str, kabupaten_kota: str, kecamatan: str, kelurahan: str
) -> VillageMatch:
    """Match four names to one current village; see `VillageMatch` for the outcomes."""
    found = _match_level(province_rows(), provinsi, 1)
    if not found:
        return VillageMatch(region=None, unmatched_field="provinsi", ambiguous=False)
    steps = (("kabupaten_kota", kabupaten_kota), ("kecamatan", kecamatan), ("kelurahan", kelurahan))
    for level, (field, wanted) in enumerate(steps, start=2):
        candidates = [
            row for parent in found for row in child_rows(parent, include_historical=False)
        ]
        found = _match_level(candidates, wanted, level)
        if not found:
            return VillageMatch(region=None, unmatched_field=field, ambiguous=False)
    if len(found) > 1:
        return VillageMatch(region=None, unmatched_field=None, ambiguous=True)
    return VillageMatch(
        region=make_region(registry().rows[found[0]]), unmatched_field=None, ambiguous=False
    )


def find_village(
    *, provinsi: str, kabupaten_kota: str, kecamatan: str, kelurahan: str
) -> Region | None:
    """The current village these four names describe, or None when none or several match.

    Case, surrounding and repeated spaces, and the usual prefixes ("Kabupaten ", "Kab. ",
    "Kota ", "Kota Administrasi ", "Kec. ", "Desa ", ...) do not matter; see the module notes.
    """
    return match_village(
        provinsi=provinsi, kabupaten_kota=kabupaten_kota, kecamatan=kecamatan, kelurahan=kelurahan
    ).region
