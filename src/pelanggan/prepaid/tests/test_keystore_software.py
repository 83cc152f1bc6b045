"""The software key store: sealed at rest, the published DKGA examples, lifecycle, dev keys,
the short decoder-key cache."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, KeyUnavailable, ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.prepaid.keystore import (
    DEVELOPMENT_KEY_WARNING,
    CachingKeyStore,
    DecoderKeySpec,
    MeterIdentity,
    SoftwareKeyStore,
    VendingKeyExists,
    VendingKeyMissing,
    VendingKeyRef,
)
from pelanggan.prepaid.models import VendingKey
from pelanggan.prepaid.services import (
    init_development_keys,
    retire_vending_key,
    rotate_vending_key,
)
from pelanggan.prepaid.sts import BaseDate, EncryptionAlgorithm, KeyMaterialError
from pelanggan.prepaid.tests.conftest import (
    ACTOR,
    DK02_EXAMPLE_HEX,
    DK04_EXAMPLE_HEX,
    VK02_HEX,
    VK04_HEX,
)

pytestmark = pytest.mark.django_db

SPEC02 = DecoderKeySpec(
    supply_group_code="123456",
    key_revision_number=1,
    key_type=2,
    tariff_index="01",
    meter=MeterIdentity(iin="600727", drn="00000000000"),
    base_date=BaseDate.Y1993,
    dkga="02",
    algorithm=EncryptionAlgorithm.STA,
)
SPEC04 = DecoderKeySpec(
    supply_group_code="123457",
    key_revision_number=1,
    key_type=2,
    tariff_index="01",
    meter=MeterIdentity.from_pan("600727000000000009"),
    base_date=BaseDate.Y1993,
    dkga="04",
    algorithm=EncryptionAlgorithm.MISTY1,
)


def test_derives_the_published_dkga02_and_dkga04_examples(
    store: Any, add_key: Callable[..., Any]
) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123457", 1, "04", VK04_HEX)

    dk02 = store.derive_decoder_key(spec=SPEC02)
    dk04 = store.derive_decoder_key(spec=SPEC04)

    assert (dk02.key.hex(), dk02.algorithm) == (DK02_EXAMPLE_HEX, EncryptionAlgorithm.STA)
    assert (dk04.key.hex(), dk04.algorithm) == (DK04_EXAMPLE_HEX, EncryptionAlgorithm.MISTY1)


def test_vending_keys_are_sealed_at_rest_and_bound_to_their_row(
    add_key: Callable[..., Any],
) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123456", 2, "02", "0123456789abcdef")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_key FROM prepaid_vendingkey ORDER BY key_revision_number")
        stored = [row[0] for row in cursor.fetchall()]
    assert all(value.startswith("enc1:t1:") for value in stored)
    assert not any(VK02_HEX in value or "0123456789abcdef" in value for value in stored)

    # A sealed value copied onto another row does not decrypt: it fails closed.
    VendingKey.objects.filter(key_revision_number=1).update(sealed_key=stored[1])
    with pytest.raises(KeyUnavailable, match="failed authentication"):
        SoftwareKeyStore().derive_decoder_key(spec=SPEC02)


def test_list_add_twice_retire_and_missing(store: Any, add_key: Callable[..., Any]) -> None:
    with clock.frozen(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)):
        add_key("123456", 1, "02", VK02_HEX)
        add_key("123457", 1, "04", None)  # generated
    with pytest.raises(VendingKeyExists):
        add_key("123456", 1, "02", VK02_HEX)
    with pytest.raises(ValidationFailed, match="must be 8 bytes"):
        add_key("123456", 2, "02", VK04_HEX)
    with pytest.raises(ValidationFailed, match="supply_group_code must have 6 digits"):
        add_key("12345", 1, "02", VK02_HEX)

    moment = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
    retired = retire_vending_key(
        supply_group_code="123456", key_revision_number=1, dkga="02", actor=ACTOR, store=store,
        now=moment,
    )  # fmt: skip
    listed = store.list_keys()

    assert [(i.ref.label, i.is_active, i.retired_at) for i in listed] == [
        ("sts-vk-123456-1-dkga02", False, moment),
        ("sts-vk-123457-1-dkga04", True, None),
    ]
    assert retired.retired_at == moment
    assert [i.created_at for i in listed] == [dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)] * 2
    assert len(VendingKey.objects.get(dkga="04").sealed_key) > 40
    # A retired key still derives: its meters must be moved off it by a key change.
    assert store.derive_decoder_key(spec=SPEC02).key.hex() == DK02_EXAMPLE_HEX
    with pytest.raises(VendingKeyMissing):
        store.derive_decoder_key(
            spec=DecoderKeySpec(**{**_fields(SPEC02), "key_revision_number": 7})
        )


def _fields(spec: DecoderKeySpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


def test_rotation_adds_the_new_revision_and_retires_the_old(
    store: Any, add_key: Callable[..., Any]
) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123456", 1, "04", VK04_HEX)

    rotate_vending_key(
        supply_group_code="123456", dkga="02", new_key_revision_number=2,
        key_material=bytes.fromhex("0123456789abcdef"), actor=ACTOR, store=store,
    )  # fmt: skip
    with pytest.raises(Conflict, match="above every stored one"):
        rotate_vending_key(
            supply_group_code="123456", dkga="02", new_key_revision_number=2,
            key_material=None, actor=ACTOR, store=store,
        )  # fmt: skip

    assert [(i.ref.label, i.is_active) for i in store.list_keys()] == [
        ("sts-vk-123456-1-dkga02", False),
        ("sts-vk-123456-1-dkga04", True),
        ("sts-vk-123456-2-dkga02", True),
    ]
    rotated = AuditEvent.objects.get(event_type="prepaid.vending_key.rotated")
    assert rotated.subject_ids == ["sts-vk-123456-2-dkga02", "sts-vk-123456-1-dkga02"]
    assert rotated.changes["retired"] == ["sts-vk-123456-1-dkga02"]


def test_development_keys_warn_loudly_and_are_idempotent(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pelanggan.prepaid"):
        first = init_development_keys(actor=ACTOR, store=store)
        second = init_development_keys(actor=ACTOR, store=store)

    assert first.is_development is True
    assert first.warning == DEVELOPMENT_KEY_WARNING
    assert "ONLY on simulated meters" in first.warning
    assert [i.ref.label for i in first.created] == [
        "sts-vk-999999-1-dkga02",
        "sts-vk-999999-1-dkga04",
    ]
    assert (second.created, [i.ref.label for i in second.existing]) == (
        [],
        ["sts-vk-999999-1-dkga02", "sts-vk-999999-1-dkga04"],
    )
    assert all(i.is_development for i in store.list_keys())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert warnings[0].getMessage().startswith("DEVELOPMENT vending keys")
    # Generated DES keys carry odd parity, like keys from an HSM.
    spec = DecoderKeySpec(**{**_fields(SPEC02), "supply_group_code": "999999"})
    assert len(store.derive_decoder_key(spec=spec).key) == 8
    added = AuditEvent.objects.filter(event_type="prepaid.vending_key.added")
    assert [e.changes["is_development"] for e in added] == [True, True]


def test_audit_rows_carry_no_key_material(add_key: Callable[..., Any], store: Any) -> None:
    add_key("123456", 1, "02", VK02_HEX)
    add_key("123457", 1, "04", VK04_HEX)
    event = AuditEvent.objects.filter(event_type="prepaid.vending_key.added").first()
    assert event is not None
    assert event.subject_ids == ["sts-vk-123456-1-dkga02"]
    assert event.changes == {
        "supply_group_code": "123456",
        "key_revision_number": 1,
        "dkga": "02",
        "is_development": False,
        "backend": "software",
    }
    text = " ".join(str(e.changes) + str(e.subject_ids) for e in AuditEvent.objects.all())
    assert VK02_HEX not in text
    assert VK04_HEX not in text


def test_cache_expires_and_is_cleared_when_keys_change(add_key: Callable[..., Any]) -> None:
    inner = SoftwareKeyStore()
    cached = CachingKeyStore(inner, ttl_seconds=30)
    add_key("123456", 1, "02", VK02_HEX)
    start = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        first = cached.derive_decoder_key(spec=SPEC02)
    # The row goes away; the cache still answers for its TTL, then asks the store again.
    VendingKey.objects.all().delete()
    with clock.frozen(start + dt.timedelta(seconds=29)):
        assert cached.derive_decoder_key(spec=SPEC02) is first
    with clock.frozen(start + dt.timedelta(seconds=30)), pytest.raises(VendingKeyMissing):
        cached.derive_decoder_key(spec=SPEC02)

    cached.add_key(
        ref=SPEC02.vending_key, key_material=bytes.fromhex(VK02_HEX), is_development=False,
        now=start,
    )  # fmt: skip
    with clock.frozen(start):
        cached.derive_decoder_key(spec=SPEC02)
    assert len(cached) == 1
    cached.retire_key(ref=SPEC02.vending_key, now=start)
    assert len(cached) == 0
    with pytest.raises(ValueError, match=r"1\.\.300 seconds"):
        CachingKeyStore(inner, ttl_seconds=3600)


def test_meter_identity_and_spec_validation() -> None:
    assert MeterIdentity.from_pan("600727000000000009") == MeterIdentity(
        iin="600727", drn="00000000000"
    )
    assert MeterIdentity.from_pan("000001234567890128").iin == "0000"
    assert MeterIdentity(iin="600727", drn="12345678903").pan == "600727123456789030"
    with pytest.raises(KeyMaterialError, match="wrong check digit"):
        MeterIdentity.from_pan("600727000000000008")
    with pytest.raises(KeyMaterialError, match="pairs with EA07"):
        DecoderKeySpec(**{**_fields(SPEC02), "algorithm": EncryptionAlgorithm.MISTY1})
    with pytest.raises(KeyMaterialError, match="dkga must be"):
        VendingKeyRef(supply_group_code="123456", key_revision_number=1, dkga="03")
