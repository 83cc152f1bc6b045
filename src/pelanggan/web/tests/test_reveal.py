"""Masked by default, revealed only with the permission, a reason and a fresh second factor."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, mark_mfa_fresh, principal_of
from pelanggan.customers.services import register_customer
from pelanggan.platform.models import AuditEvent
from pelanggan.security import stepup

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
FULL_NIK = "3273055207850003"
MASKED_NIK = "3273********0003"
FULL_PHONE = "081234567890"
EMAIL = "siti.rahma@example.co.id"
REASON = {"reason_code": "identity_check", "reason": "Pelanggan menelepon, verifikasi identitas"}


def console(persona: Persona, *, fresh_mfa: bool = True) -> Client:
    """A signed-in console session; with `fresh_mfa` its second factor was just used."""
    client = Client()
    client.force_login(persona.user)
    if fresh_mfa:
        mark_mfa_fresh(client)
    return client


def reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type="customers.pii.revealed").order_by("seq"))


@pytest.fixture
def customer(agent_a: Persona, valid_row: dict[str, str]) -> str:
    return register_customer(data=valid_row, principal=principal_of(agent_a)).idpel


def test_agent_sees_masked_data_and_no_reveal_button(agent_a: Persona, customer: str) -> None:
    page = console(agent_a).get(f"/customers/{customer}/").content.decode()
    assert MASKED_NIK in page
    assert FULL_NIK not in page
    assert "0812****7890" in page
    assert "s***@example.co.id" in page
    assert "data-reveal=" not in page
    assert 'id="reveal-area"' not in page


def test_agent_without_the_permission_is_refused_and_nothing_is_audited(
    agent_a: Persona, customer: str
) -> None:
    client = console(agent_a)
    form = client.get(f"/customers/{customer}/reveal/?field=nik")
    shown = client.post(f"/customers/{customer}/reveal/", {"reveal_fields": ["nik"], **REASON})
    assert form.status_code == shown.status_code == 403
    assert FULL_NIK not in shown.content.decode()
    assert reveals() == []


def test_supervisor_reveals_the_nik_with_a_reason_and_it_is_audited_without_the_value(
    supervisor_a: Persona, customer: str
) -> None:
    client = console(supervisor_a)
    page = client.get(f"/customers/{customer}/").content.decode()
    assert f'href="/customers/{customer}/reveal/?field=nik" data-target="#reveal-area"' in page
    form = client.get(f"/customers/{customer}/reveal/?field=nik", HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    assert "data-reveal-form" in form.content.decode()
    checked = re.findall(
        r'<input[^>]*name="reveal_fields"[^>]*checked[^>]*>', form.content.decode()
    )
    assert len(checked) == 1
    assert 'value="nik"' in checked[0]
    shown = client.post(
        f"/customers/{customer}/reveal/",
        {"reveal_fields": ["nik", "phones"], **REASON},
        HTTP_HX_REQUEST="true",
    )
    body = shown.content.decode()
    assert shown.status_code == 200
    assert f'<dd class="mono" data-revealed-nik>{FULL_NIK}</dd>' in body
    assert f'<div class="mono" data-revealed-phone>{FULL_PHONE}</div>' in body
    assert shown["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    [event] = reveals()
    assert event.actor_label == "supervisor.a"
    assert event.subject_ids == [customer]
    assert event.changes == {"fields": ["nik", "phones"], "reason_code": "identity_check"}
    assert event.reason == REASON["reason"]
    stored = json.dumps(
        {"changes": event.changes, "reason": event.reason, "subjects": event.subject_ids}
    )
    assert FULL_NIK not in stored
    assert "81234567890" not in stored
    # The 360 page is masked again afterwards: the value was for that one view.
    again = client.get(f"/customers/{customer}/").content.decode()
    assert FULL_NIK not in again


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reveal_fields": ["nik"], "reason_code": "identity_check", "reason": ""}, "reason"),
        (
            {"reveal_fields": ["nik"], "reason_code": "", "reason": "Pelanggan minta dicek"},
            "reason_code",
        ),
        ({"reason_code": "identity_check", "reason": "Pelanggan minta dicek"}, "reveal_fields"),
    ],
)
def test_a_reveal_without_a_reason_or_fields_shows_nothing_and_records_nothing(
    supervisor_a: Persona, customer: str, data: dict[str, Any], field: str
) -> None:
    response = console(supervisor_a).post(f"/customers/{customer}/reveal/", data)
    body = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in body
    assert FULL_NIK not in body
    assert reveals() == []


def test_reveal_without_a_recent_second_factor_goes_to_reauthentication_first(
    supervisor_a: Persona, customer: str
) -> None:
    client = console(supervisor_a, fresh_mfa=False)
    response = client.post(f"/customers/{customer}/reveal/", {"reveal_fields": ["nik"], **REASON})
    assert response.status_code == 302
    assert response["Location"].startswith(stepup.reauthentication_url("/")[:-3])
    assert FULL_NIK not in response.content.decode()
    assert reveals() == []


def test_reveal_of_another_units_customer_is_a_404(make_persona: Any, customer: str) -> None:
    other = make_persona("supervisor.b", "supervisor", ["53200"])
    response = console(other).post(
        f"/customers/{customer}/reveal/", {"reveal_fields": ["nik"], **REASON}
    )
    assert response.status_code == 404
    assert FULL_NIK not in response.content.decode()
    assert reveals() == []


# ---------------------------------------------------------------- API


def test_api_record_is_masked_and_its_read_is_audited_with_the_stated_reason(
    agent_a: Persona, customer: str
) -> None:
    response = agent_a.client().get(
        f"/api/v1/customers/{customer}", HTTP_X_ACCESS_REASON="Pengaduan tagihan"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert response.json()["person"]["nik_masked"] == MASKED_NIK
    assert FULL_NIK not in body
    assert EMAIL not in body
    event = AuditEvent.objects.filter(event_type="customers.record.viewed").get()
    assert (event.actor_label, event.subject_ids, event.reason) == (
        "agent.a",
        [customer],
        "Pengaduan tagihan",
    )


def test_api_reveal_needs_the_permission(agent_a: Persona, customer: str) -> None:
    response = agent_a.client().post(
        f"/api/v1/customers/{customer}/reveal",
        {"fields": ["nik"], **REASON},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert reveals() == []


def test_api_reveal_needs_a_current_authenticator_code(
    supervisor_a: Persona, customer: str
) -> None:
    url = f"/api/v1/customers/{customer}/reveal"
    payload = {"fields": ["nik", "email"], **REASON}
    without = supervisor_a.client().post(url, payload, content_type="application/json")
    assert without.status_code == 403
    assert without.json()["code"] == "step_up_required"
    wrong = supervisor_a.client().post(
        url, payload, content_type="application/json", HTTP_X_PELANGGAN_OTP="000000"
    )
    assert wrong.status_code == 403
    assert reveals() == []
    code = supervisor_a.otp()
    ok = supervisor_a.client().post(
        url, payload, content_type="application/json", HTTP_X_PELANGGAN_OTP=code
    )
    assert ok.status_code == 200
    assert ok.json() == {"nik": FULL_NIK, "email": EMAIL}
    [event] = reveals()
    assert event.changes == {"fields": ["nik", "email"], "reason_code": "identity_check"}
    # A code serves once.
    replay = supervisor_a.client().post(
        url, payload, content_type="application/json", HTTP_X_PELANGGAN_OTP=code
    )
    assert replay.status_code == 403
    assert len(reveals()) == 1


def test_api_reveal_rejects_unknown_fields_and_short_reasons(
    supervisor_a: Persona, customer: str
) -> None:
    response = supervisor_a.client().post(
        f"/api/v1/customers/{customer}/reveal",
        {"fields": ["password"], "reason_code": "gossip", "reason": "ingin"},
        content_type="application/json",
        HTTP_X_PELANGGAN_OTP=supervisor_a.otp(),
    )
    assert response.status_code == 422
    assert set(response.json()["details"]["fields"]) == {"fields", "reason_code", "reason"}
    assert reveals() == []
