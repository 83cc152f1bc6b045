"""Customer portal: sign-in with a one-time code to the registered phone, own accounts only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, principal_of
from pelanggan.customers.services import register_customer
from pelanggan.platform import clock, outbox
from pelanggan.platform.models import AuditEvent, OutboxEvent
from pelanggan.security import customer_login
from pelanggan.security.models import CustomerLoginCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers(agent_a: Persona, valid_row: dict[str, str]) -> None:
    principal = principal_of(agent_a)
    register_customer(data=valid_row, principal=principal)
    register_customer(
        data={
            **valid_row,
            "idpel": "531100000002",
            "meter_number": "14123456790",
        },
        principal=principal,
    )
    register_customer(
        data={
            **valid_row,
            "idpel": "531100000003",
            "full_name": "Budi Santoso",
            "nik": "3273051203800001",
            "birth_date": "1980-03-12",
            "gender": "M",
            "phone": "0813-1111-2222",
            "email": "budi@example.co.id",
            "meter_number": "14123456791",
        },
        principal=principal,
    )


def _delivered_codes() -> list[str]:
    outbox.dispatch_due()
    path = customer_login.dev_outbox_file()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return re.findall(r"Kode masuk Pelanggan: (\d{6})", text)


def test_a_customer_signs_in_with_a_code_and_sees_only_their_accounts(
    two_customers: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    assert client.get("/portal/")["Location"] == "/portal/masuk/"
    page = client.get("/portal/masuk/").content.decode()
    assert "<h1>Masuk pelanggan</h1>" in page
    before = len(_delivered_codes())
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/portal/masuk/", {"contact": "0812 3456 7890"})
    assert sent["Location"] == "/portal/masuk/kode/"
    codes = _delivered_codes()
    assert len(codes) == before + 1
    text = customer_login.dev_outbox_file().read_text(encoding="utf-8")
    assert "0812****7890" in text
    assert "08123456789" not in text.replace("*", "")  # the number itself is masked
    event = OutboxEvent.objects.get(name="notifications.otp")
    assert set(event.payload) == {"login_code_id", "channel"}  # ids only, never the code
    row = CustomerLoginCode.objects.get()
    assert codes[-1] not in row.code_hash
    assert row.sealed_message == ""  # emptied once delivered

    wrong = client.post("/portal/masuk/kode/", {"code": "000000" if codes[-1] != "000000" else "1"})
    assert wrong.status_code == 422
    assert "Kode salah" in wrong.content.decode()
    session_before = client.session.session_key
    ok = client.post("/portal/masuk/kode/", {"code": codes[-1]})
    assert ok["Location"] == "/portal/"
    assert client.session.session_key != session_before
    home = client.get("/portal/").content.decode()
    assert re.findall(r"data-idpel>(\d+)<", home) == ["531100000001", "531100000002"]
    assert "531100000003" not in home
    # A customer is not staff: the console and the staff API refuse them.
    assert client.get("/").status_code == 403
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/portal/masuk/kode/", {"code": codes[-1]}).status_code == 422  # used
    events = list(
        AuditEvent.objects.filter(event_type__startswith="security.customer.")
        .order_by("seq")
        .values_list("event_type", flat=True)
    )
    assert events == [
        "security.customer.code_sent",
        "security.customer.login_failed",
        "security.customer.login",
    ]


def test_unknown_contacts_look_the_same_and_get_no_code(two_customers: None) -> None:
    client = Client()
    unknown = client.post("/portal/masuk/", {"contact": "0899 0000 1111"})
    assert unknown["Location"] == "/portal/masuk/kode/"
    assert CustomerLoginCode.objects.count() == 0
    assert client.post("/portal/masuk/kode/", {"code": "123456"}).status_code == 422


def test_codes_expire_die_after_five_tries_and_are_rate_limited(two_customers: None) -> None:
    from pelanggan.customers.selectors_portal import contact_for

    contact = contact_for("budi@example.co.id")
    assert contact is not None
    assert contact.channel == "email"
    start = clock.now()
    with clock.frozen(start):
        first = customer_login.start_login(
            person_ref=contact.person_ref, destination=contact.destination, channel="email"
        )
    code = _delivered_codes()[-1]
    with clock.frozen(start + dt.timedelta(minutes=5, seconds=1)):
        assert customer_login.verify_login(login_code_id=first, code=code) is None  # expired
    with clock.frozen(start + dt.timedelta(minutes=1)):
        second = customer_login.start_login(
            person_ref=contact.person_ref, destination=contact.destination, channel="email"
        )
        right = _delivered_codes()[-1]
        for _ in range(5):
            assert customer_login.verify_login(login_code_id=second, code="999999") is None
        assert customer_login.verify_login(login_code_id=second, code=right) is None  # dead
        customer_login.start_login(
            person_ref=contact.person_ref, destination=contact.destination, channel="email"
        )
        with pytest.raises(customer_login.TooManyCodes):
            customer_login.start_login(
                person_ref=contact.person_ref, destination=contact.destination, channel="email"
            )
    assert CustomerLoginCode.objects.count() == 3
