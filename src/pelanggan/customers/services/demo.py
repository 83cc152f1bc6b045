"""Bulk extras for the demo utility: rooftop PV, programme enrolments and consents.

Deterministic from the seed so two demos with the same seed hold the same data. Written in bulk
(the demo creates thousands); each kind of extra gets one audit event with its count.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from pelanggan.customers.models import (
    Account,
    Asset,
    AssetKind,
    Consent,
    ConsentPurpose,
    DataSource,
    ProgrammeEnrolment,
)
from pelanggan.platform import audit, clock

PROGRAMMES = (
    ("HEMAT-RT-2026", "Gerakan Hemat Energi Rumah Tangga 2026"),
    ("KOMPOR-INDUKSI", "Program Konversi Kompor Induksi"),
    ("EV-HOME-CHARGING", "Diskon Pengisian Kendaraan Listrik di Rumah"),
)


def attach_demo_extras(*, seed: int, actor: audit.Actor) -> dict[str, int]:
    """Add assets, enrolments and consents to demo accounts that have none yet."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    now = clock.now()
    today = clock.today_wib()
    with transaction.atomic():
        if Asset.objects.exists() or Consent.objects.exists():
            return {"assets": 0, "programmes": 0, "consents": 0}
        accounts = list(
            Account.objects.order_by("idpel").values_list("id", "owner_id", "connections__utility")
        )
        assets, programmes, consents = [], [], []
        consented: set[int] = set()
        for account_id, owner_id, utility in accounts:
            roll = rng.random()
            if utility == "electricity" and roll < 0.03:
                capacity = Decimal(rng.choice(["1.650", "2.200", "3.300", "4.400", "5.500"]))
                assets.append(
                    Asset(
                        account_id=account_id,
                        kind=AssetKind.ROOFTOP_PV,
                        capacity_kwp=capacity,
                        export_meter_number=f"45{rng.randrange(10**8, 10**9)}",
                        installed_on=today - dt.timedelta(days=rng.randrange(30, 1500)),
                        data_source=DataSource.REGISTRATION,
                        created_at=now,
                    )
                )
            if utility == "electricity" and 0.03 <= roll < 0.08:
                code, name = rng.choice(PROGRAMMES)
                programmes.append(
                    ProgrammeEnrolment(
                        account_id=account_id,
                        programme_code=code,
                        programme_name=name,
                        enrolled_on=today - dt.timedelta(days=rng.randrange(10, 400)),
                        data_source=DataSource.CONTACT_CENTRE,
                    )
                )
            if owner_id in consented:
                continue
            consented.add(owner_id)
            given = now - dt.timedelta(days=rng.randrange(1, 900))
            if rng.random() < 0.7:
                consents.append(
                    Consent(
                        person_id=owner_id,
                        purpose=ConsentPurpose.SERVICE_NOTIFICATIONS,
                        given_at=given,
                        channel=DataSource.REGISTRATION,
                    )
                )
            if rng.random() < 0.2:
                withdrawn = (
                    given + dt.timedelta(days=rng.randrange(1, 200))
                    if rng.random() < 0.25
                    else None
                )
                consents.append(
                    Consent(
                        person_id=owner_id,
                        purpose=ConsentPurpose.MARKETING,
                        given_at=given,
                        withdrawn_at=withdrawn if withdrawn and withdrawn < now else None,
                        channel=DataSource.CONTACT_CENTRE,
                    )
                )
        Asset.objects.bulk_create(assets)
        ProgrammeEnrolment.objects.bulk_create(programmes)
        Consent.objects.bulk_create(consents)
        counts = {"assets": len(assets), "programmes": len(programmes), "consents": len(consents)}
        audit.record(
            "customers.import.completed",
            actor=actor,
            subject_type="demo",
            subject_ids=["extras"],
            changes=counts,
        )
    return counts
