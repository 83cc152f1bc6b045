"""Fixtures for the key store, meter key data and TID tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pelanggan.platform.audit import Actor
from pelanggan.prepaid.sts import BaseDate, EncryptionAlgorithm

ACTOR = Actor.system("prepaid-tests")
# The public examples of sts.md 3.3 and 3.4.
VK02_HEX = "abababababababab"
VK04_HEX = "abababababababab949494949494949401234567"
DK02_EXAMPLE_HEX = "e653341f9d5bf36f"  # KT 2, SGC 123456, TI 01, KRN 1, PAN 600727 00000000000
DK04_EXAMPLE_HEX = "f94b6ed353c3bfdb113e2d3a7ea3c41d"  # base 93, EA 11, TI 01, SGC 123457, KRN 1


@pytest.fixture
def store() -> Any:
    from pelanggan.prepaid.keystore import CachingKeyStore, SoftwareKeyStore

    return CachingKeyStore(SoftwareKeyStore())


@pytest.fixture
def add_key(store: Any) -> Callable[..., Any]:
    from pelanggan.prepaid.services import add_vending_key

    def add(sgc: str, krn: int, dkga: str, key_hex: str | None) -> Any:
        return add_vending_key(
            supply_group_code=sgc,
            key_revision_number=krn,
            dkga=dkga,
            key_material=None if key_hex is None else bytes.fromhex(key_hex),
            actor=ACTOR,
            store=store,
        )

    return add


@pytest.fixture
def register_meter(store: Any) -> Callable[..., Any]:
    from pelanggan.prepaid.services import register_meter_key_data

    def register(
        meter_number: str = "12345678903",
        *,
        sgc: str = "123456",
        krn: int = 1,
        tariff_index: str = "01",
        dkga: str = "02",
        algorithm: EncryptionAlgorithm = EncryptionAlgorithm.STA,
        base_date: BaseDate = BaseDate.Y2014,
        key_expiry_number: int = 255,
        last_tid: int | None = None,
    ) -> Any:
        return register_meter_key_data(
            meter_number=meter_number,
            supply_group_code=sgc,
            tariff_index=tariff_index,
            key_revision_number=krn,
            base_date=base_date,
            dkga=dkga,
            algorithm=algorithm,
            key_expiry_number=key_expiry_number,
            last_tid=last_tid,
            actor=ACTOR,
            store=store,
        )

    return register
