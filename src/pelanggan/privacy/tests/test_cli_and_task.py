"""`pelanggan privacy retention [--dry-run]`, `privacy requests` and the retention task."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import Persona, principal_of
from pelanggan.cli import app
from pelanggan.customers.models import Account, Person
from pelanggan.customers.services import set_account_status
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.fixture
def ended_customer(customer: dict[str, Any], agent_a: Persona) -> dict[str, Any]:
    Account.objects.get(idpel=customer["idpel"]).connections.update(
        disconnected_on=dt.date(2012, 3, 31)
    )
    set_account_status(
        idpel=customer["idpel"],
        status="terminated",
        principal=principal_of(agent_a),
        reason="bongkar rampung",
    )
    return customer


def test_dry_run_prints_the_report_table_and_changes_nothing(
    ended_customer: dict[str, Any],
) -> None:
    result = runner.invoke(app, ["privacy", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Retensi - uji coba, tidak ada yang diubah" in result.output
    assert "account_records" in result.output
    assert "Total 1 catatan akan diproses." in result.output
    assert Person.objects.get(pk=ended_customer["person_id"]).anonymised_at is None
    assert not AuditEvent.objects.filter(event_type="privacy.retention.applied").exists()


def test_the_run_applies_and_a_second_run_finds_nothing(ended_customer: dict[str, Any]) -> None:
    first = runner.invoke(app, ["privacy", "retention", "--json"])
    assert first.exit_code == 0, first.output
    counts = {r["rule"]: r["count"] for r in json.loads(first.output)["rules"]}
    assert counts["account_records"] == 1
    assert Person.objects.get(pk=ended_customer["person_id"]).full_name == "(dihapus)"
    second = runner.invoke(app, ["privacy", "retention", "--json"])
    assert json.loads(second.output)["total"] == 0


def test_the_task_applies_the_policy(ended_customer: dict[str, Any]) -> None:
    from pelanggan.privacy.tasks import apply_retention_task

    result = apply_retention_task.enqueue(dry_run=False)
    assert result.return_value["account_records"] == 1
    assert Person.objects.get(pk=ended_customer["person_id"]).anonymised_at is not None


def test_requests_command_rejects_a_bad_state(db: Any) -> None:
    result = runner.invoke(app, ["privacy", "requests", "--state", "later"])
    assert result.exit_code == 1
    assert "state is open, closed or all" in result.output
