"""Password policy per OWASP ASVS 5.0 V6.2: length, breached-password check, nothing else.

- at least `min_length` characters (12 by default, `PELANGGAN_PASSWORD_MIN_LENGTH`), at most
  128 so a passphrase of 64 or more always fits; no composition rules, no hints;
- not on a list of breached or common passwords, checked locally (no call to any outside
  service): Django's list of 20,000 common passwords, the list shipped in
  `data/breached-passwords.txt` (passwords common in Indonesia), and optionally a file named by
  `PELANGGAN_BREACHED_PASSWORDS_FILE`: plain passwords one per line, or SHA-1 hashes — the
  Have I Been Pwned "ordered by hash" download (`HASH:count` lines, sorted) is searched in
  place by bisection, so its full size (tens of GB) needs no memory. See
  `data/README-breached-passwords.md` for how to fetch and install it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

import django.contrib.auth
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_LENGTH = 128
DJANGO_LIST = Path(django.contrib.auth.__file__).resolve().parent / "common-passwords.txt.gz"
SHIPPED_LIST = Path(__file__).resolve().parent / "data" / "breached-passwords.txt"


class LengthValidator:
    """Between `min_length` and 128 characters (Unicode code points, spaces allowed)."""

    def __init__(self, min_length: int = 12, max_length: int = MAX_LENGTH) -> None:
        self.min_length = min_length
        self.max_length = max(max_length, 64)

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "The password must have at least %(min)d character.",
                    "The password must have at least %(min)d characters.",
                    self.min_length,
                )
                % {"min": self.min_length},
                code="password_too_short",
                params={"min_length": self.min_length},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                _("The password may have at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _(
            "At least %(min)d characters. A passphrase of several words is easiest to remember."
        ) % {"min": self.min_length}


@cache
def _plain_list(path: str) -> frozenset[str]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


def _is_hash_file(path: str) -> bool:
    with open(path, encoding="ascii", errors="replace") as handle:
        first = handle.readline().strip().split(":", 1)[0]
    return len(first) == 40 and all(c in "0123456789abcdefABCDEF" for c in first)


def _sha1_in_sorted_file(path: str, digest: str) -> bool:
    """Bisect a file of sorted `SHA1[:count]` lines for `digest` (upper-case hex)."""
    with open(path, "rb") as handle:
        low, high = 0, os.fstat(handle.fileno()).st_size
        target = digest.encode()
        while low < high:
            middle = (low + high) // 2
            handle.seek(middle)
            if middle:
                handle.readline()  # skip to the start of the next whole line
            line = handle.readline()
            key = line.split(b":", 1)[0].strip().upper()
            if not line or key > target:
                high = middle
            elif key == target:
                return True
            else:
                low = middle + 1
        handle.seek(low)
        if low:
            handle.readline()
        return handle.readline().split(b":", 1)[0].strip().upper() == target


class BreachedPasswordValidator:
    """Rejects passwords found on the local breached/common lists (case-insensitive)."""

    def __init__(self, extra_file: str | None = None) -> None:
        self.extra_file = extra_file or None

    def is_breached(self, password: str) -> bool:
        lowered = password.lower().strip()
        if lowered in _plain_list(str(DJANGO_LIST)):
            return True
        if lowered in _plain_list(str(SHIPPED_LIST)):
            return True
        if self.extra_file:
            if _is_hash_file(self.extra_file):
                digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest()
                return _sha1_in_sorted_file(self.extra_file, digest.upper())
            return lowered in _plain_list(self.extra_file)
        return False

    def validate(self, password: str, user: Any = None) -> None:
        if self.is_breached(password):
            raise ValidationError(
                _(
                    "This password appears in lists of leaked passwords; attackers try those "
                    "first. Choose another one."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("It must not be a password known from data leaks.")
