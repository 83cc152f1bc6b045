"""Writing validated customer records: the one path by which customers are created.

Registration writes a batch of one, the DIL import batches of thousands. The work is split in
two so an import can spread it over processes:

- `prepare` (pure given the key ring; runs in worker processes) encrypts personal data and
  computes blind indexes and the record fingerprint;
- `insert_prepared` (the database transaction, one process) resolves owners and inserts.

A person with the same NIK and the same name is reused (one owner, several accounts); the same
NIK under a different name is a separate person and a data-quality finding, never a merge.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pelanggan.customers.models import (
    Account,
    Person,
    PersonNameWord,
    PersonPhone,
    Premise,
    ServiceConnection,
    ServiceTerms,
)
from pelanggan.customers.services.cleaning import CleanRecord
from pelanggan.customers.validation import name_words, normalize_name, phone_kind
from pelanggan.platform import crypto
from pelanggan.platform.bulk import db_value, insert_rows, select_where_in
from pelanggan.platform.clock import WIB


class Index:
    """Blind-index purposes of the customer master (one HKDF subkey each)."""

    NIK = "customers.nik"
    PHONE = "customers.phone"
    EMAIL = "customers.email"
    NAME = "customers.name"
    NAME_WORD = "customers.name_word"
    ADDRESS = "customers.address"
    FINGERPRINT = "customers.record"


def nik_index(nik: str) -> str:
    return crypto.blind_index(nik, purpose=Index.NIK)


def phone_index(e164: str) -> str:
    return crypto.blind_index(e164, purpose=Index.PHONE)


def name_index(full_name: str) -> str:
    return crypto.blind_index(normalize_name(full_name).casefold(), purpose=Index.NAME)


def word_indexes(full_name: str) -> list[str]:
    return [crypto.blind_index(w, purpose=Index.NAME_WORD) for w in name_words(full_name)]


def address_index(*, street: str, rt: str, rw: str, village_code: str) -> str:
    normalised = " ".join(street.casefold().replace(".", " ").replace(",", " ").split())
    return crypto.blind_index(f"{normalised}|{rt}|{rw}|{village_code}", purpose=Index.ADDRESS)


def record_fingerprint(record: CleanRecord) -> str:
    """Keyed hash of everything a record says, to recognise the same row on re-import."""
    a = record.address
    parts = (
        record.idpel, record.ulp_code, record.full_name, record.nik, record.birth_date,
        record.gender, record.phones, record.email, a.street, a.rt, a.rw, a.village_code,
        a.postal_code, record.latitude, record.longitude, record.utility, record.payment_mode,
        record.tariff_group, record.daya_va, record.customer_group, record.pipe_size_mm,
        record.meter_number, record.account_status, record.connected_on, record.data_source,
        record.billing_address,
    )  # fmt: skip
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return crypto.blind_index(digest, purpose=Index.FINGERPRINT)


@functools.cache
def _field(model: type, name: str) -> Any:
    return model._meta.get_field(name)  # type: ignore[attr-defined]


def _encrypt(model: type, field: str, value: object) -> str | None:
    if value is None:
        return None
    model_field = _field(model, field)
    return crypto.encrypt(model_field.to_text(value), context=model_field.crypto_context)


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record with its personal data encrypted and its indexes computed (picklable)."""

    idpel: str
    ulp_code: str
    person_key: tuple[str, str] | None
    person: tuple[object, ...]
    words: tuple[str, ...]
    phones: tuple[tuple[str | None, str, str, bool], ...]
    premise: tuple[object, ...]
    account: tuple[object, ...]
    connection: tuple[object, ...]
    terms: tuple[object, ...]


PERSON_COLUMNS = (
    "full_name", "nik", "nik_index", "birth_date", "gender", "email", "email_index",
    "name_index", "data_source", "created_at", "updated_at",
)  # fmt: skip
PREMISE_COLUMNS = (
    "street", "rt", "rw", "village_code", "kelurahan", "kecamatan", "kabupaten_kota", "provinsi",
    "postal_code", "latitude", "longitude", "address_index", "data_source", "created_at",
    "updated_at",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "idpel", "owner_id", "premise_id", "status", "ulp_id", "data_source", "source_fingerprint",
    "billing_address", "created_at", "updated_at",
)  # fmt: skip
CONNECTION_COLUMNS = ("account_id", "utility", "meter_number", "connected_on", "disconnected_on")
TERMS_COLUMNS = (
    "connection_id", "valid_from", "valid_to", "payment_mode", "tariff_group", "daya_va",
    "customer_group", "pipe_size_mm", "reason",
)  # fmt: skip


