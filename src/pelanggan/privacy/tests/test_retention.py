"""Retention policy as data and the job that applies it (dry run reports, changes nothing)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Persona, principal_of
from pelanggan.customers.models import Account, DataQualityFinding, Person
from pelanggan.customers.services import set_account_status
from pelanggan.platform import clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.models import AuditEvent
from pelanggan.privacy.policy import DEFAULT_FILE, PolicyInvalid, parse_policy, policy
from pelanggan.privacy.services.retention import apply_retention

SYSTEM = Actor.system("tests")


def test_the_shipped_policy_parses_with_every_request_deadline() -> None:
    shipped = policy()
    assert shipped.request_deadlines["access"].hours == 72
    assert shipped.request_deadlines["deletion"].confidence == "U"
    assert shipped.breach_notice.hours == 72
    assert shipped.rule("account_records").years == 10
    assert shipped.rule("account_records").cutoff(dt.date(2026, 11, 22)) == dt.date(2016, 11, 22)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["request_deadlines"].pop("access"), "lacks"),
        (lambda d: d["request_deadlines"]["access"].update(hours="72"), "whole number"),
        (lambda d: d["retention"][0].update(action="shred"), "action must be one of"),
        (lambda d: d["retention"][0].update(years=None), "only the action 'keep'"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_figure(change: Any, message: str) -> None:
    raw = json.loads(Path(DEFAULT_FILE).read_text(encoding="utf-8"))
    change(raw)
    with pytest.raises(PolicyInvalid, match=message):
        parse_policy(raw)


@pytest.mark.django_db
def test_dry_run_reports_and_the_run_anonymises_only_what_is_past_retention(
    customer: dict[str, Any], agent_a: Persona, valid_row: dict[str, str]
) -> None:
    from pelanggan.customers.services import register_customer

    live = dict(
        valid_row,
        idpel="531100000002",
        nik="",
        phone="081311112222",
        email="",
        meter_number="14123450000",
        full_name="Andi Wijaya",
    )
    register_customer(data=live, principal=principal_of(agent_a))
    Account.objects.get(idpel=customer["idpel"]).connections.update(
        disconnected_on=dt.date(2015, 6, 30)
    )
    set_account_status(
        idpel=customer["idpel"],
        status="terminated",
        principal=principal_of(agent_a),
        reason="bongkar rampung",
    )
    now = clock.now()
    DataQualityFinding.objects.create(
        kind="shared_phone",
        key="old",
        first_seen_at=now,
        last_seen_at=now,
        resolved_at=now - dt.timedelta(days=800),
    )
    DataQualityFinding.objects.create(
        kind="shared_phone",
        key="new",
        first_seen_at=now,
        last_seen_at=now,
        resolved_at=now - dt.timedelta(days=10),
    )
    events_before = AuditEvent.objects.count()

    report = apply_retention(dry_run=True, actor=SYSTEM)
    counts = {o.rule: o.record_ids for o in report.outcomes}
    assert counts["account_records"] == [customer["person_id"]]
    assert len(counts["resolved_findings"]) == 1
    assert counts["audit_trail"] == []
    assert Person.objects.get(pk=customer["person_id"]).full_name == "Siti Nurhaliza Rahmawati"
    assert DataQualityFinding.objects.count() == 2
    assert AuditEvent.objects.count() == events_before

    apply_retention(dry_run=False, actor=SYSTEM)
    siti = Person.objects.get(pk=customer["person_id"])
    assert (siti.full_name, siti.nik, siti.anonymised_at is not None) == ("(dihapus)", None, True)
    assert Person.objects.get(accounts__idpel="531100000002").full_name == "Andi Wijaya"
    assert list(DataQualityFinding.objects.values_list("key", flat=True)) == ["new"]
    applied = AuditEvent.objects.get(event_type="privacy.retention.applied")
    assert applied.changes["account_records"] == 1

    again = apply_retention(dry_run=False, actor=SYSTEM)
    assert again.total == 0
