"""The PKCS#11 key store: vending keys inside a hardware security module.

Tested against SoftHSM2 2.6.1 (Debian `softhsm2`) through `python-pkcs11`. Each vending key is
one secret-key object on the token labelled `sts-vk-<SGC>-<KRN>-dkga<02|04>`; CKA_ID holds a
small JSON record (`{"dev": bool, "created": ISO time, "retired": ISO time or null}`) because
SoftHSM2 answers CKR_GENERAL_ERROR when CKA_START_DATE/CKA_END_DATE are read back.

What leaves the module (also in README.md):

* DKGA04 (160-bit vending key): stored as a 32-byte CKK_GENERIC_SECRET holding VK followed by
  12 zero bytes, CKA_SENSITIVE and not CKA_EXTRACTABLE, usable only to sign. SoftHSM2 refuses
  HMAC-SHA-256 keys shorter than 32 bytes (CKR_KEY_SIZE_RANGE); HMAC pads every key shorter
  than the 64-byte block with zeros, so the padded key gives exactly the same MAC. The HSM
  computes HMAC-SHA-256 (CKM_SHA256_HMAC) over the KDF message; the 32-byte MAC leaves the
  module and its first 8 (STA) or 16 (MISTY1) bytes are the decoder key; the rest is dropped
  (SoftHSM2 does not offer CKM_SHA256_HMAC_GENERAL, which would truncate inside). The vending
  key never leaves.
* DKGA02 (64-bit vending key): DK = DES(VK, D) XOR D XOR VK. SoftHSM2 lists CKM_DES_ECB but
  refuses to use it (CKR_MECHANISM_INVALID: its OpenSSL 3 build has no single DES), so the
  key is stored as a CKK_DES3 key VK‖VK‖VK, and CKM_DES3_ECB with three equal keys is single
  DES. The DES step runs in the HSM, but PKCS#11 has no mechanism for the final XOR with VK
  (no standard mechanism XORs two secret values; CKM_XOR_BASE_AND_DATA would need DES(VK, D)
  as plain data, which together with the decoder key gives VK away, and SoftHSM2 lacks it
  anyway). So DKGA02 is refused unless the store is built with `allow_dkga02_key_read=True`;
  then DKGA02 keys are stored with CKA_SENSITIVE false and CKA_EXTRACTABLE true and THE
  VENDING KEY'S VALUE IS READ OUT of the HSM for every DKGA02 derivation. That protects the
  key at rest only; a production DKGA02 key belongs in an STS-certified HSM with a native
  DKGA02 command.
* Keys the store generates (`key_material=None`) come from the HSM's random generator
  (C_GenerateRandom) and pass through this process once on their way into C_CreateObject,
  because neither DKGA has a matching PKCS#11 key-generation mechanism (DES3_KEY_GEN makes
  three independent keys; a 160-bit HMAC key cannot be padded inside).
* Always: the derived decoder key leaves the HSM, because the STS engine encrypts tokens in
  software. It is held in memory only (see `CachingKeyStore`) and never logged.

Importing a given key (`key_material=...`) is C_CreateObject with the plain value: for
development and tests. A production key ceremony would import under a transport key
(C_UnwrapKey), which this class does not do yet.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, Final

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import PKCS11Error

from pelanggan.prepaid.keystore.base import (
    DecoderKeySpec,
    KeyStoreError,
    VendingKeyExists,
    VendingKeyInfo,
    VendingKeyMissing,
    VendingKeyRef,
    with_des_parity,
)
from pelanggan.prepaid.sts import DecoderKey, KeyMaterialError
from pelanggan.prepaid.sts.dkga import dkga02_control_block, dkga02_pan_block, dkga04_message

LABEL_PREFIX: Final = "sts-vk-"
HMAC_KEY_BYTES: Final = 32  # SoftHSM2's minimum for CKM_SHA256_HMAC
_libraries: dict[str, Any] = {}
_libraries_lock = threading.Lock()


def load_library(path: str) -> Any:
    """The PKCS#11 library at `path`, loaded (and C_Initialize'd) once per process."""
    with _libraries_lock:
        library = _libraries.get(path)
        if library is None:
            try:
                library = pkcs11.lib(path)
            except PKCS11Error as error:
                raise KeyStoreError(
                    f"cannot load the PKCS#11 library {path}: {type(error).__name__}"
                ) from None
            _libraries[path] = library
        return library


