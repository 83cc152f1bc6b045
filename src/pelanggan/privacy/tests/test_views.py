"""Privacy console pages: permissions, the request queue with deadlines, intake, breaches."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, mark_mfa_fresh
from pelanggan.platform import clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.models import AuditEvent
from pelanggan.privacy import urls
from pelanggan.privacy.models import DataSubjectRequest, Incident
from pelanggan.privacy.services.requests import submit_request
from pelanggan.security.roles import ALL_PERMISSIONS

pytestmark = pytest.mark.django_db
PORTAL = Actor("customer", 7, "portal")


def console(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def test_every_privacy_view_declares_a_permission() -> None:
    missing = [
        p.name
        for p in urls.urlpatterns
        if getattr(p.callback, "required_permission", None) not in ALL_PERMISSIONS
    ]
    assert missing == []
    assert len(urls.urlpatterns) == 11


@pytest.mark.parametrize(
    "url",
    [
        "/privacy/",
        "/privacy/requests/new/",
        "/privacy/incidents/",
        "/privacy/registry/",
        "/privacy/retention/",
    ],
)
def test_only_the_privacy_officer_opens_the_pages(
    url: str, agent_a: Persona, auditor: Persona, officer: Persona
) -> None:
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert console(agent_a).get(url).status_code == 403
    assert console(auditor).get(url).status_code == 403
    assert console(officer).get(url).status_code == 200


def test_the_queue_shows_overdue_first_with_days_left(
    customer: dict[str, Any], officer: Persona
) -> None:
    with clock.frozen(clock.wib(2026, 11, 10, 9)):
        late = submit_request(
            kind="access", person_id=customer["person_id"], channel="portal", actor=PORTAL
        )
    fresh = submit_request(
        kind="deletion", person_id=customer["person_id"], channel="console", actor=PORTAL
    )
    page = html(console(officer).get("/privacy/"))
    order = re.findall(r'data-request="(DSR-\d+)"', page)
    assert order == [late.reference, fresh.reference]
    assert "data-overdue-requests" in page
    assert "terlambat" in page  # Bahasa Indonesia first


def test_intake_from_the_console_records_and_opens_the_request(
    customer: dict[str, Any], officer: Persona
) -> None:
    client = console(officer)
    bad = client.post(
        "/privacy/requests/new/",
        {"kind": "objection", "idpel": customer["idpel"], "channel": "console"},
    )
    assert bad.status_code == 422
    assert "Sebutkan tujuan pemrosesan" in html(bad)
    assert DataSubjectRequest.objects.count() == 0
    response = client.post(
        "/privacy/requests/new/",
        {"kind": "access", "idpel": customer["idpel"], "channel": "console"},
    )
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/privacy/requests/{request.pk}/"
    detail = html(client.get(response["Location"]))
    assert "Siti Nurhaliza Rahmawati" in detail
    assert AuditEvent.objects.filter(event_type="privacy.request.viewed").count() == 1
    client.post(f"/privacy/requests/{request.pk}/start/")
    client.post(f"/privacy/requests/{request.pk}/complete/", {"note": ""})
    request.refresh_from_db()
    assert request.status == "completed"
    stale = client.get(f"/privacy/requests/{request.pk}/export.pdf")
    assert stale.status_code == 302
    assert "reauthenticate" in stale["Location"]
    mark_mfa_fresh(client)
    pdf = client.get(f"/privacy/requests/{request.pk}/export.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert client.post(f"/privacy/requests/{request.pk}/explode/").status_code == 404


def test_an_incident_recorded_in_the_console_shows_its_notice(
    customer: dict[str, Any], officer: Persona
) -> None:
    client = console(officer)
    response = client.post(
        "/privacy/incidents/new/",
        {
            "title": "Ekspor bocor",
            "description": "Berkas ekspor terkirim ke pihak luar.",
            "detected_at": "2026-11-20T14:05",
            "data_categories": ["data_pribadi"],
            "public_notice": "on",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.notice_due_at == clock.wib(2026, 11, 23, 14, 5)
    assert incident.public_notice is True
    client.post(f"/privacy/incidents/{incident.pk}/subjects/", {"idpels": customer["idpel"]})
    page = html(client.get(f"/privacy/incidents/{incident.pk}/"))
    assert "Apa yang terjadi: Ekspor bocor." in page
    assert customer["idpel"] in page
    notify = client.post(f"/privacy/incidents/{incident.pk}/notify-subjects/", follow=True)
    assert "Catat dulu langkah penanganan dan pemulihan" in html(notify)
    assert Incident.objects.get().subjects_notified_at is None


def test_retention_page_is_a_dry_run_until_applied(officer: Persona) -> None:
    page = html(console(officer).get("/privacy/retention/"))
    assert 'data-rule="account_records"' in page
    assert not AuditEvent.objects.filter(event_type="privacy.retention.applied").exists()
    console(officer).post("/privacy/retention/")
    assert AuditEvent.objects.filter(event_type="privacy.retention.applied").count() == 1
