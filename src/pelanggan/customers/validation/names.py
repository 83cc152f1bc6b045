"""Personal names: a clean stored form and the words used to search for a customer.

Indonesian names vary a lot: single names ("Sukarno"), several given names, Arabic-derived names
with apostrophes ("Ma'ruf"), Chinese-Indonesian and Batak family names, and honorifics or
academic degrees written around the name ("H. Ahmad Fauzi, S.T."). There is no reliable split
into first and last name, so the stored form is the whole name as given, tidied, and search
works on its words.
"""

from __future__ import annotations

import re
import unicodedata

from pelanggan.customers.validation.errors import FieldError

NAME_MAX_LENGTH = 150
_MIN_WORD_LENGTH = 2
_WHITESPACE = re.compile(r"\s+")
# Tokens are separated by whitespace and commas ("Budi Santoso, S.Kom"); inside a token, hyphens,
# dots and slashes separate words ("Abdul-Rahman", "M.Yusuf"), apostrophes are just dropped.
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")
_WORD_SEPARATORS = re.compile(r"[^\w']+|_")
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc`\u00b4", "'"))

# Honorifics and degrees that are not part of the name proper, compared with dots removed
# ("S.Kom." and "SKom" both hit "s.kom"). Kept to common, unambiguous ones:
#   h, hj          Haji / Hajjah, after the pilgrimage
#   kh             Kiai Haji, an Islamic scholar
#   dr, drs, dra   doctor (medicine) / doctorandus, doctoranda (old first degree)
#   ir             insinyur, engineer
#   prof           professor
#   s.*, a.md      first degrees (sarjana: teknik, komputer, ekonomi, hukum, pendidikan, ...) and
#                  the diploma title ahli madya
#   m.*            master's degrees
# Words like "se" or "sh" could in principle be a real name; dropping them only weakens search.
TITLES: tuple[str, ...] = (
    "h", "hj", "kh", "dr", "drs", "dra", "ir", "prof",
    "s.t", "s.kom", "s.e", "s.h", "s.pd", "s.sos", "s.ag", "s.si", "s.ip", "s.ked", "a.md",
    "m.m", "m.si", "m.t", "m.pd", "m.kom", "m.h",
)  # fmt: skip
_TITLE_KEYS = frozenset(title.replace(".", "") for title in TITLES)


def _error(code: str, message: str, message_id: str) -> FieldError:
    return FieldError(field="name", code=code, message=message, message_id=message_id)


def normalize_name(value: str) -> str:
    """A person's name in stored form: NFKC-normalised, whitespace collapsed, trimmed.

    Case is kept as given; many Indonesians write their name in capitals as on the KTP, and
    changing that is the person's choice. Raises FieldError (field "name") with code
    `name_empty`, `name_invalid_characters` (control characters), `name_no_letters` (only digits
    or punctuation) or `name_too_long` (more than 150 characters).
    """
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    if not text:
        raise _error("name_empty", "The name is empty", "Nama kosong")
    if any(unicodedata.category(char)[0] == "C" for char in text):
        raise _error(
            "name_invalid_characters",
            "The name contains control or invisible characters",
            "Nama berisi karakter kontrol atau tak terlihat",
        )
    if not any(char.isalpha() for char in text):
        raise _error("name_no_letters", "The name must contain letters", "Nama harus berisi huruf")
    if len(text) > NAME_MAX_LENGTH:
        raise _error(
            "name_too_long",
            "The name is longer than 150 characters",
            "Nama lebih dari 150 karakter",
        )
    return text


def _fold(text: str) -> str:
    """Casefolded, without diacritics ("Désirée" -> "desiree"), one kind of apostrophe."""
    translated = text.translate(_APOSTROPHES)
    if translated.isascii():  # most names: nothing to normalise or strip
        return translated.casefold()
    folded = unicodedata.normalize("NFKC", translated).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_words(value: str) -> list[str]:
    """Search words of a name: casefolded, without diacritics, punctuation or titles.

    Words shorter than two characters are dropped, and each word appears once, in the order of
    the name. "Hj. Siti Nur'aini, S.Pd." gives ["siti", "nuraini"]. Never raises.
    """
    words: list[str] = []
    for token in _TOKEN_SEPARATORS.split(_fold(value)):
        if token.replace(".", "") in _TITLE_KEYS:
            continue
        for part in _WORD_SEPARATORS.split(token):
            word = part.replace("'", "")
            # A title can also surface only after splitting ("DR/" -> "dr").
            if word in _TITLE_KEYS:
                continue
            if len(word) >= _MIN_WORD_LENGTH and word not in words:
                words.append(word)
    return words
