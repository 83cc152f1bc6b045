"""Building blocks for synthetic holders: names, NIKs, phone numbers, e-mail addresses.

Every function takes the caller's ``random.Random`` so that one seed drives the
whole data set; none of them reads the clock.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence
from datetime import date, timedelta
from random import Random
from typing import Generic, TypeVar

from pelanggan.customers.synthetic import vocab

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice; bisect over cumulative weights is several times
    faster than ``Random.choices`` for one draw, which matters at 200k rows."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = tuple(item for item, _ in pairs)
        self._cumulative = tuple(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: Random) -> T:
        return self._items[bisect.bisect_right(self._cumulative, rng.random() * self._total)]


def pick(rng: Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its rejection loop; plenty uniform for short lists."""
    return items[int(rng.random() * len(items))]


def between(rng: Random, low: int, high: int) -> int:
    """Uniform integer in ``[low, high]`` (``rng.randint`` is several times slower)."""
    return low + int(rng.random() * (high - low + 1))


# --- names -----------------------------------------------------------------

_TITLES = {
    "M": Weighted([("H.", 60), ("Ir.", 25), ("Dr.", 15)]),
    "F": Weighted([("Hj.", 70), ("Dr.", 20), ("Ir.", 10)]),
}
_DEGREES = (", S.E.", ", S.T.", ", S.Pd.", ", S.Kom.", ", S.H.")


def person_name(*, rng: Random, gender: str, age: int) -> str:
    """A plausible personal name; titles only for people old enough to hold them."""
    male = gender == "M"
    first = vocab.MALE_FIRST_NAMES if male else vocab.FEMALE_FIRST_NAMES
    roll = rng.random()
    if roll < 0.12:
        singles = vocab.MALE_SINGLE_NAMES if male else vocab.FEMALE_SINGLE_NAMES
        name = pick(rng, singles)
    else:
        family = vocab.MALE_LAST_NAMES if male else vocab.FEMALE_LAST_NAMES
        last = pick(rng, vocab.NEUTRAL_LAST_NAMES if rng.random() < 0.2 else family)
        given = pick(rng, first)
        if roll < 0.30:
            middle = pick(rng, first)
            name = f"{given} {last}" if middle == given else f"{given} {middle} {last}"
        else:
            name = f"{given} {last}"
    extra = rng.random()
    if age >= 30 and extra < 0.05:
        name = f"{_TITLES[gender].pick(rng)} {name}"
    elif age >= 23 and extra < 0.07:
        name += pick(rng, _DEGREES)
    # Legacy DIL data was typed in capitals; newer records are mixed case.
    return name.upper() if rng.random() < 0.25 else name


def organisation_name(*, rng: Random, kind: str, village_name: str, district_name: str) -> str:
    """Name of a business, social body or government office."""
    if kind == "business":
        return f"{pick(rng, vocab.BUSINESS_PREFIXES)} {pick(rng, vocab.BUSINESS_WORDS)}"
    if kind == "social":
        return pick(rng, vocab.SOCIAL_NAMES)
    prefix = pick(rng, vocab.GOVERNMENT_PREFIXES)
    if prefix == "SD Negeri":
        return f"SD Negeri {between(rng, 1, 250)} {district_name}"
    if prefix in ("Kantor Kecamatan", "Kantor KUA", "Puskesmas"):
        return f"{prefix} {district_name}"
    return f"{prefix} {village_name}"


# --- birth dates and NIK ---------------------------------------------------


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def years_before(day: date, years: int) -> date:
    return add_years(day, -years)