def _ref_from_label(label: str) -> VendingKeyRef | None:
    if not label.startswith(LABEL_PREFIX):
        return None
    parts = label.removeprefix(LABEL_PREFIX).split("-")
    if len(parts) != 3 or not parts[2].startswith("dkga") or not parts[1].isdigit():
        return None
    try:
        return VendingKeyRef(
            supply_group_code=parts[0],
            key_revision_number=int(parts[1]),
            dkga=parts[2].removeprefix("dkga"),
        )
    except KeyMaterialError:
        return None


def _time(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) else None


def _hsm_value(ref: VendingKeyRef, key: bytes) -> bytes:
    """What the HSM object holds for a vending key (module docstring)."""
    if ref.dkga == "02":
        return key * 3
    return key + bytes(HMAC_KEY_BYTES - len(key))


class Pkcs11KeyStore:
    """Vending keys as secret-key objects on one PKCS#11 token.

    One logged-in read/write session is opened on first use and shared under a lock (PKCS#11
    logs in per application, and one session keeps SoftHSM2's file locking simple).
    """

    backend = "pkcs11"

    def __init__(
        self,
        *,
        library_path: str,
        token_label: str,
        user_pin: str,
        allow_dkga02_key_read: bool = False,
    ) -> None:
        self._library = load_library(library_path)
        self._token_label = token_label
        self._user_pin = user_pin
        self.allow_dkga02_key_read = allow_dkga02_key_read
        self._session: Any = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:  # the PIN stays out of reprs and tracebacks
        return f"Pkcs11KeyStore(token_label={self._token_label!r})"

    def close(self) -> None:
        """Log out and close the session (a later call opens a new one)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _open(self) -> Any:
        if self._session is None:
            try:
                token = self._library.get_token(token_label=self._token_label)
                self._session = token.open(rw=True, user_pin=self._user_pin)
            except PKCS11Error as error:
                raise KeyStoreError(
                    f"cannot open the HSM token {self._token_label!r}: {type(error).__name__}"
                ) from None
        return self._session

    def _objects(self, ref: VendingKeyRef) -> list[Any]:
        return list(
            self._open().get_objects(
                {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: ref.label}
            )
        )

    def _find(self, ref: VendingKeyRef) -> Any:
        objects = self._objects(ref)
        if not objects:
            raise VendingKeyMissing(
                f"no vending key {ref.label} in the HSM", details={"key": ref.label}
            )
        return objects[0]

    @staticmethod
    def _metadata(key: Any) -> dict[str, Any]:
        try:
            value = json.loads(bytes(key[Attribute.ID]))
        except (ValueError, PKCS11Error):
            return {}
        return value if isinstance(value, dict) else {}

    def _info(self, key: Any, ref: VendingKeyRef) -> VendingKeyInfo:
        metadata = self._metadata(key)
        retired_at = _time(metadata.get("retired"))
        return VendingKeyInfo(
            ref=ref,
            is_development=metadata.get("dev") is True,
            is_active=retired_at is None,
            created_at=_time(metadata.get("created")),
            retired_at=retired_at,
            backend=self.backend,
        )

    def list_keys(self) -> list[VendingKeyInfo]:
        with self._lock:
            found = []
            for key in self._open().get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}):
                ref = _ref_from_label(str(key[Attribute.LABEL]))
                if ref is not None:
                    found.append(self._info(key, ref))
        return sorted(
            found,
            key=lambda info: (
                info.ref.supply_group_code,
                info.ref.key_revision_number,
                info.ref.dkga,
            ),
        )

    def _template(
        self, ref: VendingKeyRef, *, is_development: bool, now: dt.datetime
    ) -> dict[Attribute, Any]:
        readable = ref.dkga == "02" and self.allow_dkga02_key_read
        metadata = {"dev": is_development, "created": now.isoformat(), "retired": None}
        is_des = ref.dkga == "02"
        return {
            Attribute.CLASS: ObjectClass.SECRET_KEY,
            Attribute.KEY_TYPE: KeyType.DES3 if is_des else KeyType.GENERIC_SECRET,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: True,
            Attribute.LABEL: ref.label,
            Attribute.ID: json.dumps(metadata, sort_keys=True).encode(),
            Attribute.SENSITIVE: not readable,
            Attribute.EXTRACTABLE: readable,
            Attribute.MODIFIABLE: True,
            Attribute.ENCRYPT: is_des,
            Attribute.SIGN: not is_des,
            Attribute.DECRYPT: False,
            Attribute.VERIFY: False,
            Attribute.DERIVE: False,
            Attribute.WRAP: False,
            Attribute.UNWRAP: False,
        }

    def add_key(
        self,
        *,
        ref: VendingKeyRef,
        key_material: bytes | None,
        is_development: bool,
        now: dt.datetime,
    ) -> VendingKeyInfo:
        if ref.dkga == "02" and not self.allow_dkga02_key_read:
            raise self._dkga02_refused(ref)
        if key_material is not None and (
            not isinstance(key_material, bytes) or len(key_material) != ref.key_length
        ):
            raise KeyMaterialError(f"a DKGA{ref.dkga} vending key must be {ref.key_length} bytes")
        template = self._template(ref, is_development=is_development, now=now)
        with self._lock:
            session = self._open()
            if self._objects(ref):
                raise VendingKeyExists(
                    f"a vending key {ref.label} is already in the HSM", details={"key": ref.label}
                )
            try:
                key = key_material
                if key is None:
                    key = bytes(session.generate_random(8 * ref.key_length))
                    key = with_des_parity(key) if ref.dkga == "02" else key
                created = session.create_object({**template, Attribute.VALUE: _hsm_value(ref, key)})
            except PKCS11Error as error:
                raise KeyStoreError(
                    f"the HSM refused to store {ref.label}: {type(error).__name__}"
                ) from None
            return self._info(created, ref)

    def retire_key(self, *, ref: VendingKeyRef, now: dt.datetime) -> VendingKeyInfo:
        with self._lock:
            key = self._find(ref)
            metadata = self._metadata(key)
            if metadata.get("retired") is None:
                metadata["retired"] = now.isoformat()
                try:
                    key[Attribute.ID] = json.dumps(metadata, sort_keys=True).encode()
                except PKCS11Error as error:
                    raise KeyStoreError(
                        f"the HSM refused to retire {ref.label}: {type(error).__name__}"
                    ) from None
            return self._info(key, ref)

    def derive_decoder_key(self, *, spec: DecoderKeySpec) -> DecoderKey:
        ref = spec.vending_key
        if ref.dkga == "02" and not self.allow_dkga02_key_read:
            raise self._dkga02_refused(ref)
        with self._lock:
            key = self._find(ref)
            try:
                raw = self._dkga02(key, spec) if ref.dkga == "02" else self._dkga04(key, spec)
            except PKCS11Error as error:
                raise KeyStoreError(
                    f"the HSM could not derive with {ref.label}: {type(error).__name__}"
                ) from None
        return DecoderKey(raw, spec.algorithm)

    @staticmethod
    def _dkga04(key: Any, spec: DecoderKeySpec) -> bytes:
        message = dkga04_message(
            attributes=spec.attributes,
            base_date=spec.base_date,
            algorithm=spec.algorithm,
            meter_pan=spec.meter.pan,
        )
        mac = bytes(key.sign(message, mechanism=Mechanism.SHA256_HMAC))
        return mac[: spec.algorithm.key_length]

    @staticmethod
    def _dkga02(key: Any, spec: DecoderKeySpec) -> bytes:
        pan = bytes.fromhex(dkga02_pan_block(spec.meter.iin, spec.meter.drn, spec.key_type))
        control = bytes.fromhex(dkga02_control_block(spec.attributes))
        data = bytes(a ^ b for a, b in zip(pan, control, strict=True))
        encrypted = bytes(key.encrypt(data, mechanism=Mechanism.DES3_ECB))
        # No PKCS#11 mechanism XORs with the key itself: its value is read (module docstring).
        vending_key = bytes(key[Attribute.VALUE])[:8]
        return bytes(e ^ d ^ v for e, d, v in zip(encrypted, data, vending_key, strict=True))

    @staticmethod
    def _dkga02_refused(ref: VendingKeyRef) -> KeyStoreError:
        return KeyStoreError(
            f"DKGA02 ({ref.label}) needs DES(VK, D) XOR VK and PKCS#11 has no mechanism for the "
            "XOR with the key; build the store with allow_dkga02_key_read=True to read the key "
            "out of the HSM for that step, or use an HSM with a native DKGA02 command",
            code="mechanism_unavailable",
        )
