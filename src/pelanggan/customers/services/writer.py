"""Bulk writer of validated customer records: the one path by which customers are created.

Registration through the API or console writes a batch of one; the DIL import writes batches of
thousands. Either way a person with the same NIK and the same name is reused (one owner, several
accounts); the same NIK under a different name is a separate person and a data-quality finding,
never a silent merge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict

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
    canonical = json.dumps(asdict(record), sort_keys=True, default=str)
    return crypto.blind_index(
        hashlib.sha256(canonical.encode()).hexdigest(), purpose=Index.FINGERPRINT
    )


def _person_key(record: CleanRecord) -> tuple[str, str] | None:
    if record.nik is None:
        return None
    return nik_index(record.nik), name_index(record.full_name)


def _existing_persons(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    nik_indexes = {k[0] for k in keys}
    found: dict[tuple[str, str], int] = {}
    rows = Person.objects.filter(nik_index__in=nik_indexes).values_list(
        "id", "nik_index", "name_index"
    )
    for person_id, nik_idx, name_idx in rows.order_by("id"):
        found.setdefault((nik_idx, name_idx), person_id)
    return found


def write_records(
    records: Sequence[CleanRecord],
    *,
    ulp_ids: dict[str, int],
    idpels: Sequence[str],
    now: dt.datetime,
) -> list[Account]:
    """Insert persons, premises, accounts, connections and their first terms for `records`.

    `idpels[i]` is the IDPEL of `records[i]` (assigned by the caller when the record had none).
    Runs in the caller's transaction; the caller has already checked IDPEL and meter uniqueness.
    """
    keyed = [(_person_key(r), r) for r in records]
    person_ids = _existing_persons([k for k, _ in keyed if k is not None])
    new_persons: dict[tuple[str, str] | int, Person] = {}
    record_of: dict[tuple[str, str] | int, CleanRecord] = {}
    person_for: list[tuple[str, str] | int] = []
    for position, (key, record) in enumerate(keyed):
        slot: tuple[str, str] | int = key if key is not None else position
        person_for.append(slot)
        if (key is not None and key in person_ids) or slot in new_persons:
            continue
        record_of[slot] = record
        new_persons[slot] = Person(
            full_name=record.full_name,
            nik=record.nik,
            nik_index=key[0] if key else "",
            birth_date=record.birth_date,
            gender=record.gender,
            email=record.email,
            email_index=crypto.blind_index(record.email, purpose=Index.EMAIL)
            if record.email
            else "",
            name_index=name_index(record.full_name),
            data_source=record.data_source,
            created_at=now,
            updated_at=now,
        )
    Person.objects.bulk_create(new_persons.values())
    for slot, person in new_persons.items():
        if isinstance(slot, tuple):
            person_ids[slot] = person.pk
    resolved = [person_ids[s] if isinstance(s, tuple) else new_persons[s].pk for s in person_for]

    words: list[PersonNameWord] = []
    phones: list[PersonPhone] = []
    for slot, person in new_persons.items():
        record = record_of[slot]
        words.extend(
            PersonNameWord(person_id=person.pk, word_index=w)
            for w in dict.fromkeys(word_indexes(record.full_name))
        )
        for rank, number in enumerate(record.phones):
            phones.append(
                PersonPhone(
                    person_id=person.pk,
                    number=number,
                    number_index=phone_index(number),
                    kind=phone_kind(number),
                    is_primary=rank == 0,
                )
            )
    PersonNameWord.objects.bulk_create(words)
    PersonPhone.objects.bulk_create(phones)

    premises = [
        Premise(
            street=r.address.street,
            rt=r.address.rt,
            rw=r.address.rw,
            village_code=r.address.village_code,
            kelurahan=r.address.kelurahan,
            kecamatan=r.address.kecamatan,
            kabupaten_kota=r.address.kabupaten_kota,
            provinsi=r.address.provinsi,
            postal_code=r.address.postal_code or "",
            latitude=r.latitude,
            longitude=r.longitude,
            address_index=address_index(
                street=r.address.street,
                rt=r.address.rt,
                rw=r.address.rw,
                village_code=r.address.village_code,
            ),
            data_source=r.data_source,
            created_at=now,
            updated_at=now,
        )
        for r in records
    ]
    Premise.objects.bulk_create(premises)
    accounts = [
        Account(
            idpel=idpel,
            owner_id=person_id,
            premise_id=premise.pk,
            status=r.account_status,
            ulp_id=ulp_ids[r.ulp_code],
            data_source=r.data_source,
            source_fingerprint=record_fingerprint(r),
            created_at=now,
            updated_at=now,
        )
        for r, idpel, person_id, premise in zip(records, idpels, resolved, premises, strict=True)
    ]
    Account.objects.bulk_create(accounts)
    connections = [
        ServiceConnection(
            account_id=account.pk,
            utility=r.utility,
            meter_number=r.meter_number,
            connected_on=r.connected_on,
        )
        for r, account in zip(records, accounts, strict=True)
    ]
    ServiceConnection.objects.bulk_create(connections)
    ServiceTerms.objects.bulk_create(
        ServiceTerms(
            connection_id=connection.pk,
            valid_from=_start_of(r.connected_on, now),
            payment_mode=r.payment_mode,
            tariff_group=r.tariff_group,
            daya_va=r.daya_va,
            customer_group=r.customer_group,
            pipe_size_mm=r.pipe_size_mm,
            reason="initial",
        )
        for r, connection in zip(records, connections, strict=True)
    )
    return accounts


def _start_of(day: dt.date | None, now: dt.datetime) -> dt.datetime:
    if day is None:
        return now
    return dt.datetime(day.year, day.month, day.day, tzinfo=WIB)
