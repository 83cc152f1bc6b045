"""Field encryption (AES-256-GCM) and keyed-hash blind indexes.

Ciphertext layout (text, safe in any column type): `enc1:<key id>:<base64url(nonce | ct+tag)>`.
The key id travels with every value, so keys rotate without a flag day: new writes use the
active key, old values stay readable while their key is in the ring. The associated data binds a
ciphertext to its column (`customers.person.nik`), so a value copied into another column does not
decrypt. Without keys every call fails closed with `KeyUnavailable`.

Blind indexes are HMAC-SHA256 under a per-purpose subkey derived with HKDF from the index key.
They allow equality search without decryption; what they leak is documented in the README
(equal values have equal index values, so frequencies are visible).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pelanggan.platform.errors import KeyUnavailable

PREFIX = "enc1"
NONCE_BYTES = 12
INDEX_HEX_CHARS = 32


@dataclass(frozen=True)
class KeyRing:
    active_key_id: str
    keys: dict[str, bytes]
    index_key: bytes

    def __post_init__(self) -> None:
        if self.active_key_id not in self.keys:
            raise KeyUnavailable("the active data key is not in the key ring")
        for key_id, key in self.keys.items():
            if len(key) != 32:
                raise KeyUnavailable(f"data key {key_id} is not 256 bits")
            if ":" in key_id or not key_id:
                raise KeyUnavailable("key ids must be non-empty and contain no ':'")
        if len(self.index_key) != 32:
            raise KeyUnavailable("the blind-index key is not 256 bits")

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            raw = json.loads(text)
            keys = {kid: base64.b64decode(value) for kid, value in raw["keys"].items()}
            return cls(raw["active"], keys, base64.b64decode(raw["index_key"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyUnavailable("the data key ring is malformed") from exc

    def to_json(self) -> str:
        return json.dumps(
            {
                "active": self.active_key_id,
                "keys": {kid: base64.b64encode(k).decode() for kid, k in self.keys.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def generate(cls, key_id: str = "dev1") -> KeyRing:
        return cls(key_id, {key_id: AESGCM.generate_key(bit_length=256)}, os.urandom(32))


class _RingHolder:
    """Process-wide key ring, loaded lazily by a loader the app config installs.

    When the keys come from a file (the embedded default), the file is watched: a rotation by
    `pelanggan keys rotate` in another process reaches running servers within seconds, so they
    write with the new active key and read rows the re-encryption job has already moved.
    """

    WATCH_INTERVAL_SECONDS = 2.0

    def __init__(self) -> None:
        self._ring: KeyRing | None = None
        self._loader: object = None
        self._watched: Path | None = None
        self._watched_stamp: tuple[int, int] | None = None
        self._next_check = 0.0
        self._pinned = False  # set() by a caller (tests, the CLI): never reloaded behind its back
        self._lock = threading.Lock()

    def install_loader(self, loader: object, *, watch: Path | None = None) -> None:
        with self._lock:
            self._loader = loader
            self._watched = watch
            self._watched_stamp = _stamp(watch)
            self._ring = None
            self._pinned = False

    def set(self, ring: KeyRing | None) -> None:
        """Use `ring`. A ring other than the watched file's stays until set again (tests);
        the file's own ring (just written by rotation or first-run generation) keeps watching."""
        with self._lock:
            self._ring = ring
            self._pinned = ring is not None and ring != self._watched_ring()
            if not self._pinned:
                self._watched_stamp = _stamp(self._watched)
            _aead.cache_clear()
            _index_subkey.cache_clear()

    def _watched_ring(self) -> KeyRing | None:
        if self._watched is None or not callable(self._loader):
            return None
        try:
            ring = self._loader()
        except KeyUnavailable:
            return None
        return ring if isinstance(ring, KeyRing) else None

    def reload(self) -> KeyRing | None:
        """Load the ring again from its watched file (after a rotation elsewhere).

        Keys from the environment need a restart; a ring set explicitly stays as it is.
        """
        with self._lock:
            if self._pinned or self._watched is None or not callable(self._loader):
                return self._ring
            self._watched_stamp = _stamp(self._watched)
            try:
                fresh = self._loader()
            except KeyUnavailable:
                fresh = None  # a half-written or broken file: keep serving with the ring we have
            if fresh is not None:
                self._ring = fresh
            return self._ring

    def _file_changed(self) -> bool:
        if self._watched is None or self._pinned:
            return False
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + self.WATCH_INTERVAL_SECONDS
        return _stamp(self._watched) != self._watched_stamp

    def get(self) -> KeyRing:
        ring = self._ring
        if ring is not None and not self._file_changed():
            return ring
        if ring is not None:
            return self.reload() or ring
        with self._lock:
            if self._ring is None and callable(self._loader):
                self._ring = self._loader()
            if self._ring is None:
                raise KeyUnavailable(
                    "no data encryption keys are configured; set PELANGGAN_DATA_KEYS or run "
                    "`pelanggan init` to generate development keys"
                )
            return self._ring


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


ring_holder = _RingHolder()


def load_ring_from(*, json_text: str | None, path: Path) -> KeyRing | None:
    if json_text:
        return KeyRing.from_json(json_text)
    if path.is_file():
        return KeyRing.from_json(path.read_text(encoding="utf-8"))
    return None


_plaintext_for_benchmark = False


@contextmanager
def plaintext_for_benchmark() -> Iterator[None]:
    """BENCHMARK ONLY: store values in plain text, to measure what encryption costs.

    `benchmarks/encryption_cost.py` runs the same import inside and outside this block. No
    setting or environment variable reaches it, and it refuses to run under the production
    settings. Forked worker processes started inside the block inherit it.
    """
    global _plaintext_for_benchmark
    if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production"):
        raise RuntimeError("plain-text storage is a benchmark switch, never for production")
    _plaintext_for_benchmark = True
    try:
        yield
    finally:
        _plaintext_for_benchmark = False


@cache
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str) -> str:
    if _plaintext_for_benchmark:
        return plaintext
    ring = ring_holder.get()
    key_id = ring.active_key_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(ring.keys[key_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    if _plaintext_for_benchmark and not token.startswith(PREFIX + ":"):
        return token
    try:
        prefix, key_id, body = token.split(":", 2)
    except ValueError as exc:
        raise KeyUnavailable("stored value is not an encrypted value") from exc
    if prefix != PREFIX:
        raise KeyUnavailable("stored value has an unknown encryption format")
    ring = ring_holder.get()
    key = ring.keys.get(key_id)
    if key is None:
        # Rotated in another process since this one loaded its ring: look once more.
        reloaded = ring_holder.reload()
        key = reloaded.keys.get(key_id) if reloaded is not None else None
    if key is None:
        raise KeyUnavailable(f"data key {key_id} is not in the key ring")
    raw = base64.urlsafe_b64decode(body)
    try:
        return _aead(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except Exception as exc:  # InvalidTag: tampered value or wrong column
        raise KeyUnavailable("an encrypted value failed authentication") from exc


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


@cache
def _index_subkey(index_key: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"pelanggan-blind:" + purpose.encode()
    ).derive(index_key)


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of an already-normalised value, for equality search on encrypted columns."""
    if _plaintext_for_benchmark:
        return value[:INDEX_HEX_CHARS]  # what a plain-text system would index: the value
    key = _index_subkey(ring_holder.get().index_key, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:INDEX_HEX_CHARS]
