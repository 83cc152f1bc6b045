"""Auditor console: search the trail by staff, customer, event type and time; page; export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client

from conftest import Persona, mark_mfa_fresh, principal_of
from pelanggan.customers.services import register_customer
from pelanggan.oversight import selectors
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
OTHER = "531100000002"


def console(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    mark_mfa_fresh(client)
    return client


def seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)">', page)]


@pytest.fixture
def trail(agent_a: Persona, supervisor_a: Persona, valid_row: dict[str, str]) -> None:
    """Two customers registered on 20 Nov, viewed by the agent on 21 Nov and the supervisor
    on 22 Nov (WIB)."""
    with clock.frozen(clock.wib(2026, 11, 20, 9)):
        register_customer(data=valid_row, principal=principal_of(agent_a))
        second = dict(valid_row, idpel=OTHER, meter_number="14123450000", nik="", phone="")
        register_customer(data=second, principal=principal_of(agent_a))
    with clock.frozen(clock.wib(2026, 11, 21, 23, 30)):
        agent_a.client().get(f"/api/v1/customers/{IDPEL}")
        agent_a.client().get(f"/api/v1/customers/{OTHER}")
    with clock.frozen(clock.wib(2026, 11, 22, 0, 30)):
        supervisor_a.client().get(f"/api/v1/customers/{IDPEL}")


def expected(**filters: object) -> list[int]:
    events = AuditEvent.objects.exclude(event_type__startswith="oversight.trail")
    return list(events.filter(**filters).order_by("-seq").values_list("seq", flat=True))


def test_search_by_staff_customer_event_type_and_wib_day(auditor: Persona, trail: None) -> None:
    client = console(auditor)
    by_staff = client.get("/audit/", {"staff": "supervisor.a"}).content.decode()
    assert seqs(by_staff) == expected(actor_label="supervisor.a")
    assert len(seqs(by_staff)) == 1
    by_customer = client.get(
        "/audit/", {"idpel": OTHER, "event_type": "customers.record.viewed"}
    ).content.decode()
    [row] = seqs(by_customer)
    assert AuditEvent.objects.get(seq=row).subject_ids == [OTHER]
    # 21 November WIB ends at 17:00 UTC: the 23:30 view is on the 21st, the 00:30 one on the 22nd.
    day = client.get(
        "/audit/",
        {
            "date_from": "2026-11-21",
            "date_to": "2026-11-21",
            "event_type": "customers.record.viewed",
        },
    ).content.decode()
    assert seqs(day) == expected(event_type="customers.record.viewed", actor_label="agent.a")
    assert len(seqs(day)) == 2
    assert "21 November 2026 23.30 WIB" in day
    searched = AuditEvent.objects.filter(event_type="oversight.trail.searched")
    assert searched.count() == 3
    assert searched.order_by("seq").first().changes["staff"] == "supervisor.a"


def test_bad_filters_are_explained_and_nothing_is_searched(auditor: Persona, trail: None) -> None:
    response = console(auditor).get(
        "/audit/", {"idpel": "12ab", "date_from": "2026-11-22", "date_to": "2026-11-21"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_idpel_error"' in page
    assert 'id="id_date_to_error"' in page
    assert not AuditEvent.objects.filter(event_type="oversight.trail.searched").exists()


def test_pages_of_fifty_newest_first(auditor: Persona, trail: None) -> None:
    result = selectors.search_trail(
        trail=selectors.TrailFilter(), principal=principal_of(auditor), page=1, page_size=2
    )
    assert result.total == len(expected())
    assert [r.seq for r in result.rows] == expected()[:2]
    # The agent's events fit on one page of 50: asking for page 2 shows the last page.
    second = console(auditor).get("/audit/", {"staff": "agent.a", "page": "2"}).content.decode()
    assert seqs(second) == expected(actor_label="agent.a")
    assert "Halaman 1 dari 1" in second


def test_export_is_csv_of_the_matching_rows_and_is_audited(auditor: Persona, trail: None) -> None:
    response = console(auditor).get("/audit/export.csv", {"idpel": IDPEL})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(selectors.EXPORT_COLUMNS)
    want = expected(subject_type="account")
    want = [s for s in want if IDPEL in AuditEvent.objects.get(seq=s).subject_ids]
    assert [int(r[0]) for r in rows[1:]] == want
    assert len(want) == 3  # registered, viewed by the agent, viewed by the supervisor
    exported = AuditEvent.objects.filter(event_type="oversight.trail.exported").get()
    assert exported.actor_label == "auditor"
    assert exported.changes["idpel"] == IDPEL
    assert exported.changes["rows"] == 3
    # Audit rows never carry personal values, and neither does their export.
    assert "3273055207850003" not in text
    assert "Siti" not in text


def test_only_audit_view_may_search_or_export(
    agent_a: Persona, make_persona: Callable[..., Persona], trail: None
) -> None:
    assert console(agent_a).get("/audit/", {"staff": "agent.a"}).status_code == 403
    assert console(agent_a).get("/audit/export.csv").status_code == 403
    assert Client().get("/audit/").status_code == 302
    privacy = make_persona("dpo", "privacy_officer", [])
    assert console(privacy).get("/audit/").status_code == 200
    assert not AuditEvent.objects.filter(event_type__startswith="oversight.trail").exists()