def prepare(record: CleanRecord, *, idpel: str) -> PreparedRecord:
    """Encrypt and index one validated record. Needs the key ring, not the database."""
    key = (nik_index(record.nik), name_index(record.full_name)) if record.nik else None
    a = record.address
    email = record.email
    person = (
        _encrypt(Person, "full_name", record.full_name),
        _encrypt(Person, "nik", record.nik),
        key[0] if key else "",
        _encrypt(Person, "birth_date", record.birth_date),
        _encrypt(Person, "gender", record.gender),
        _encrypt(Person, "email", email),
        crypto.blind_index(email, purpose=Index.EMAIL) if email else "",
        key[1] if key else name_index(record.full_name),
        record.data_source,
    )
    phones = tuple(
        (_encrypt(PersonPhone, "number", n), phone_index(n), phone_kind(n), rank == 0)
        for rank, n in enumerate(record.phones)
    )
    premise = (
        _encrypt(Premise, "street", a.street), a.rt, a.rw, a.village_code, a.kelurahan,
        a.kecamatan, a.kabupaten_kota, a.provinsi, a.postal_code or "",
        _encrypt(Premise, "latitude", record.latitude),
        _encrypt(Premise, "longitude", record.longitude),
        address_index(street=a.street, rt=a.rt, rw=a.rw, village_code=a.village_code),
        record.data_source,
    )  # fmt: skip
    start = record.connected_on
    valid_from = dt.datetime(start.year, start.month, start.day, tzinfo=WIB) if start else None
    return PreparedRecord(
        idpel=idpel,
        ulp_code=record.ulp_code,
        person_key=key,
        person=person,
        words=tuple(dict.fromkeys(word_indexes(record.full_name))),
        phones=phones,
        premise=premise,
        account=(
            record.account_status,
            record.data_source,
            record_fingerprint(record),
            _encrypt(Account, "billing_address", record.billing_address),
        ),
        connection=(record.utility, record.meter_number, record.connected_on),
        terms=(
            valid_from,
            record.payment_mode,
            record.tariff_group,
            record.daya_va,
            record.customer_group,
            record.pipe_size_mm,
        ),
    )


Slot = tuple[str, str] | int


def _existing_persons(keys: set[tuple[str, str]]) -> dict[Slot, int]:
    found: dict[Slot, int] = {}
    nik_indexes = sorted({k[0] for k in keys})
    rows = select_where_in(
        Person, ("id", "nik_index", "name_index"), key="nik_index", values=nik_indexes
    )
    for person_id, nik_idx, name_idx in sorted(rows):
        found.setdefault((nik_idx, name_idx), person_id)
    return found


def insert_prepared(
    batch: Sequence[PreparedRecord], *, ulp_ids: dict[str, int], now: dt.datetime
) -> list[int]:
    """Insert a prepared batch in the caller's transaction; returns the new account ids.

    The caller has checked IDPEL and meter uniqueness; database constraints back that up.
    """
    stamp = db_value(now)
    # A slot is the owner of a row: an existing or new person by (NIK, name), or the row itself.
    person_ids = _existing_persons({p.person_key for p in batch if p.person_key})
    new_rows: list[tuple[object, ...]] = []
    new_slots: list[Slot] = []
    pending: set[Slot] = set()
    owners: list[Slot] = []
    for position, prepared in enumerate(batch):
        slot: Slot = prepared.person_key or position
        owners.append(slot)
        if slot in person_ids or slot in pending:
            continue
        pending.add(slot)
        new_slots.append(slot)
        new_rows.append((*prepared.person, stamp, stamp))
    first_of: dict[Slot, int] = {}
    for position, slot in enumerate(owners):
        first_of.setdefault(slot, position)
    created = insert_rows(Person, PERSON_COLUMNS, new_rows, returning_id=True)
    person_ids.update(zip(new_slots, created, strict=True))
    words: list[tuple[object, ...]] = []
    phones: list[tuple[object, ...]] = []
    for slot, person_id in zip(new_slots, created, strict=True):
        prepared = batch[first_of[slot]]
        words.extend((person_id, w) for w in prepared.words)
        phones.extend((person_id, *phone) for phone in prepared.phones)
    insert_rows(PersonNameWord, ("person_id", "word_index"), words, returning_id=False)
    insert_rows(
        PersonPhone, ("person_id", "number", "number_index", "kind", "is_primary"), phones,
        returning_id=False,
    )  # fmt: skip
    premise_ids = insert_rows(
        Premise, PREMISE_COLUMNS, [(*p.premise, stamp, stamp) for p in batch], returning_id=True
    )
    account_rows = [
        (p.idpel, person_ids[slot], premise_id, p.account[0], ulp_ids[p.ulp_code], p.account[1],
         p.account[2], p.account[3], stamp, stamp)
        for p, slot, premise_id in zip(batch, owners, premise_ids, strict=True)
    ]  # fmt: skip
    account_ids = insert_rows(Account, ACCOUNT_COLUMNS, account_rows, returning_id=True)
    connection_ids = insert_rows(
        ServiceConnection, CONNECTION_COLUMNS,
        [(account_id, p.connection[0], p.connection[1], db_value(p.connection[2]), None)
         for p, account_id in zip(batch, account_ids, strict=True)],
        returning_id=True,
    )  # fmt: skip
    insert_rows(
        ServiceTerms, TERMS_COLUMNS,
        [(connection_id, db_value(p.terms[0] or now), None, *p.terms[1:], "initial")
         for p, connection_id in zip(batch, connection_ids, strict=True)],
        returning_id=False,
    )  # fmt: skip
    return account_ids


def write_records(
    records: Sequence[CleanRecord],
    *,
    ulp_ids: dict[str, int],
    idpels: Sequence[str],
    now: dt.datetime,
) -> list[Account]:
    """Prepare and insert in this process (registration; small imports)."""
    prepared = [prepare(r, idpel=i) for r, i in zip(records, idpels, strict=True)]
    account_ids = insert_prepared(prepared, ulp_ids=ulp_ids, now=now)
    return list(Account.objects.filter(id__in=account_ids).order_by("id"))
