"""Data-subject requests: deadlines, and one workflow per right (UU PDP Pasal 6-11)."""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from typing import Any

import pytest

from conftest import Persona, principal_of
from pelanggan.customers.models import Account, Consent, Person, PersonNameWord, Premise
from pelanggan.customers.selectors import customer_record, search_customers
from pelanggan.customers.services import set_account_status
from pelanggan.customers.services.privacy import (
    has_active_consent,
    processing_allowed,
)
from pelanggan.platform import clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.platform.models import AuditEvent, OutboxEvent
from pelanggan.privacy.models import DataSubjectRequest, RequestStatus
from pelanggan.privacy.services.exports import build_export, export_for_request
from pelanggan.privacy.services.requests import (
    complete_request,
    refuse_request,
    start_request,
    submit_request,
)

pytestmark = pytest.mark.django_db
PORTAL = Actor("customer", 7, "portal:531100000001")
FULL_NIK = "3273055207850003"


def pdf_text(pdf: bytes) -> str:
    """The text drawn by a PDF's (Flate-compressed) content streams."""
    chunks = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    text = []
    for chunk in chunks:
        try:
            text.append(zlib.decompress(chunk).decode("latin-1"))
        except zlib.error:
            continue
    return " ".join("".join(re.findall(r"\((.*?)(?<!\\)\)", t)) for t in text)


def submit(customer: dict[str, Any], kind: str, **extra: Any) -> DataSubjectRequest:
    return submit_request(
        kind=kind, person_id=customer["person_id"], channel="console", actor=PORTAL, **extra
    )


def test_deadline_is_three_times_24_hours_after_receipt(customer: dict[str, Any]) -> None:
    received = clock.wib(2026, 11, 20, 9, 30)
    with clock.frozen(clock.wib(2026, 11, 22, 10)):
        request = submit(customer, "access", received_at=received)
    assert request.due_at == clock.wib(2026, 11, 23, 9, 30)
    assert request.status == RequestStatus.RECEIVED
    event = AuditEvent.objects.get(event_type="privacy.request.submitted")
    assert event.subject_ids == [str(customer["person_id"])]
    assert event.changes["kind"] == "access"


