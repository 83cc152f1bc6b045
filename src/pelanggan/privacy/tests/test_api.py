"""Privacy API: authorization matrix, intake to completion, breach register, retention."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, mark_mfa_fresh
from pelanggan.platform.models import AuditEvent
from pelanggan.privacy.models import DataSubjectRequest, Incident

pytestmark = pytest.mark.django_db

INCIDENT = {
    "title": "Ekspor DIL terkirim ke alamat salah",
    "description": "Berkas ekspor terkirim ke penerima di luar perusahaan.",
    "detected_at": "2026-11-20T14:05:00+07:00",
    "data_categories": ["data_pribadi"],
}


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/privacy/requests", None),
        ("post", "/api/v1/privacy/requests", {"kind": "access", "idpel": "531100000001"}),
        ("get", "/api/v1/privacy/registry", None),
        ("post", "/api/v1/privacy/incidents", INCIDENT),
        ("get", "/api/v1/privacy/incidents", None),
        ("post", "/api/v1/privacy/retention", {"dry_run": False}),
    ],
)
def test_authorization_matrix(
    customer: dict[str, Any],
    agent_a: Persona,
    auditor: Persona,
    officer: Persona,
    admin: Persona,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    def call(client: Client) -> Any:
        return post(client, url, body) if method == "post" else client.get(url)

    events = AuditEvent.objects.count()
    assert call(Client()).status_code == 401
    for persona in (agent_a, auditor):
        response = call(persona.client())
        assert response.status_code == 403, persona.username
        assert response.json()["code"] == "permission_denied"
    assert AuditEvent.objects.count() == events
    assert DataSubjectRequest.objects.count() == 0
    assert Incident.objects.count() == 0
    assert call(officer.client()).status_code in (200, 201)
    assert call(admin.client()).status_code in (200, 201)


def test_access_request_from_intake_to_pdf(customer: dict[str, Any], officer: Persona) -> None:
    client = officer.client()
    created = post(
        client,
        "/api/v1/privacy/requests",
        {"kind": "access", "idpel": customer["idpel"], "idempotency_key": "k-1"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["status"], body["idpels"]) == (
        "access",
        "received",
        [customer["idpel"]],
    )
    assert body["hours_left"] == 72.0
    request_id = body["id"]
    assert post(client, f"/api/v1/privacy/requests/{request_id}/start", {}).json()["status"] == (
        "in_progress"
    )
    done = post(client, f"/api/v1/privacy/requests/{request_id}/complete", {"note": "diserahkan"})
    assert done.json()["status"] == "completed"
    assert done.json()["outcome"]["formats"] == ["json", "pdf"]
    without = client.get(f"/api/v1/privacy/requests/{request_id}/export.pdf")
    assert without.status_code == 403
    assert without.json()["code"] == "step_up_required"
    pdf = client.get(
        f"/api/v1/privacy/requests/{request_id}/export.pdf", HTTP_X_PELANGGAN_OTP=officer.otp()
    )
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # A console session that passed its second factor just now needs no code (a code serves once).
    session = Client()
    session.force_login(officer.user)
    mark_mfa_fresh(session)
    exported = session.get(f"/api/v1/privacy/requests/{request_id}/export.json").json()
    assert exported["data"]["person"]["nik"] == "3273055207850003"
    bad_format = session.get(f"/api/v1/privacy/requests/{request_id}/export.xml")
    assert bad_format.status_code == 422
    queue = client.get("/api/v1/privacy/requests?state=closed").json()
    assert [r["reference"] for r in queue] == [body["reference"]]


def test_bad_intake_answers_with_the_field(customer: dict[str, Any], officer: Persona) -> None:
    response = post(
        officer.client(),
        "/api/v1/privacy/requests",
        {"kind": "consent_withdrawal", "idpel": customer["idpel"]},
    )
    assert response.status_code == 422
    assert response.json()["details"]["fields"]["purpose"][0]["code"] == "purpose_required"
    missing = post(
        officer.client(), "/api/v1/privacy/requests", {"kind": "access", "idpel": "999999999999"}
    )
    assert missing.status_code == 404
    assert DataSubjectRequest.objects.count() == 0


def test_breach_through_the_api(customer: dict[str, Any], officer: Persona) -> None:
    client = officer.client()
    created = post(client, "/api/v1/privacy/incidents", INCIDENT)
    assert created.status_code == 201
    incident_id = created.json()["id"]
    assert created.json()["public_notice"] is False
    assert created.json()["notice_due_at"].startswith("2026-11-23T07:05:00")
    added = post(
        client, f"/api/v1/privacy/incidents/{incident_id}/subjects", {"idpels": [customer["idpel"]]}
    )
    assert added.json() == {"count": 1}
    early = post(client, f"/api/v1/privacy/incidents/{incident_id}/notify-subjects", {})
    assert early.status_code == 409
    assert early.json()["code"] == "measures_missing"
    post(
        client,
        f"/api/v1/privacy/incidents/{incident_id}/handling",
        {"measures": "Penerima diminta menghapus berkas."},
    )
    assert post(client, f"/api/v1/privacy/incidents/{incident_id}/notify-subjects", {}).json() == {
        "count": 1
    }
    after = post(client, f"/api/v1/privacy/incidents/{incident_id}/notify-authority", {}).json()
    assert after["status"] == "notified"
    assert after["outstanding"] == []
    notice = client.get(f"/api/v1/privacy/incidents/{incident_id}/notice").json()
    assert "Penerima diminta menghapus berkas." in notice["subject"]
    assert "Jumlah subjek data terdampak: 1." in notice["authority"]


def test_retention_dry_run_through_the_api(officer: Persona) -> None:
    response = post(officer.client(), "/api/v1/privacy/retention", {})
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert [o["rule"] for o in body["outcomes"]][:2] == ["account_records", "closed_requests"]
    assert not AuditEvent.objects.filter(event_type="privacy.retention.applied").exists()


def test_registry_lists_classifications(officer: Persona) -> None:
    fields = officer.client().get("/api/v1/privacy/registry").json()
    nik = next(f for f in fields if f["key"] == "customers.person.nik")
    assert (nik["classification"], nik["blind_indexes"]) == (
        "sangat_rahasia",
        ["customers.person.nik_index"],
    )


def test_intake_by_nik_finds_the_person_and_refuses_ambiguity(
    customer: dict[str, Any], officer: Persona
) -> None:
    client = officer.client()
    both = post(
        client,
        "/api/v1/privacy/requests",
        {"kind": "access", "idpel": customer["idpel"], "nik": "3273055207850003"},
    )
    assert both.status_code == 422
    assert both.json()["details"]["fields"]["idpel"][0]["code"] == "idpel_or_nik"
    by_nik = post(
        client, "/api/v1/privacy/requests", {"kind": "access", "nik": "3273-0552-0785-0003"}
    )
    assert by_nik.status_code == 201
    assert by_nik.json()["idpels"] == [customer["idpel"]]
    unknown = post(
        client, "/api/v1/privacy/requests", {"kind": "access", "nik": "3273055207850011"}
    )
    assert unknown.status_code == 404
    assert DataSubjectRequest.objects.count() == 1


def test_a_nik_shared_by_two_persons_is_not_guessed(
    customer: dict[str, Any], officer: Persona, agent_a: Persona, valid_row: dict[str, str]
) -> None:
    from conftest import principal_of
    from pelanggan.customers.models import Person
    from pelanggan.customers.services import register_customer

    other = dict(
        valid_row,
        idpel="531100000002",
        nik="",
        phone="081311112222",
        email="",
        meter_number="14123450000",
        full_name="Andi Wijaya",
    )
    account = register_customer(data=other, principal=principal_of(agent_a))
    original = Person.objects.get(pk=customer["person_id"])
    Person.objects.filter(pk=account.owner_id).update(nik_index=original.nik_index)
    response = post(
        officer.client(),
        "/api/v1/privacy/requests",
        {"kind": "deletion", "nik": "3273055207850003"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "nik_ambiguous"
    assert DataSubjectRequest.objects.count() == 0