def age_on(*, birth: date, as_of: date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


@functools.lru_cache(maxsize=16)
def _birth_window(as_of: date, min_age: int, max_age: int) -> tuple[int, int, int]:
    latest = years_before(as_of, min_age).toordinal()
    earliest = (years_before(as_of, max_age + 1) + timedelta(days=1)).toordinal()
    mode = years_before(as_of, 45).toordinal()
    return earliest, latest, mode


def birth_date(*, rng: Random, as_of: date, min_age: int = 18, max_age: int = 85) -> date:
    """A birth date giving an age in ``[min_age, max_age]`` on ``as_of``.

    Account holders cluster in their forties, so the draw is triangular
    rather than uniform.
    """
    earliest, latest, mode = _birth_window(as_of, min_age, max_age)
    return date.fromordinal(round(rng.triangular(earliest, latest, mode)))


def nik_birth_part(*, birth: date, gender: str) -> str:
    """DDMMYY of a NIK; women's day is increased by 40 (domain rules 8.4)."""
    day = birth.day + 40 if gender == "F" else birth.day
    return f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"


def new_nik(*, rng: Random, district_code: str, birth: date, gender: str, used: set[str]) -> str:
    """A structurally valid NIK not in ``used`` (which it extends)."""
    stem = district_code + nik_birth_part(birth=birth, gender=gender)
    # Serials restart per region and birth date; low serials are the common ones.
    for _ in range(60):
        nik = f"{stem}{between(rng, 1, 50):04d}"
        if nik not in used:
            used.add(nik)
            return nik
    for serial in range(51, 10000):
        nik = f"{stem}{serial:04d}"
        if nik not in used:
            used.add(nik)
            return nik
    raise RuntimeError(f"NIK serials exhausted for {stem}")


# --- phones ----------------------------------------------------------------

# fmt: off
_MOBILE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814", "0815", "0816",
    "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0881",
    "0882", "0883", "0887", "0888", "0895", "0896", "0897", "0898",
)
# fmt: on
# Subscriber digits after the 4-digit prefix: 11-13 digits in total.
_MOBILE_REST = Weighted([(7, 25), (8, 55), (9, 20)])
# Area code and subscriber length for landlines by regency/city.
_LANDLINE = {"3273": ("022", 7), "3277": ("022", 7), "3271": ("0251", 7), "3201": ("021", 8)}
# How clerks typed numbers over the years; index into ``format_phone``.
PHONE_STYLES = Weighted([(0, 62), (1, 12), (2, 10), (3, 6), (4, 4), (5, 6)])


def new_mobile(*, rng: Random, used: set[str]) -> str:
    """A unique mobile number in national form (``08...``, digits only)."""
    while True:
        rest = _MOBILE_REST.pick(rng)
        number = pick(rng, _MOBILE_PREFIXES) + f"{between(rng, 0, 10**rest - 1):0{rest}d}"
        if number not in used:
            used.add(number)
            return number


def new_landline(*, rng: Random, regency_code: str, used: set[str]) -> str:
    """A unique fixed-line number in national form for the regency's area code."""
    area, length = _LANDLINE[regency_code]
    while True:
        first = pick(rng, "2345678")
        number = area + first + f"{between(rng, 0, 10 ** (length - 1) - 1):0{length - 1}d}"
        if number not in used:
            used.add(number)
            return number


def format_phone(national: str, style: int) -> str:
    """Render a national-form number the way it might appear in a DIL."""
    if not national.startswith("08"):
        area_len = 4 if national.startswith("0251") else 3
        area, local = national[:area_len], national[area_len:]
        return (f"{area}-{local}", f"({area}) {local}", national)[style % 3]
    body = national[1:]
    if style == 1:
        return f"{national[:4]}-{national[4:8]}-{national[8:]}"
    if style == 2:
        return f"+62 {body[:3]} {body[3:7]} {body[7:]}"
    if style == 3:
        return f"+62{body}"
    if style == 4:
        return f"62{body}"
    if style == 5:
        return f"{national[:4]} {national[4:8]} {national[8:]}"
    return national


def normalise_phone(value: str) -> str:
    """National digits of a phone as written in the DIL (``+62``/``62`` → ``0``)."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+62") or (digits.startswith("62") and not value.startswith("0")):
        return "0" + digits[2:]
    return digits


# --- e-mail ----------------------------------------------------------------

_MAIL_DOMAINS = Weighted(list(vocab.MAIL_DOMAINS))
_NOT_LETTER = re.compile(r"[^a-z ]")
_HONORIFICS = frozenset({"h", "hj", "dr", "ir", "cv", "pt", "ud"})


def new_email(*, rng: Random, name: str, birth_year: int | None, used: set[str]) -> str:
    """A plausible, unique address derived from the holder's name."""
    cleaned = _NOT_LETTER.sub(" ", name.split(",")[0].lower())
    words = [w for w in cleaned.split() if w not in _HONORIFICS and len(w) > 1] or ["pelanggan"]
    first, last = words[0], words[-1]
    pattern = between(rng, 0, 4)
    if pattern == 0 or len(words) == 1:
        local = f"{first}{between(rng, 1, 999)}"
    elif pattern == 1:
        local = f"{first}.{last}"
    elif pattern == 2:
        local = f"{first}{last}"
    elif pattern == 3:
        local = f"{first}_{last}"
    else:
        suffix = birth_year % 100 if birth_year is not None else between(rng, 1, 99)
        local = f"{first}.{last}{suffix:02d}"
    domain = _MAIL_DOMAINS.pick(rng)
    email = f"{local}@{domain}"
    while email in used:
        email = f"{local}{between(rng, 1, 9999)}@{domain}"
    used.add(email)
    return email