@pytest.mark.parametrize(
    ("kind", "extra", "field", "code"),
    [
        ("erase_everything", {}, "kind", "choice_invalid"),
        ("consent_withdrawal", {}, "purpose", "purpose_required"),
        ("objection", {"purpose": "karaoke"}, "purpose", "choice_invalid"),
        ("access", {"purpose": "marketing"}, "purpose", "purpose_not_expected"),
        ("correction", {}, "details", "details_required"),
        ("correction", {"details": {"idpel": "1"}}, "details", "field_not_correctable"),
        ("deletion", {"details": {"nik": "1"}}, "details", "details_not_expected"),
        ("access", {"idpel": "531100000099"}, "idpel", "idpel_not_of_person"),
    ],
)
def test_bad_intake_is_refused_and_records_nothing(
    customer: dict[str, Any], kind: str, extra: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        submit(customer, kind, **extra)
    assert caught.value.fields[field][0]["code"] == code
    assert DataSubjectRequest.objects.count() == 0


def test_a_receipt_time_in_the_future_is_refused(customer: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        submit(customer, "access", received_at=clock.now() + dt.timedelta(hours=1))
    assert caught.value.fields["received_at"][0]["code"] == "date_in_future"


def test_the_same_idempotency_key_records_one_request(customer: dict[str, Any]) -> None:
    first = submit(customer, "access", idempotency_key="portal-42")
    again = submit(customer, "access", idempotency_key="portal-42")
    assert again.pk == first.pk
    with pytest.raises(Conflict):
        submit(customer, "deletion", idempotency_key="portal-42")
    assert DataSubjectRequest.objects.count() == 1


def test_access_export_holds_the_data_and_who_accessed_it(
    customer: dict[str, Any], officer: Persona, agent_a: Persona
) -> None:
    customer_record(idpel=customer["idpel"], principal=principal_of(agent_a))
    request = submit(customer, "access")
    principal = principal_of(officer)
    start_request(request_id=request.pk, principal=principal)
    complete_request(request_id=request.pk, principal=principal)
    name, content_type, body = export_for_request(
        request_id=request.pk, principal=principal, fmt="json"
    )
    assert (name, content_type) == (f"data-pribadi-{request.reference}.json", "application/json")
    export = json.loads(body)
    assert export["data"]["person"]["nik"] == FULL_NIK
    assert export["data"]["phones"][0]["number"] == "+6281234567890"
    assert export["data"]["emergency_contacts"][0]["name"] == "Budi Santoso"
    assert export["data"]["accounts"][0]["idpel"] == customer["idpel"]
    viewed = [e for e in export["access_log"] if e["event_type"] == "customers.record.viewed"]
    assert [(e["actor"], e["description"]) for e in viewed] == [
        ("agent.a", "Data pelanggan dibuka (tampilan 360°)")
    ]
    assert any(e["event_type"] == "privacy.request.submitted" for e in export["access_log"])
    _, pdf_type, pdf = export_for_request(request_id=request.pk, principal=principal, fmt="pdf")
    assert pdf_type == "application/pdf"
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Salinan Data Pribadi" in text
    assert FULL_NIK in text
    assert "Rekam jejak akses dan pemrosesan" in text
    assert "Petugas agent.a: Data pelanggan dibuka" in text
    assert AuditEvent.objects.filter(event_type="privacy.export.generated").count() == 2


def test_the_access_log_leaves_out_other_customers(
    customer: dict[str, Any], agent_a: Persona, valid_row: dict[str, str]
) -> None:
    from pelanggan.customers.services import register_customer

    other = dict(
        valid_row,
        idpel="531100000002",
        nik="",
        phone="081311112222",
        email="",
        meter_number="14123450000",
        full_name="Andi Rahmawati",
    )
    register_customer(data=other, principal=principal_of(agent_a))
    hits = search_customers(query="Rahmawati", principal=principal_of(agent_a))
    assert hits.total == 2
    customer_record(idpel="531100000002", principal=principal_of(agent_a))
    log = build_export(person_id=customer["person_id"])["access_log"]
    searches = [e for e in log if e["event_type"] == "customers.search.performed"]
    assert [e["subjects"] for e in searches] == [[customer["idpel"]]]
    assert all("531100000002" not in e["subjects"] for e in log)
    assert not any(e["event_type"] == "customers.record.viewed" for e in log)


def test_export_is_refused_for_a_request_that_is_not_access(
    customer: dict[str, Any], officer: Persona
) -> None:
    request = submit(customer, "deletion")
    with pytest.raises(Conflict):
        export_for_request(request_id=request.pk, principal=principal_of(officer), fmt="json")
    assert not AuditEvent.objects.filter(event_type="privacy.export.generated").exists()


def test_correction_goes_through_the_validated_customer_service(
    customer: dict[str, Any], officer: Persona
) -> None:
    request = submit(customer, "correction", details={"email": "siti.baru@example.id"})
    done = complete_request(request_id=request.pk, principal=principal_of(officer))
    assert done.status == RequestStatus.COMPLETED
    assert done.outcome == {"corrected_fields": ["email"]}
    assert Person.objects.get(pk=customer["person_id"]).email == "siti.baru@example.id"
    updated = AuditEvent.objects.get(
        event_type="customers.person.updated", reason=request.reference
    )
    assert updated.changes == {"email": {"changed": True}}


def test_an_invalid_correction_changes_nothing_and_stays_open(
    customer: dict[str, Any], officer: Persona
) -> None:
    request = submit(customer, "correction", details={"nik": "1234"})
    with pytest.raises(ValidationFailed) as caught:
        complete_request(request_id=request.pk, principal=principal_of(officer))
    assert "nik" in caught.value.fields
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert Person.objects.get(pk=customer["person_id"]).nik == FULL_NIK


def test_deletion_erases_identifiers_and_keeps_the_live_account_with_the_reason(
    customer: dict[str, Any], officer: Persona, agent_a: Persona
) -> None:
    request = submit(customer, "deletion")
    done = complete_request(request_id=request.pk, principal=principal_of(officer))
    person = Person.objects.get(pk=customer["person_id"])
    assert (person.nik, person.nik_index, person.email, person.birth_date) == (None, "", None, None)
    assert person.phones.count() == 0
    assert person.emergency_contacts.count() == 0
    assert PersonNameWord.objects.filter(person=person).count() == 0
    assert person.name_index == ""
    # The account is still served and billed: name and address stay, with the reason recorded.
    assert person.full_name == "Siti Nurhaliza Rahmawati"
    assert person.erased_at is not None
    assert person.anonymised_at is None
    assert Premise.objects.get(accounts__idpel=customer["idpel"]).street != "(dihapus)"
    assert done.outcome["accounts_retained"] == [customer["idpel"]]
    assert done.outcome["consents_withdrawn"] == ["marketing"]
    assert "customers.person.full_name" in done.outcome["retained_fields"]
    assert "account_records" in done.reason
    assert customer["idpel"] in done.reason
    # Nobody finds her by NIK, phone or name any more.
    principal = principal_of(agent_a)
    for query in (FULL_NIK, "081234567890", "Siti Nurhaliza"):
        assert search_customers(query=query, principal=principal).total == 0, query
    assert search_customers(query=customer["idpel"], principal=principal).total == 1
    erased = AuditEvent.objects.get(event_type="customers.person.erased")
    assert "customers.person.nik" in erased.changes["fields"]
    assert FULL_NIK not in json.dumps(erased.changes)


def test_deletion_after_retention_ended_anonymises_everything(
    customer: dict[str, Any], officer: Persona, agent_a: Persona
) -> None:
    account = Account.objects.get(idpel=customer["idpel"])
    account.connections.update(disconnected_on=dt.date(2014, 1, 31))
    set_account_status(
        idpel=customer["idpel"],
        status="terminated",
        principal=principal_of(agent_a),
        reason="bongkar rampung",
    )
    request = submit(customer, "deletion")
    done = complete_request(request_id=request.pk, principal=principal_of(officer))
    person = Person.objects.get(pk=customer["person_id"])
    assert person.full_name == "(dihapus)"
    assert person.anonymised_at is not None
    premise = Premise.objects.get(accounts__idpel=customer["idpel"])
    assert (premise.street, premise.latitude, premise.address_index) == ("(dihapus)", None, "")
    assert done.outcome["accounts_retained"] == []
    assert done.reason == ""
    with pytest.raises(Conflict):
        submit(customer, "access")


def test_consent_withdrawal_stops_processing_for_that_purpose(
    customer: dict[str, Any], officer: Persona
) -> None:
    person_id = customer["person_id"]
    assert has_active_consent(person_id, "marketing") is True
    assert processing_allowed(person_id, "marketing") is True
    request = submit(customer, "consent_withdrawal", purpose="marketing")
    done = complete_request(request_id=request.pk, principal=principal_of(officer))
    assert done.outcome == {"consent_withdrawn": True, "purpose": "marketing"}
    assert has_active_consent(person_id, "marketing") is False
    assert processing_allowed(person_id, "marketing") is False
    assert Consent.objects.get(person_id=person_id).withdrawn_at is not None


def test_objection_blocks_that_purpose_only(customer: dict[str, Any], officer: Persona) -> None:
    from pelanggan.customers.services import give_consent

    person_id = customer["person_id"]
    give_consent(
        idpel=customer["idpel"],
        purpose="consumption_analytics",
        channel="counter",
        principal=principal_of(officer),
    )
    request = submit(customer, "objection", purpose="consumption_analytics")
    complete_request(request_id=request.pk, principal=principal_of(officer))
    assert processing_allowed(person_id, "consumption_analytics") is False
    assert processing_allowed(person_id, "marketing") is True


def test_restriction_hides_the_person_from_ordinary_search_but_not_from_the_officer(
    customer: dict[str, Any], officer: Persona, agent_a: Persona
) -> None:
    request = submit(customer, "restriction")
    complete_request(request_id=request.pk, principal=principal_of(officer))
    agent = principal_of(agent_a)
    assert search_customers(query=customer["idpel"], principal=agent).total == 0
    assert search_customers(query="Siti Nurhaliza", principal=agent).hits == []
    assert search_customers(query=customer["idpel"], principal=principal_of(officer)).total == 1
    assert processing_allowed(customer["person_id"], "marketing") is False


def test_refusal_needs_a_reason_and_closes_the_request(
    customer: dict[str, Any], officer: Persona
) -> None:
    request = submit(customer, "deletion")
    with pytest.raises(ValidationFailed):
        refuse_request(request_id=request.pk, principal=principal_of(officer), reason=" ")
    refused = refuse_request(
        request_id=request.pk,
        principal=principal_of(officer),
        reason="Pasal 15: kepentingan penegakan hukum",
    )
    assert refused.status == RequestStatus.REFUSED
    [closed] = OutboxEvent.objects.filter(name="privacy.request.closed")
    assert closed.payload == {
        "request": request.reference,
        "person_id": customer["person_id"],
        "kind": "deletion",
        "status": "refused",
    }
    with pytest.raises(Conflict):
        complete_request(request_id=request.pk, principal=principal_of(officer))
    assert Person.objects.get(pk=customer["person_id"]).nik == FULL_NIK
