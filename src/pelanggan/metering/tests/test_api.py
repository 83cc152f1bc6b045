"""Metering API: the authorization matrix (anonymous, wrong unit, wrong role, right role),
unit scoping (another unit's customer is 404), and the main flows end to end over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, principal_of
from pelanggan.metering.models import Installation, MeterEvent, RegisterRead, ReviewItem
from pelanggan.metering.tests.factories import NOW, installed, make_customer, make_meter
from pelanggan.platform import clock

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
BASE = "/api/v1/metering"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def technician(make_persona: Any) -> Persona:
    return make_persona("tech.a", "field_technician", ["53110"])  # type: ignore[no-any-return]


@pytest.fixture
def billing(make_persona: Any) -> Persona:
    return make_persona("billing.a", "billing_officer", ["53110"])  # type: ignore[no-any-return]


@pytest.fixture
def customer(technician: Persona) -> str:
    principal = principal_of(technician)
    make_customer(principal, IDPEL, "123456789")
    installed(principal, IDPEL, "123456789", at=clock.wib(2026, 1, 1))
    return IDPEL


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with clock.frozen(NOW):
        yield


def install_body() -> dict[str, Any]:
    return {
        "meter_number": "987654321",
        "installed_at": "2026-01-01T00:00:00+07:00",
        "initial_reads": {"kwh_total": "0"},
        "seals": [{"number": "T-1", "location": "terminal_cover"}],
    }


def test_install_authorization_matrix(
    technician: Persona, agent_a: Persona, agent_b: Persona, auditor: Persona
) -> None:
    make_customer(principal_of(technician), IDPEL, "123456789")
    make_meter("987654321")
    url = f"{BASE}/customers/{IDPEL}/installations"
    assert post(Client(), url, install_body()).status_code == 401
    assert post(agent_a.client(), url, install_body()).status_code == 403  # view only
    assert post(auditor.client(), url, install_body()).status_code == 403
    wrong_unit = post(make_b_technician(agent_b), url, install_body())
    assert wrong_unit.status_code == 404
    assert wrong_unit.json()["code"] == "customer_not_found"
    assert not Installation.objects.exists()
    ok = post(technician.client(), url, install_body())
    assert ok.status_code == 201, ok.content
    assert Installation.objects.get().pk == ok.json()["id"]


def make_b_technician(agent_b: Persona) -> Client:
    from pelanggan.platform.audit import Actor
    from pelanggan.security.services import create_staff, issue_token

    create_staff(
        username="tech.b",
        password="not-used-in-tests-9f2",
        role="field_technician",
        unit_codes=["53210"],
        actor=Actor.system("tests"),
        check_password=False,
    )
    _, secret = issue_token(username="tech.b", name="test", actor=Actor.system("tests"))
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_meter_views_are_unit_scoped(customer: str, agent_a: Persona, agent_b: Persona) -> None:
    detail = agent_a.client().get(f"{BASE}/meters/123456789")
    assert detail.status_code == 200
    body = detail.json()
    assert body["installations"][0]["idpel"] == IDPEL
    assert body["installations"][0]["initial_reads"] == {"kwh_total": "1000.000"}
    listed = agent_a.client().get(f"{BASE}/customers/{IDPEL}/meters").json()
    assert [(m["number"], m["is_live"]) for m in listed] == [("123456789", True)]
    for url in (
        f"{BASE}/meters/123456789",
        f"{BASE}/customers/{IDPEL}/meters",
        f"{BASE}/customers/{IDPEL}/reads",
        f"{BASE}/customers/{IDPEL}/events",
    ):
        assert agent_b.client().get(url).status_code == 404, url
        assert Client().get(url).status_code == 401, url
    assert agent_b.client().get(f"{BASE}/customers/999999999999/meters").json()["code"] == (
        "customer_not_found"
    )


def read_body(value: str, at: str) -> dict[str, Any]:
    return {"register_code": "kwh_total", "read_at": at, "value": value, "source": "manual"}


def test_reads_review_flow_over_http(
    customer: str, technician: Persona, billing: Persona, agent_a: Persona, agent_b: Persona
) -> None:
    url = f"{BASE}/customers/{IDPEL}/reads"
    assert (
        post(agent_a.client(), url, read_body("1150", "2026-02-01T00:00:00+07:00")).status_code
        == 403
    )
    assert (
        post(billing.client(), url, read_body("1150", "2026-02-01T00:00:00+07:00")).status_code
        == 403
    )
    assert not RegisterRead.objects.filter(purpose="cycle").exists()
    ok = post(technician.client(), url, read_body("1150", "2026-02-01T00:00:00+07:00"))
    assert ok.status_code == 201, ok.content
    assert ok.json()["consumption"] == "150.000"
    assert ok.json()["review_id"] is None
    flagged = post(technician.client(), url, read_body("1100", "2026-03-01T00:00:00+07:00")).json()
    assert [r["code"] for r in flagged["reasons"]] == ["negative_consumption"]
    queue = billing.client().get(f"{BASE}/reviews").json()
    assert queue["total"] == 1
    assert [item["id"] for item in queue["items"]] == [flagged["review_id"]]
    assert queue["items"][0]["idpel"] == IDPEL
    assert queue["items"][0]["read"]["register_code"] == "kwh_total"
    assert agent_b.client().get(f"{BASE}/reviews").status_code == 403
    review_url = f"{BASE}/reviews/{flagged['review_id']}"
    assert post(technician.client(), f"{review_url}/accept", {}).status_code == 403
    bad = post(billing.client(), f"{review_url}/correct", {"value": "1300", "reason": ""})
    assert bad.status_code == 422
    corrected = post(
        billing.client(), f"{review_url}/correct", {"value": "1300", "reason": "digit salah"}
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["status"] == "corrected"
    consumption = (
        billing.client()
        .get(
            f"{BASE}/customers/{IDPEL}/consumption",
            {
                "period_start": "2026-02-01T00:00:00+07:00",
                "period_end": "2026-03-01T00:00:00+07:00",
            },
        )
        .json()
    )
    assert consumption["complete"] is True
    assert consumption["registers"][0]["quantity"] == "150.000"
    assert ReviewItem.objects.get().resolved_by == "billing.a"


def test_photo_read_upload(customer: str, technician: Persona) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = technician.client().post(
        f"{BASE}/customers/{IDPEL}/reads/photo",
        {
            "register_code": "kwh_total",
            "read_at": "2026-02-01T00:00:00+07:00",
            "value": "1150",
            "photo": SimpleUploadedFile("stand.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 201, response.content
    read = response.json()["read"]
    assert (read["source"], read["has_photo"]) == ("photo", True)
    not_image = technician.client().post(
        f"{BASE}/customers/{IDPEL}/reads/photo",
        {
            "register_code": "kwh_total",
            "read_at": "2026-03-01T00:00:00+07:00",
            "value": "1300",
            "photo": SimpleUploadedFile("x.txt", b"hello", content_type="text/plain"),
        },
    )
    assert not_image.status_code == 422
    assert RegisterRead.objects.filter(source="photo").count() == 1


def test_event_batch_api_and_listing(customer: str, admin: Persona, agent_a: Persona) -> None:
    body = {
        "events": [
            {
                "meter_number": "123456789",
                "kind": "tamper_magnetic",
                "occurred_at": "2026-11-22T08:00:00+07:00",
                "dedup_key": "e-1",
            },
            {
                "meter_number": "000000000",
                "kind": "power_on",
                "occurred_at": "2026-11-22T08:00:00+07:00",
            },
        ]
    }
    assert post(agent_a.client(), f"{BASE}/events", body).status_code == 403
    assert not MeterEvent.objects.exists()
    first = post(admin.client(), f"{BASE}/events", body).json()
    again = post(admin.client(), f"{BASE}/events", body).json()
    assert (first["stored"], first["duplicates"]) == (1, 0)
    assert (again["stored"], again["duplicates"]) == (0, 1)
    assert first["rejected"] == [
        {"index": 1, "meter_number": "000000000", "reason": "unknown_meter"}
    ]
    events = agent_a.client().get(f"{BASE}/customers/{IDPEL}/events").json()
    assert [(e["kind"], e["source"]) for e in events] == [("tamper_magnetic", "http")]


def test_openapi_lists_metering(admin: Persona) -> None:
    schema = admin.client().get("/api/v1/openapi.json").json()
    assert f"{BASE}/customers/{{idpel}}/reads/photo" in schema["paths"]


def test_lifecycle_and_two_way_endpoints(make_persona: Any) -> None:
    from pelanggan.metering.tests.factories import luhn_complete

    tech = make_persona("tech.smart", "field_technician", ["53110"])
    principal = principal_of(tech)
    make_customer(principal, IDPEL, "45012345678", payment_mode="prepaid")
    client = tech.client()
    for number, kind in (("45012345678", "smart_prepaid"), ("45012345679", "smart_prepaid")):
        made = post(client, f"{BASE}/meters", {"number": number, "kind": kind})
        assert made.status_code == 201, made.content
    duplicate = post(client, f"{BASE}/meters", {"number": "45012345678", "kind": "smart_prepaid"})
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "meter_exists")
    installed_ok = post(
        client,
        f"{BASE}/customers/{IDPEL}/installations",
        {
            "meter_number": "45012345678",
            "installed_at": "2026-01-01T00:00:00+07:00",
            "initial_reads": {"kwh_total": "0"},
        },
    )
    assert installed_ok.status_code == 201, installed_ok.content
    sealed = post(
        client,
        f"{BASE}/customers/{IDPEL}/seals",
        {
            "seal": {"number": "T-9", "location": "terminal_cover"},
            "applied_at": "2026-01-02T00:00:00+07:00",
        },
    )
    assert sealed.status_code == 201, sealed.content
    imei = luhn_complete("35693803564380")
    assert post(client, f"{BASE}/modems", {"serial": "HX-1", "imei": imei}).status_code == 201
    bad_imei = post(client, f"{BASE}/modems", {"serial": "HX-2", "imei": "123"})
    assert (bad_imei.status_code, list(bad_imei.json()["details"]["fields"])) == (422, ["imei"])
    fitted = post(
        client,
        f"{BASE}/meters/45012345678/modem",
        {"modem_serial": "HX-1", "installed_at": "2026-01-02T00:00:00+07:00",
         "seals": [{"number": "M-1", "location": "modem"}]},
    )  # fmt: skip
    assert fitted.status_code == 201, fitted.content
    iccid = luhn_complete("896210012345678901")
    sim = post(
        client,
        f"{BASE}/sims",
        {"iccid": iccid, "msisdn": "0811-2233-4455", "operator": "telkomsel"},
    )
    assert sim.status_code == 201, sim.content
    paired = post(
        client,
        f"{BASE}/meters/45012345678/pairings",
        {"iccid": iccid, "customer_phone": "0812-3456-7890", "paired_by": "operator_api",
         "paired_by_label": "Telkomsel", "paired_from": "2026-01-03T00:00:00+07:00"},
    )  # fmt: skip
    assert paired.status_code == 201, paired.content
    exchanged = post(
        client,
        f"{BASE}/customers/{IDPEL}/exchange",
        {"new_meter_number": "45012345679", "exchanged_at": "2026-06-01T00:00:00+07:00",
         "final_reads": {"kwh_total": "800"}, "initial_reads": {"kwh_total": "0"},
         "reason": "meter rusak"},
    )  # fmt: skip
    assert exchanged.status_code == 201, exchanged.content
    removed = post(
        client,
        f"{BASE}/customers/{IDPEL}/removal",
        {"removed_at": "2026-07-01T00:00:00+07:00", "final_reads": {"kwh_total": "90"},
         "reason": "bongkar rampung"},
    )  # fmt: skip
    assert removed.status_code == 200, removed.content
    detail = client.get(f"{BASE}/meters/45012345678").json()
    assert detail["status"] == "removed"
    assert detail["installations"][0]["final_reads"] == {"kwh_total": "800.000"}
    assert [s["number"] for s in detail["installations"][0]["seals"]] == ["T-9"]
    assert detail["installations"][0]["seals"][0]["removed_at"] is not None
    assert detail["modems"][0]["seals"][0]["number"] == "M-1"
    assert detail["pairings"][0]["customer_phone"] == "+628****7890"
    assert "81234567890" not in json.dumps(detail)
    listed = client.get(f"{BASE}/customers/{IDPEL}/meters").json()
    assert [(m["number"], m["is_live"]) for m in listed] == [
        ("45012345679", False),
        ("45012345678", False),
    ]
