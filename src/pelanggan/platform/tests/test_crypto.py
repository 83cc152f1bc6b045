"""Field encryption and blind indexes: rotation, binding to the column, failing closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from pelanggan.platform import crypto
from pelanggan.platform.errors import KeyUnavailable


@pytest.fixture
def ring() -> Iterator[crypto.KeyRing]:
    original = crypto.ring_holder.get()
    yield original
    crypto.ring_holder.set(original)


def test_round_trip_and_key_id_in_ciphertext(ring: crypto.KeyRing) -> None:
    token = crypto.encrypt("3273055207850003", context="customers.person.nik")
    assert token.startswith(f"enc1:{ring.active_key_id}:")
    assert "3273055207850003" not in token
    assert crypto.decrypt(token, context="customers.person.nik") == "3273055207850003"
    assert crypto.encrypt("x", context="c") != crypto.encrypt("x", context="c")


def test_ciphertext_is_bound_to_its_column(ring: crypto.KeyRing) -> None:
    token = crypto.encrypt("Siti", context="customers.person.full_name")
    with pytest.raises(KeyUnavailable):
        crypto.decrypt(token, context="customers.person.nik")


def test_tampered_ciphertext_fails_closed(ring: crypto.KeyRing) -> None:
    token = crypto.encrypt("Siti", context="c")
    prefix, key_id, body = token.split(":")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(KeyUnavailable):
        crypto.decrypt(f"{prefix}:{key_id}:{flipped}", context="c")


def test_rotation_keeps_old_values_readable(ring: crypto.KeyRing) -> None:
    old = crypto.encrypt("lama", context="c")
    new_key = crypto.KeyRing.generate("k2").keys["k2"]
    crypto.ring_holder.set(crypto.KeyRing("k2", {**ring.keys, "k2": new_key}, ring.index_key))
    fresh = crypto.encrypt("baru", context="c")
    assert crypto.key_id_of(fresh) == "k2"
    assert crypto.decrypt(old, context="c") == "lama"
    crypto.ring_holder.set(crypto.KeyRing("k2", {"k2": new_key}, ring.index_key))
    with pytest.raises(KeyUnavailable, match="not in the key ring"):
        crypto.decrypt(old, context="c")


def test_no_keys_fails_closed(ring: crypto.KeyRing) -> None:
    crypto.ring_holder.set(None)
    crypto.ring_holder.install_loader(lambda: None)
    try:
        with pytest.raises(KeyUnavailable, match="no data encryption keys"):
            crypto.encrypt("x", context="c")
        with pytest.raises(KeyUnavailable):
            crypto.blind_index("x", purpose="p")
    finally:
        crypto.ring_holder.set(ring)


def test_blind_index_is_keyed_and_per_purpose(ring: crypto.KeyRing) -> None:
    a = crypto.blind_index("3273055207850003", purpose="customers.nik")
    assert a == crypto.blind_index("3273055207850003", purpose="customers.nik")
    assert a != crypto.blind_index("3273055207850003", purpose="customers.phone")
    other = crypto.KeyRing(ring.active_key_id, ring.keys, b"\x01" * 32)
    crypto.ring_holder.set(other)
    assert crypto.blind_index("3273055207850003", purpose="customers.nik") != a
    assert len(a) == 32


@pytest.mark.django_db
def test_database_holds_no_plain_personal_data(agent_a, valid_row) -> None:  # type: ignore[no-untyped-def]
    from conftest import principal_of
    from pelanggan.customers.services import register_customer

    register_customer(data=valid_row, principal=principal_of(agent_a))
    secrets = ["3273055207850003", "Nurhaliza", "81234567890", "Rajawali", "siti.rahma", "-6.905"]
    with connection.cursor() as cursor:
        for table in (
            "customers_person",
            "customers_personphone",
            "customers_premise",
            "customers_personnameword",
            "platform_auditevent",
            "platform_outboxevent",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = repr(cursor.fetchall())
            for secret in secrets:
                assert secret not in dump, (table, secret)
