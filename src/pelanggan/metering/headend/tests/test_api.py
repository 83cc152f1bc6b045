"""Head-end API: authorization matrix (anonymous, wrong role, wrong unit, right role) and shapes.
Forbidden calls change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, principal_of
from pelanggan.metering.headend.models import CommandLog
from pelanggan.metering.tests.load_profile_data import register_customer_with_meter

URL = "/api/v1/headend/commands"


@pytest.fixture
def meter_number(agent_a: Persona, valid_row: dict[str, str]) -> str:
    register_customer_with_meter(valid_row, principal_of(agent_a), kind="smart_postpaid")
    return valid_row["meter_number"]


@pytest.fixture
def supervisor_b(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("supervisor.b", "supervisor", ["53200"])


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_send_command_matrix(
    meter_number: str, agent_a: Persona, supervisor_a: Persona, supervisor_b: Persona,
    auditor: Persona, admin: Persona,
) -> None:
    body = {"meter_number": meter_number, "kind": "relay_disconnect", "payload": {}}
    assert _post(Client(), body).status_code == 401
    assert _post(agent_a.client(), body).status_code == 403  # role without the permission
    assert _post(auditor.client(), body).status_code == 403
    denied = _post(supervisor_b.client(), body)  # right role, another UP3: "no such meter"
    assert (denied.status_code, denied.json()["code"]) == (404, "meter_not_found")
    assert CommandLog.objects.count() == 0

    accepted = _post(supervisor_a.client(), body)
    assert accepted.status_code == 202, accepted.content
    out = accepted.json()
    assert (out["meter_number"], out["kind"], out["status"], out["attempts"]) == (
        meter_number, "relay_disconnect", "queued", 0
    )
    assert out["requested_by"] == "supervisor.a"
    assert _post(admin.client(), body).status_code == 202
    assert CommandLog.objects.count() == 2

    detail = f"{URL}/{out['command_id']}"
    assert Client().get(detail).status_code == 401
    assert agent_a.client().get(detail).status_code == 403
    assert supervisor_b.client().get(detail).status_code == 404
    shown = supervisor_a.client().get(detail)
    assert shown.status_code == 200
    assert shown.json()["command_id"] == out["command_id"]
    listed = supervisor_a.client().get(f"/api/v1/headend/meters/{meter_number}/commands")
    assert [c["requested_by"] for c in listed.json()] == ["admin", "supervisor.a"]
    assert supervisor_b.client().get(
        f"/api/v1/headend/meters/{meter_number}/commands"
    ).status_code == 404


@pytest.mark.django_db
def test_bad_command_is_refused_with_the_field(meter_number: str, supervisor_a: Persona) -> None:
    response = _post(supervisor_a.client(), {
        "meter_number": meter_number, "kind": "deliver_token", "payload": {"token": "123"},
    })  # fmt: skip
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["payload.token"]
    response = _post(supervisor_a.client(), {"meter_number": "../x", "kind": "relay_connect"})
    assert response.status_code == 422
    assert CommandLog.objects.count() == 0
