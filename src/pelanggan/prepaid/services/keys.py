"""Vending keys: add, retire, rotate, and development keys for a fresh installation.

Each service runs in one transaction with its audit record. With the PKCS#11 store the HSM
write cannot roll back with the database: a key stored in the HSM stays there if the audit
insert then fails (the next attempt answers `VendingKeyExists`, and the key is listed).
Audit rows name keys by SGC, KRN and DKGA only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Final

from django.db import transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.prepaid.keystore import (
    DEVELOPMENT_KEY_WARNING,
    KeyStore,
    VendingKeyExists,
    VendingKeyInfo,
    VendingKeyRef,
    get_key_store,
)
from pelanggan.prepaid.sts import KeyMaterialError

logger = logging.getLogger(__name__)

DEVELOPMENT_SUPPLY_GROUP_CODE: Final = "999999"


def vending_key_ref(
    *, supply_group_code: str, key_revision_number: int, dkga: str
) -> VendingKeyRef:
    """A validated `VendingKeyRef`; bad input is `ValidationFailed` naming the rule."""
    try:
        return VendingKeyRef(
            supply_group_code=supply_group_code,
            key_revision_number=key_revision_number,
            dkga=dkga,
        )
    except KeyMaterialError as error:
        raise ValidationFailed.single("vending_key", "invalid", str(error)) from None


def _changes(info: VendingKeyInfo) -> dict[str, object]:
    return {
        "supply_group_code": info.ref.supply_group_code,
        "key_revision_number": info.ref.key_revision_number,
        "dkga": info.ref.dkga,
        "is_development": info.is_development,
        "backend": info.backend,
    }


def add_vending_key(
    *,
    supply_group_code: str,
    key_revision_number: int,
    dkga: str,
    key_material: bytes | None,
    actor: Actor,
    is_development: bool = False,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> VendingKeyInfo:
    """Store a vending key (`key_material`, or generated in the store when None).

    Raises `ValidationFailed` for a bad SGC/KRN/DKGA or key length, `VendingKeyExists` when one
    is stored already, `KeyStoreError` when the store refuses.
    """
    ref = vending_key_ref(
        supply_group_code=supply_group_code, key_revision_number=key_revision_number, dkga=dkga
    )
    store = store or get_key_store()
    moment = now or clock.now()
    with transaction.atomic():
        try:
            info = store.add_key(
                ref=ref, key_material=key_material, is_development=is_development, now=moment
            )
        except KeyMaterialError as error:
            raise ValidationFailed.single("key_material", "invalid", str(error)) from None
        audit.record(
            "prepaid.vending_key.added",
            actor=actor,
            subject_type="prepaid.vending_key",
            subject_ids=[ref.label],
            changes=_changes(info),
            occurred_at=moment,
        )
    return info


def retire_vending_key(
    *,
    supply_group_code: str,
    key_revision_number: int,
    dkga: str,
    actor: Actor,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> VendingKeyInfo:
    """Retire a vending key: no new meter gets it and no key change targets it, but it still
    derives the keys of the meters that hold it. Raises `VendingKeyMissing`."""
    ref = vending_key_ref(
        supply_group_code=supply_group_code, key_revision_number=key_revision_number, dkga=dkga
    )
    store = store or get_key_store()
    moment = now or clock.now()
    with transaction.atomic():
        info = store.retire_key(ref=ref, now=moment)
        audit.record(
            "prepaid.vending_key.retired",
            actor=actor,
            subject_type="prepaid.vending_key",
            subject_ids=[ref.label],
            changes=_changes(info),
            occurred_at=moment,
        )
    return info


def rotate_vending_key(
    *,
    supply_group_code: str,
    dkga: str,
    new_key_revision_number: int,
    key_material: bytes | None,
    actor: Actor,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> VendingKeyInfo:
    """Add the key of a new revision for an SGC and DKGA and retire its active older
    revisions. Meters move to the new revision through `plan_key_change`.

    Raises `Conflict` when the new revision is not above every stored one,
    `VendingKeyExists`, `ValidationFailed`, `KeyStoreError`.
    """
    ref = vending_key_ref(
        supply_group_code=supply_group_code, key_revision_number=new_key_revision_number, dkga=dkga
    )
    store = store or get_key_store()
    moment = now or clock.now()
    siblings = [
        info
        for info in store.list_keys()
        if info.ref.supply_group_code == ref.supply_group_code and info.ref.dkga == ref.dkga
    ]
    if any(info.ref.key_revision_number >= new_key_revision_number for info in siblings):
        raise Conflict(
            "a rotation must move to a key revision above every stored one",
            code="key_revision_not_newer",
            details={"key": ref.label},
        )
    with transaction.atomic():
        try:
            info = store.add_key(
                ref=ref, key_material=key_material, is_development=False, now=moment
            )
        except KeyMaterialError as error:
            raise ValidationFailed.single("key_material", "invalid", str(error)) from None
        retired = [
            store.retire_key(ref=sibling.ref, now=moment).ref.label
            for sibling in siblings
            if sibling.is_active
        ]
        audit.record(
            "prepaid.vending_key.rotated",
            actor=actor,
            subject_type="prepaid.vending_key",
            subject_ids=[ref.label, *retired],
            changes={**_changes(info), "retired": retired},
            occurred_at=moment,
        )
    return info


@dataclass(frozen=True, slots=True)
class DevelopmentKeys:
    """What `init_development_keys` did. `warning` must be shown to whoever asked."""

    created: list[VendingKeyInfo]
    existing: list[VendingKeyInfo]
    warning: str
    is_development: bool = True


def init_development_keys(
    *,
    actor: Actor,
    supply_group_code: str = DEVELOPMENT_SUPPLY_GROUP_CODE,
    key_revision_number: int = 1,
    store: KeyStore | None = None,
    now: dt.datetime | None = None,
) -> DevelopmentKeys:
    """Generate development vending keys (DKGA02 and DKGA04) for one SGC and KRN unless they
    exist, and warn LOUDLY (log and returned flag): tokens made with them work only on
    simulated meters. Idempotent."""
    store = store or get_key_store()
    created: list[VendingKeyInfo] = []
    existing: list[VendingKeyInfo] = []
    stored = {info.ref: info for info in store.list_keys()}
    for dkga in ("02", "04"):
        ref = vending_key_ref(
            supply_group_code=supply_group_code,
            key_revision_number=key_revision_number,
            dkga=dkga,
        )
        if ref in stored:
            existing.append(stored[ref])
            continue
        try:
            created.append(
                add_vending_key(
                    supply_group_code=supply_group_code,
                    key_revision_number=key_revision_number,
                    dkga=dkga,
                    key_material=None,
                    actor=actor,
                    is_development=True,
                    store=store,
                    now=now,
                )
            )
        except VendingKeyExists:  # a concurrent init won the race
            existing.extend(info for info in store.list_keys() if info.ref == ref)
    logger.warning("%s (supply group %s)", DEVELOPMENT_KEY_WARNING, supply_group_code)
    return DevelopmentKeys(created=created, existing=existing, warning=DEVELOPMENT_KEY_WARNING)
