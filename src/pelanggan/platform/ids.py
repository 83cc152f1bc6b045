"""Identifiers: time-ordered opaque ids for requests, events and tokens."""

from __future__ import annotations

import os
import re
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUEST_ID_PATTERN = re.compile(r"^[0-9A-Za-z._-]{8,64}$")


def new_ulid() -> str:
    """A 26-character ULID: 48-bit millisecond timestamp + 80 random bits, sortable by time."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_request_id() -> str:
    return new_ulid()


def new_secret_token(prefix: str) -> str:
    """A bearer secret with a readable prefix (e.g. `plg_...`), 256 bits of entropy."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"
