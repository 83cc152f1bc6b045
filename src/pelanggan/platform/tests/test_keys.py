"""Data-key rotation: rotate, write, re-encrypt, retire; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from typer.testing import CliRunner

from pelanggan.platform import clock, crypto, keys
from pelanggan.platform.audit import Actor
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

ACTOR = Actor("cli", None, "cli:test")


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """Keys from a key file (the embedded default), starting from the test ring (key t1)."""
    original = crypto.ring_holder.get()
    path = tmp_path / "keys" / "data-keys.json"
    path.parent.mkdir()
    path.write_text(original.to_json(), encoding="utf-8")
    settings.PELANGGAN_DATA_KEYS = None
    settings.PELANGGAN_DATA_KEYS_PATH = path

    def load() -> crypto.KeyRing | None:
        return crypto.load_ring_from(json_text=None, path=path)

    crypto.ring_holder.install_loader(load, watch=path)
    yield path
    crypto.ring_holder.install_loader(
        lambda: crypto.load_ring_from(json_text=original.to_json(), path=path)
    )
    crypto.ring_holder.set(original)


@pytest.fixture
def customers(units: Any, tmp_path: Path) -> list[dict[str, str]]:
    from pelanggan.customers.services import import_dil
    from pelanggan.customers.synthetic import generate_dil, write_csv

    rows = generate_dil(customers=12, seed=3, as_of=dt.date(2026, 11, 22)).rows
    for row in rows:
        row["ulp_code"] = "53110"
    write_csv(tmp_path / "dil.csv", rows)
    report = import_dil(path=tmp_path / "dil.csv", partial=False, actor=Actor.system("test"))
    assert report.rows_created == 12
    return rows


def _rows_by_key() -> dict[str, int]:
    totals: dict[str, int] = {}
    for column_usage in keys.usage():
        for key_id, count in column_usage.rows_by_key.items():
            totals[key_id] = totals.get(key_id, 0) + count
    return totals


def _names() -> set[str]:
    from pelanggan.customers.models import Person

    return set(Person.objects.values_list("full_name", flat=True))


def test_columns_are_found_from_the_models() -> None:
    labels = {column.label for column in keys.encrypted_columns()}
    assert {"customers_person.nik", "customers_person.full_name", "customers_premise.street"} <= (
        labels
    )
    nik = next(c for c in keys.encrypted_columns() if c.label == "customers_person.nik")
    assert nik.context_for({}) == "customers.person.nik"


def test_rotate_reencrypt_retire(key_file: Path, customers: list[dict[str, str]]) -> None:
    expected_names = {row["full_name"] for row in customers}
    before = _rows_by_key()
    assert set(before) == {"t1"}
    assert before["t1"] > 12 * 3

    change = keys.rotate(actor=ACTOR)
    assert (change.key_id, change.written_to, change.json_to_set) == ("k2", key_file, None)
    on_disk = crypto.KeyRing.from_json(key_file.read_text(encoding="utf-8"))
    assert (on_disk.active_key_id, sorted(on_disk.keys)) == ("k2", ["k2", "t1"])
    assert on_disk.keys["t1"] == crypto.ring_holder.get().keys["t1"]
    assert key_file.stat().st_mode & 0o777 == 0o600
    rotated = AuditEvent.objects.get(event_type="platform.data_key.rotated")
    assert rotated.changes["active"] == {"old": "t1", "new": "k2"}

    # New writes use the new key.
    fresh = crypto.encrypt("Baru", context="customers.person.full_name")
    assert crypto.key_id_of(fresh) == "k2"

    # t1 cannot go while rows use it; the refusal changes nothing.
    with pytest.raises(keys.KeyLifecycleError, match=r"customers_premise\.street \(12 rows\)"):
        keys.retire(key_id="t1", actor=ACTOR)
    assert sorted(crypto.KeyRing.from_json(key_file.read_text(encoding="utf-8")).keys) == [
        "k2",
        "t1",
    ]

    report = keys.reencrypt(actor=ACTOR, batch_size=5)
    assert report.total_moved == before["t1"]
    assert report.moved["customers_premise.street"] == 12
    assert report.total_unreadable == 0
    assert _rows_by_key() == {"k2": before["t1"]}
    assert _names() == expected_names
    # Idempotent: a second run finds nothing to move and records nothing.
    events = AuditEvent.objects.count()
    assert keys.reencrypt(actor=ACTOR, batch_size=5).total_moved == 0
    assert AuditEvent.objects.count() == events

    with pytest.raises(keys.KeyLifecycleError, match="active key"):
        keys.retire(key_id="k2", actor=ACTOR)
    keys.retire(key_id="t1", actor=ACTOR)
    on_disk = crypto.KeyRing.from_json(key_file.read_text(encoding="utf-8"))
    assert sorted(on_disk.keys) == ["k2"]
    assert sorted(crypto.ring_holder.get().keys) == ["k2"]
    assert _names() == expected_names  # decryption still works without the retired key
    assert AuditEvent.objects.filter(event_type="platform.data_key.retired").count() == 1


def test_concurrent_write_is_never_overwritten(
    key_file: Path, customers: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pelanggan.customers.models import Person

    keys.rotate(actor=ACTOR)
    column = next(c for c in keys.encrypted_columns() if c.label == "customers_person.full_name")
    first = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None
    real_encrypt = crypto.encrypt
    calls = {"n": 0}

    def encrypt_while_someone_writes(plaintext: str, *, context: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:  # between our read and our write, a user renames the person
            Person.objects.filter(pk=first).update(full_name="Nama Baru Sekali")
        return real_encrypt(plaintext, context=context)

    monkeypatch.setattr(crypto, "encrypt", encrypt_while_someone_writes)
    report = keys.reencrypt(actor=ACTOR, batch_size=100, columns=[column])
    assert report.changed_meanwhile == {"customers_person.full_name": 1}
    assert report.moved == {"customers_person.full_name": Person.objects.count() - 1}
    renamed = Person.objects.filter(pk=first).values_list("full_name", flat=True).get()
    assert renamed == "Nama Baru Sekali"  # the user's write survived


def test_keys_from_the_environment_are_printed_not_written(
    settings: Any, customers: list[dict[str, str]]
) -> None:
    assert settings.PELANGGAN_DATA_KEYS
    before = crypto.ring_holder.get()
    change = keys.rotate(actor=ACTOR, key_id="prod-2027")
    assert change.written_to is None
    assert change.json_to_set is not None
    printed = crypto.KeyRing.from_json(change.json_to_set)
    assert (printed.active_key_id, sorted(printed.keys)) == ("prod-2027", ["prod-2027", "t1"])
    assert crypto.ring_holder.get() is before  # nothing changed in this process
    with pytest.raises(keys.KeyLifecycleError, match="already exists"):
        keys.rotate(actor=ACTOR, key_id="t1")
    with pytest.raises(keys.KeyLifecycleError, match="key id"):
        keys.rotate(actor=ACTOR, key_id="bad:id")


def test_sealed_columns_outside_the_models_block_retirement(key_file: Path) -> None:
    """A context that seals values itself (the STS software key store) registers its column;
    one that did not would keep its rows on the old key, and retirement refuses."""
    from pelanggan.prepaid.keystore.base import VendingKeyRef
    from pelanggan.prepaid.keystore.software import SoftwareKeyStore

    column = ("prepaid.vendingkey", "sealed_key")
    template = keys._sealed[column]  # registered by the prepaid app
    store = SoftwareKeyStore()
    ref = VendingKeyRef(supply_group_code="123456", key_revision_number=1, dkga="02")
    store.add_key(ref=ref, key_material=None, is_development=True, now=clock.now())
    keys.rotate(actor=ACTOR)
    del keys._sealed[column]
    try:
        keys.reencrypt(actor=ACTOR)
        with pytest.raises(
            keys.KeyLifecycleError, match=r"prepaid_vendingkey\.sealed_key \(1 rows\)"
        ):
            keys.retire(key_id="t1", actor=ACTOR)
    finally:
        keys.register_sealed_column("prepaid.VendingKey", "sealed_key", context_template=template)
    report = keys.reencrypt(actor=ACTOR)
    assert report.moved == {"prepaid_vendingkey.sealed_key": 1}
    keys.retire(key_id="t1", actor=ACTOR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_key FROM prepaid_vendingkey")
        sealed = cursor.fetchone()[0]
    assert sealed.startswith("enc1:k2:")
    assert len(crypto.decrypt(sealed, context="prepaid.vending_key:123456:1:02")) == 16


def test_secrets_sealed_inside_json_block_retirement(key_file: Path, make_persona: Any) -> None:
    """allauth keeps the TOTP secret, sealed with the data keys, inside a JSON value: the
    safety net finds it, so retiring its key cannot lock staff out of their second factor."""
    make_persona("agent.totp", "agent", ["53110"])  # enrolled with TOTP under key t1
    keys.rotate(actor=ACTOR)
    keys.reencrypt(actor=ACTOR)
    with pytest.raises(keys.KeyLifecycleError, match=r"mfa_authenticator\.data"):
        keys.retire(key_id="t1", actor=ACTOR)


def test_cli_status_rotate_reencrypt_retire(
    key_file: Path, customers: list[dict[str, str]]
) -> None:
    from pelanggan.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["keys", "status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["active"] == "t1"
    assert status["columns"]["customers_premise.street"] == {
        "rows_by_key": {"t1": 12},
        "not_encrypted": 0,
    }
    assert runner.invoke(app, ["keys", "rotate", "--key-id", "k9"]).exit_code == 0
    refused = runner.invoke(app, ["keys", "retire", "t1"])
    assert refused.exit_code == 1
    assert "still used by" in refused.output
    done = runner.invoke(app, ["keys", "reencrypt", "--batch", "4"])
    assert done.exit_code == 0, done.output
    assert "moved to key k9" in done.output
    assert runner.invoke(app, ["keys", "retire", "t1"]).exit_code == 0
    after = json.loads(runner.invoke(app, ["keys", "status", "--json"]).stdout)
    assert after["keys"] == ["k9"]
    assert after["columns"]["customers_premise.street"]["rows_by_key"] == {"k9": 12}


def test_reencrypt_task_runs_the_job(key_file: Path, customers: list[dict[str, str]]) -> None:
    from pelanggan.platform.tasks import reencrypt_data_keys

    keys.rotate(actor=ACTOR)
    result = reencrypt_data_keys.enqueue(batch_size=3)
    assert result.return_value["unreadable"] == 0
    assert result.return_value["moved"] > 36
    assert set(_rows_by_key()) == {"k2"}


def test_a_running_process_follows_a_rotation_made_elsewhere(key_file: Path) -> None:
    """A server that loaded (or generated) the key file picks up another process's rotation."""
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from pelanggan.platform.errors import KeyUnavailable

    old = crypto.encrypt("Siti", context="c")
    on_file = crypto.KeyRing.from_json(key_file.read_text(encoding="utf-8"))
    crypto.ring_holder.set(on_file)  # what `pelanggan init` does after generating the file
    new_key = AESGCM.generate_key(bit_length=256)
    rotated = crypto.KeyRing("k7", {**on_file.keys, "k7": new_key}, on_file.index_key)
    key_file.write_text(rotated.to_json(), encoding="utf-8")  # `keys rotate` elsewhere
    sealed = AESGCM(new_key).encrypt(b"\0" * 12, b"Budi", b"c")  # written by that process
    foreign = "enc1:k7:" + base64.urlsafe_b64encode(b"\0" * 12 + sealed).decode()

    assert crypto.decrypt(foreign, context="c") == "Budi"  # an unknown key id: look again
    assert crypto.ring_holder.get().active_key_id == "k7"  # and write with the new key now
    assert crypto.key_id_of(crypto.encrypt("x", context="c")) == "k7"
    assert crypto.decrypt(old, context="c") == "Siti"

    # A ring set explicitly (not the file's) is never replaced behind the caller's back.
    crypto.ring_holder.set(on_file.__class__("t1", {"t1": on_file.keys["t1"]}, b"\2" * 32))
    with pytest.raises(KeyUnavailable, match="not in the key ring"):
        crypto.decrypt(foreign, context="c")
