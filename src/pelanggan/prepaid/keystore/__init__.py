"""Vending keys behind one interface (`KeyStore`), and the store this installation uses.

Configuration: the Django setting `PELANGGAN_KEY_STORE`, a dict; absent means the software
store. Keys: `BACKEND` ("software" or "pkcs11"); for "pkcs11" also `LIBRARY` (path of the
PKCS#11 module), `TOKEN_LABEL`, `PIN` (from a secret) and optionally `ALLOW_DKGA02_KEY_READ`.
`CACHE_SECONDS` (default 60) bounds how long derived decoder keys stay in memory. See
README.md beside this file for what leaves the HSM.
"""

from __future__ import annotations

import threading
from typing import Any

from pelanggan.prepaid.keystore.base import (
    DEVELOPMENT_KEY_WARNING,
    DecoderKeySpec,
    KeyStore,
    KeyStoreError,
    MeterIdentity,
    VendingKeyExists,
    VendingKeyInfo,
    VendingKeyMissing,
    VendingKeyRef,
)
from pelanggan.prepaid.keystore.cache import CachingKeyStore
from pelanggan.prepaid.keystore.software import SoftwareKeyStore

__all__ = [
    "DEVELOPMENT_KEY_WARNING",
    "CachingKeyStore",
    "DecoderKeySpec",
    "KeyStore",
    "KeyStoreError",
    "MeterIdentity",
    "SoftwareKeyStore",
    "VendingKeyExists",
    "VendingKeyInfo",
    "VendingKeyMissing",
    "VendingKeyRef",
    "build_key_store",
    "get_key_store",
    "reset_key_store",
]

_store: KeyStore | None = None
_store_lock = threading.Lock()


def build_key_store(config: dict[str, Any] | None) -> KeyStore:
    """A key store from a `PELANGGAN_KEY_STORE`-shaped dict, wrapped in the short cache."""
    config = dict(config or {})
    backend = config.get("BACKEND", "software")
    inner: KeyStore
    if backend == "software":
        inner = SoftwareKeyStore()
    elif backend == "pkcs11":
        from pelanggan.prepaid.keystore.pkcs11 import Pkcs11KeyStore

        missing = [name for name in ("LIBRARY", "TOKEN_LABEL", "PIN") if not config.get(name)]
        if missing:
            raise KeyStoreError(f"PELANGGAN_KEY_STORE for pkcs11 needs {', '.join(missing)}")
        inner = Pkcs11KeyStore(
            library_path=str(config["LIBRARY"]),
            token_label=str(config["TOKEN_LABEL"]),
            user_pin=str(config["PIN"]),
            allow_dkga02_key_read=bool(config.get("ALLOW_DKGA02_KEY_READ", False)),
        )
    else:
        raise KeyStoreError("PELANGGAN_KEY_STORE BACKEND must be 'software' or 'pkcs11'")
    return CachingKeyStore(inner, ttl_seconds=int(config.get("CACHE_SECONDS", 60)))


def get_key_store() -> KeyStore:
    """The process-wide key store configured by `PELANGGAN_KEY_STORE`."""
    global _store
    with _store_lock:
        if _store is None:
            from django.conf import settings

            _store = build_key_store(getattr(settings, "PELANGGAN_KEY_STORE", None))
        return _store


def reset_key_store() -> None:
    """Forget the process-wide store (tests, settings changes)."""
    global _store
    with _store_lock:
        _store = None
