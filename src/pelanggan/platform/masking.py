"""Masking of personal data for display: pure functions over plain strings.

Every place that shows personal data to staff shows it masked by default; the unmasked value is
shown only through the audited reveal (`customers.selectors.reveal_personal_data`). The rules:

- NIK: first 4 and last 4 digits (province/regency code and serial), `3201********0004`.
- Phone: the national form with the first 4 (operator prefix) and last 4 digits, `0812****5678`;
  at least `MIN_HIDDEN` digits are always hidden, so short landlines keep fewer trailing digits.
- E-mail: first character of the local part and the whole domain, `b***@example.com`.
- Name: the first letter of each word, `S*** N*** R***` (for lists shown to someone who has
  not opened the record; the 360 page shows the name, see the README "Need-to-know").

A value that does not have the expected shape is masked completely rather than half-shown.
"""

from __future__ import annotations

import re

MASK = "*"
KEEP_HEAD = 4
KEEP_TAIL = 4
MIN_HIDDEN = 2
FULLY_MASKED = "********"

_NON_DIGITS = re.compile(r"\D")


def mask_nik(nik: str) -> str:
    """`3201********0004` for a 16-digit NIK; a fully masked placeholder for anything else."""
    digits = _NON_DIGITS.sub("", nik or "")
    if len(digits) != 16:
        return FULLY_MASKED
    return digits[:KEEP_HEAD] + MASK * 8 + digits[-KEEP_TAIL:]


def national_phone(phone: str) -> str:
    """Domestic digits with the trunk 0: `+6281234567890` and `081234567890` both give
    `081234567890`. Non-digits are dropped; an empty string when nothing is left."""
    digits = _NON_DIGITS.sub("", phone or "")
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def mask_phone(phone: str) -> str:
    """`0812****5678`: the national form with all but the first 4 and last 4 digits hidden.

    At least `MIN_HIDDEN` digits are hidden, so an 8-digit landline `03112345` gives
    `0311**45`. Fewer than `KEEP_HEAD + MIN_HIDDEN` digits: fully masked.
    """
    national = national_phone(phone)
    if len(national) < KEEP_HEAD + MIN_HIDDEN:
        return FULLY_MASKED
    tail = max(0, min(KEEP_TAIL, len(national) - KEEP_HEAD - MIN_HIDDEN))
    hidden = len(national) - KEEP_HEAD - tail
    return national[:KEEP_HEAD] + MASK * hidden + national[len(national) - tail :]


def mask_email(email: str) -> str:
    """`b***@example.com`: the first character of the local part and the domain."""
    local, at, domain = (email or "").strip().partition("@")
    if not at or not local or not domain:
        return FULLY_MASKED
    return f"{local[0]}{MASK * 3}@{domain}"


def mask_name(name: str) -> str:
    """`S*** N*** R***`: the first letter of each word (three stars whatever its length)."""
    words = (name or "").split()
    if not words:
        return FULLY_MASKED
    return " ".join(word[0] + MASK * 3 for word in words)


def mask_date(value: str) -> str:
    """A date keeps only its year: `1985-07-12` gives `1985-**-**`."""
    text = (value or "").strip()
    if len(text) >= 4 and text[:4].isdigit():
        return text[:4] + "-**-**"
    return FULLY_MASKED
