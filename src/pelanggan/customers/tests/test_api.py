"""Customer master API: create, search, 360°, changes; scoping and the authorization matrix."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import Persona
from pelanggan.customers.models import Account, Person, PersonPhone, Premise, ServiceTerms
from pelanggan.platform.models import AuditEvent, OutboxEvent

pytestmark = pytest.mark.django_db(transaction=False)


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def fresh(persona: Persona, step: int = 0) -> Client:
    """A client whose request carries a current second-factor code (API step-up)."""
    import datetime as dt

    from pelanggan.security.totp import code_at, secret_of

    secret = secret_of(persona.user.pk)
    assert secret is not None
    moment = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=30 * step)
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {persona.token}", HTTP_X_PELANGGAN_OTP=code_at(secret, moment)
    )


def create(persona: Persona, row: dict[str, str]) -> Any:
    body = {k: v for k, v in row.items() if v != "" and k not in ("account_status",)}
    if "daya_va" in body:
        body["daya_va"] = int(body["daya_va"])
    return post(persona.client(), "/api/v1/customers", body)


def test_create_then_360_masks_personal_data(agent_a: Persona, valid_row: dict[str, str]) -> None:
    response = create(agent_a, valid_row)
    assert response.status_code == 201, response.content
    assert response.json() == {"idpel": "531100000001"}

    record = agent_a.client().get("/api/v1/customers/531100000001").json()
    assert record["person"]["full_name"] == "Siti Nurhaliza Rahmawati"
    assert record["person"]["nik_masked"] == "3273********0003"
    assert record["person"]["phones_masked"] == [
        {"number": "0812****7890", "kind": "mobile", "primary": True}
    ]
    assert record["person"]["gender"] == "F"
    assert record["premise"]["kelurahan"] == "Maleber"
    assert record["premise"]["kecamatan"] == "Andir"
    assert record["premise"]["kabupaten_kota"] == "Kota Bandung"
    assert record["premise"]["postal_code"] == "40184"
    assert record["premise"]["rt"] == "003"
    terms = record["connections"][0]["terms"]
    assert len(terms) == 1
    assert terms[0]["tariff_group"] == "R-1/TR"
    assert terms[0]["daya_va"] == 1300
    assert terms[0]["valid_to"] is None
    assert record["bills"] == {"available": False, "items": []}
    body = json.dumps(record)
    assert "3273055207850003" not in body
    assert "81234567890" not in body


def test_create_assigns_idpel_from_the_ulp_prefix(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row["idpel"] = ""
    first = create(agent_a, valid_row)
    valid_row["meter_number"] = "14123456790"
    second = create(agent_a, valid_row)
    assert first.json() == {"idpel": "531100000001"}
    assert second.json() == {"idpel": "531100000002"}
    # Same NIK and same name: one person owns both accounts.
    assert Person.objects.count() == 1


def test_create_reports_every_invalid_field_and_writes_nothing(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row.update(
        {
            "nik": "3273059907850003",
            "phone": "+1 202 555 0100",
            "daya_va": "1000",
            "latitude": "40.0",
            "longitude": "107.0",
        }
    )
    audit_before = AuditEvent.objects.count()
    response = create(agent_a, valid_row)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_failed"
    fields = error["details"]["fields"]
    assert sorted(fields) == ["daya_va", "latitude", "nik", "phone"]
    assert fields["nik"][0]["code"] == "nik_bad_day"
    assert fields["daya_va"][0]["code"] == "daya_not_standard"
    assert fields["latitude"][0]["code"] == "coordinates_outside_indonesia"
    assert "3273059907850003" not in response.content.decode()
    assert Account.objects.count() == 0
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_nik_must_agree_with_birth_date_and_gender(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row["gender"] = "M"
    response = create(agent_a, valid_row)
    assert response.status_code == 422
    assert response.json()["details"]["fields"]["nik"][0]["code"] == "nik_gender_mismatch"


def test_duplicate_idpel_and_meter_are_conflicts(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    assert create(agent_a, valid_row).status_code == 201
    again = create(agent_a, valid_row)
    assert again.status_code == 409
    assert again.json()["code"] == "idpel_taken"
    valid_row["idpel"] = "531100000009"
    meter = create(agent_a, valid_row)
    assert meter.status_code == 409
    assert meter.json()["code"] == "meter_taken"
    assert Account.objects.count() == 1


def test_search_by_every_kind(agent_a: Persona, valid_row: dict[str, str]) -> None:
    create(agent_a, valid_row)
    client = agent_a.client()
    by_idpel = client.get("/api/v1/customers", {"q": "531100000001"}).json()
    assert [h["idpel"] for h in by_idpel["hits"]] == ["531100000001"]
    by_meter = client.get("/api/v1/customers", {"q": "14123456789"}).json()
    assert [h["idpel"] for h in by_meter["hits"]] == ["531100000001"]
    assert by_meter["hits"][0]["utilities"][0]["daya_va"] == 1300
    for query, kind in (
        ("3273055207850003", "nik"),
        ("+62 812 3456 7890", "phone"),
        ("081234567890", "phone"),
        ("nurhaliza siti", "name"),
        ("RAHMAWATI", "name"),
    ):
        page = post(client, "/api/v1/customers/search", {"q": query}).json()
        assert [h["idpel"] for h in page["hits"]] == ["531100000001"], query
        assert kind in page["query_kinds"]
    none = post(client, "/api/v1/customers/search", {"q": "siti budiman"}).json()
    assert none["total"] == 0


def test_personal_data_is_refused_in_the_url(agent_a: Persona, valid_row: dict[str, str]) -> None:
    create(agent_a, valid_row)
    for query in ("3273055207850003", "081234567890", "siti"):
        response = agent_a.client().get("/api/v1/customers", {"q": query})
        assert response.status_code == 422, query
        assert response.json()["details"]["fields"]["q"][0]["code"] == "personal_data_in_url"


def test_other_unit_gets_the_same_answer_as_missing(
    agent_a: Persona, agent_b: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    hidden = agent_b.client().get("/api/v1/customers/531100000001")
    missing = agent_b.client().get("/api/v1/customers/531100000099")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    search = post(agent_b.client(), "/api/v1/customers/search", {"q": "3273055207850003"}).json()
    assert search["total"] == 0
    patch = agent_b.client().patch(
        "/api/v1/customers/531100000001/person",
        data=json.dumps({"full_name": "X Y"}),
        content_type="application/json",
    )
    assert patch.status_code == 404
    assert Person.objects.get().full_name == "Siti Nurhaliza Rahmawati"


def test_supervisor_of_the_up3_sees_its_ulps(
    agent_a: Persona, supervisor_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    assert supervisor_a.client().get("/api/v1/customers/531100000001").status_code == 200


def test_update_person_revalidates_and_audits_without_values(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    client = agent_a.client()
    response = client.patch(
        "/api/v1/customers/531100000001/person",
        data=json.dumps(
            {"full_name": "Siti Nurhaliza", "phone": "0857 1234 5678", "reason": "KTP"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["person"]["phones_masked"][0]["number"] == "0857****5678"
    event = AuditEvent.objects.filter(event_type="customers.person.updated").get()
    assert event.changes == {"full_name": {"changed": True}, "phones": {"changed": True}}
    assert event.actor_label == "agent.a"
    assert "Nurhaliza" not in json.dumps(event.changes)
    words = post(client, "/api/v1/customers/search", {"q": "rahmawati"}).json()
    assert words["total"] == 0
    assert PersonPhone.objects.count() == 1


def test_address_change_publishes_event_in_the_same_transaction(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    body = {
        "street": "Jl. Pajajaran No. 5",
        "rt": "1",
        "rw": "2",
        "village_code": "3273051002",
        "reason": "pindah",
    }
    response = agent_a.client().put(
        "/api/v1/customers/531100000001/address",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["premise"]["kelurahan"] == "Dungus Cariang"
    event = OutboxEvent.objects.get(name="customers.address.changed")
    assert event.payload["idpel"] == "531100000001"
    assert event.payload["village_code"] == "3273051002"
    assert event.payload["old_village_code"] == "3273051001"
    assert Premise.objects.get().street == "Jl. Pajajaran No. 5"


def test_rejected_address_change_changes_nothing(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    body = {
        "street": "Jl. Pajajaran No. 5",
        "rt": "1",
        "rw": "2",
        "village_code": "3273999999",
        "reason": "pindah",
    }
    response = agent_a.client().put(
        "/api/v1/customers/531100000001/address",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["details"]["fields"]["village_code"][0]["code"] == "village_code_unknown"
    assert Premise.objects.get().village_code == "3273051001"
    assert not OutboxEvent.objects.filter(name="customers.address.changed").exists()


def test_power_change_closes_one_period_and_opens_the_next(
    supervisor_a: Persona, valid_row: dict[str, str]
) -> None:
    create(supervisor_a, valid_row)
    body = {
        "effective_at": "2026-11-01T00:00:00+07:00",
        "reason": "PD 1300 -> 2200",
        "daya_va": 2200,
    }
    stale = post(supervisor_a.client(), "/api/v1/customers/531100000001/terms", body)
    assert stale.status_code == 403
    assert stale.json()["code"] == "step_up_required"
    assert ServiceTerms.objects.count() == 1
    response = post(fresh(supervisor_a), "/api/v1/customers/531100000001/terms", body)
    assert response.status_code == 200, response.content
    terms = response.json()["connections"][0]["terms"]
    assert [t["daya_va"] for t in terms] == [2200, 1300]
    assert terms[0]["valid_to"] is None
    assert terms[1]["valid_to"] == terms[0]["valid_from"]
    assert ServiceTerms.objects.filter(valid_to__isnull=True).count() == 1
    bad = post(
        fresh(supervisor_a, step=1),  # each code counts once: the next step's code
        "/api/v1/customers/531100000001/terms",
        {"effective_at": "2026-11-02T00:00:00+07:00", "reason": "x", "daya_va": 3500},
    )
    assert bad.status_code == 422
    assert bad.json()["details"]["fields"]["daya_va"][0]["code"] == "daya_outside_tariff_group"
    assert ServiceTerms.objects.count() == 2


def test_agent_cannot_change_terms(agent_a: Persona, valid_row: dict[str, str]) -> None:
    create(agent_a, valid_row)
    body = {"effective_at": "2026-11-01T00:00:00+07:00", "reason": "PD", "daya_va": 2200}
    response = post(agent_a.client(), "/api/v1/customers/531100000001/terms", body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ServiceTerms.objects.count() == 1


def test_consents_assets_and_programmes(agent_a: Persona, valid_row: dict[str, str]) -> None:
    create(agent_a, valid_row)
    client = agent_a.client()
    post(
        client,
        "/api/v1/customers/531100000001/consents",
        {"purpose": "marketing", "channel": "counter"},
    )
    post(
        client,
        "/api/v1/customers/531100000001/assets",
        {"kind": "rooftop_pv", "capacity_kwp": "3.300", "export_meter_number": "45012345678"},
    )
    record = post(
        client,
        "/api/v1/customers/531100000001/programmes",
        {
            "programme_code": "HEMAT-2026",
            "programme_name": "Hemat Energi Rumah Tangga",
            "enrolled_on": "2026-10-01",
        },
    ).json()
    assert record["assets"][0]["capacity_kwp"] == "3.300"
    assert record["programmes"][0]["code"] == "HEMAT-2026"
    assert record["consents"][0]["purpose"] == "marketing"
    assert record["consents"][0]["withdrawn_at"] is None
    withdrawn = client.delete("/api/v1/customers/531100000001/consents/marketing").json()
    assert withdrawn["consents"][0]["withdrawn_at"] is not None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/customers?q=531100000001"),
        ("get", "/api/v1/customers/531100000001"),
        ("post", "/api/v1/customers/search"),
        ("post", "/api/v1/customers"),
        ("get", "/api/v1/customers/quality"),
    ],
)
def test_anonymous_is_refused(db: Any, method: str, url: str) -> None:
    from django.test import Client

    response = (
        getattr(Client(), method)(url, data="{}", content_type="application/json")
        if method == "post"
        else Client().get(url)
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_auditor_cannot_read_customers(
    auditor: Persona, agent_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    assert auditor.client().get("/api/v1/customers/531100000001").status_code == 403
    assert auditor.client().get("/api/v1/customers/quality").status_code == 200


def test_expired_and_revoked_tokens_are_refused(agent_a: Persona) -> None:
    from pelanggan.security.models import ApiToken
    from pelanggan.security.services import revoke_token

    client = agent_a.client()
    assert client.get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(user=agent_a.user)
    revoke_token(prefix=token.prefix, actor=token.user and __import__("conftest").SYSTEM)
    assert client.get("/api/v1/me").status_code == 401


def test_emergency_contacts_are_validated_replaced_and_masked(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    create(agent_a, valid_row)
    url = "/api/v1/customers/531100000001/person"
    bad = {"emergency_contacts": [{"name": "Ahmad", "phone": "12"}]}
    response = agent_a.client().patch(url, data=json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["emergency_contacts.0.phone"]
    good = {
        "emergency_contacts": [
            {"name": "Ahmad Fauzi", "phone": "0813-1111-2222", "relationship": "suami"}
        ]
    }
    record = (
        agent_a.client().patch(url, data=json.dumps(good), content_type="application/json").json()
    )
    assert record["person"]["emergency_contacts"] == [
        {"name": "Ahmad Fauzi", "relationship": "suami", "phone_masked": "0813****2222"}
    ]
    event = AuditEvent.objects.filter(event_type="customers.person.updated").get()
    assert event.changes == {"emergency_contacts": {"changed": True}}


def test_billing_address_is_stored_encrypted_and_shown(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row["billing_address"] = "  PO Box 1234,   Bandung 40100 "
    assert create(agent_a, valid_row).status_code == 201
    record = agent_a.client().get("/api/v1/customers/531100000001").json()
    assert record["billing_address"] == "PO Box 1234, Bandung 40100"
    stored = Account.objects.values_list("billing_address", flat=True).get()
    assert stored == "PO Box 1234, Bandung 40100"  # decrypted by the field
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT billing_address FROM customers_account")
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:")
