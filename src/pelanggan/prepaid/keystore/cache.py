"""A short-lived in-memory cache of derived decoder keys in front of any key store.

Deriving through an HSM costs a round trip; a burst of vends for one meter (a purchase plus its
key-change tokens, a re-send) reuses the key for a few seconds. Entries live at most
`ttl_seconds` (default 60) and at most `max_entries`, only in this process's memory, never on
disk; adding or retiring a vending key empties the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from pelanggan.platform import clock
from pelanggan.prepaid.keystore.base import (
    DecoderKeySpec,
    KeyStore,
    VendingKeyInfo,
    VendingKeyRef,
)
from pelanggan.prepaid.sts import DecoderKey


class CachingKeyStore:
    """Wraps a `KeyStore`; derivations are cached briefly, everything else passes through."""

    def __init__(self, inner: KeyStore, *, ttl_seconds: int = 60, max_entries: int = 256) -> None:
        if not 0 < ttl_seconds <= 300:
            raise ValueError("decoder keys may be cached for 1..300 seconds only")
        self.inner = inner
        self.backend = inner.backend
        self._ttl = dt.timedelta(seconds=ttl_seconds)
        self._max_entries = max_entries
        self._entries: OrderedDict[DecoderKeySpec, tuple[dt.datetime, DecoderKey]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every cached decoder key."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def list_keys(self) -> list[VendingKeyInfo]:
        return self.inner.list_keys()

    def add_key(
        self,
        *,
        ref: VendingKeyRef,
        key_material: bytes | None,
        is_development: bool,
        now: dt.datetime,
    ) -> VendingKeyInfo:
        self.clear()
        return self.inner.add_key(
            ref=ref, key_material=key_material, is_development=is_development, now=now
        )

    def retire_key(self, *, ref: VendingKeyRef, now: dt.datetime) -> VendingKeyInfo:
        self.clear()
        return self.inner.retire_key(ref=ref, now=now)

    def derive_decoder_key(self, *, spec: DecoderKeySpec) -> DecoderKey:
        now = clock.now()
        with self._lock:
            entry = self._entries.get(spec)
            if entry is not None and now < entry[0]:
                self._entries.move_to_end(spec)
                return entry[1]
            self._entries.pop(spec, None)
        key = self.inner.derive_decoder_key(spec=spec)
        with self._lock:
            self._entries[spec] = (now + self._ttl, key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return key
