"""Portal pages after sign-in: own accounts only, "Data pribadi saya" (data-subject requests
and the access copy), monthly usage, sign-out audit."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client, override_settings

from conftest import Persona, principal_of
from pelanggan.customers.services import register_customer
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent
from pelanggan.privacy.models import DataSubjectRequest
from pelanggan.privacy.selectors import request_queue
from pelanggan.privacy.services.requests import complete_request, start_request
from pelanggan.security import customer_login

pytestmark = pytest.mark.django_db

BACKEND = "pelanggan.security.backends.StaffAuthenticationBackend"
SITI = "531100000001"
SITI_2 = "531100000002"
BUDI = "531100000003"


@pytest.fixture
def customers(agent_a: Persona, valid_row: dict[str, str]) -> dict[str, int]:
    """Siti with two accounts, Budi with one (all in ULP A)."""
    principal = principal_of(agent_a)
    siti = register_customer(data=valid_row, principal=principal)
    register_customer(
        data={**valid_row, "idpel": SITI_2, "meter_number": "14123456790"}, principal=principal
    )
    budi = register_customer(
        data={
            **valid_row,
            "idpel": BUDI,
            "full_name": "Budi Santoso",
            "nik": "3273051203800001",
            "birth_date": "1980-03-12",
            "gender": "M",
            "phone": "0813-1111-2222",
            "email": "budi@example.co.id",
            "meter_number": "14123456791",
            "street": "Jl. Cihampelas No. 5",
        },
        principal=principal,
    )
    return {"siti": siti.owner_id, "budi": budi.owner_id}


def portal_client(person_id: int) -> Client:
    client = Client()
    user = customer_login.account_for(str(person_id)).user
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def officer(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("dpo", "privacy_officer", [])


def test_own_account_detail_and_others_answer_404(customers: dict[str, int]) -> None:
    siti = portal_client(customers["siti"])
    home = siti.get("/portal/").content.decode()
    assert re.findall(r"data-idpel>(\d+)<", home) == [SITI, SITI_2]
    assert f'href="/portal/akun/{SITI}/"' in home

    page = siti.get(f"/portal/akun/{SITI}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "data-address>Jl. Rajawali Timur No. 21, RT 003/RW 007<br>Maleber, Andir<br>"
        "Kota Bandung, Jawa Barat 40184<"
    ) in body
    assert re.search(r"data-tariff>R-1/TR / 1\.300 VA<", body)
    assert re.search(r"data-meter>14123456789<", body)
    assert re.search(r"data-nik>3273\*{8}0003<", body)
    assert re.search(r"data-phones>0812\*{4}7890<", body)
    assert re.search(r"data-email>s\*{3}@example\.co\.id<", body)
    assert "3273055207850003" not in body
    assert "Listrik · Prabayar" in body
    viewed = AuditEvent.objects.get(event_type="portal.account.viewed")
    assert (viewed.actor_kind, viewed.subject_ids) == ("customer", [SITI])

    # Budi's account, an unknown one and junk look the same: 404, nothing shown or audited.
    for idpel in (BUDI, "531199999999", "abc"):
        response = siti.get(f"/portal/akun/{idpel}/")
        assert response.status_code == 404
        assert "Cihampelas" not in response.content.decode()
        assert siti.get(f"/portal/akun/{idpel}/pemakaian/").status_code == 404
    assert AuditEvent.objects.filter(event_type="portal.account.viewed").count() == 1


def test_everyone_but_a_portal_customer_is_sent_to_sign_in(
    customers: dict[str, int], agent_a: Persona
) -> None:
    staff = Client()
    staff.force_login(agent_a.user, backend=BACKEND)
    for client in (Client(), agent_a.client(), staff):
        for url in ("/portal/", f"/portal/akun/{SITI}/", "/portal/data-pribadi/"):
            response = client.get(url)
            assert (response.status_code, response["Location"]) == (302, "/portal/masuk/")


def test_a_request_from_the_portal_reaches_the_officer_with_its_deadline(
    customers: dict[str, int],
) -> None:
    siti = portal_client(customers["siti"])
    form = siti.get("/portal/data-pribadi/").content.decode()
    assert "<h1>Data pribadi saya</h1>" in form
    key = re.search(r'name="form_key" value="([^"]+)"', form)
    assert key is not None
    received = dt.datetime(2026, 11, 23, 9, 30, tzinfo=clock.WIB)
    with clock.frozen(received):
        sent = siti.post(
            "/portal/data-pribadi/",
            {"kind": "consent_withdrawal", "purpose": "marketing", "idpel": SITI,
             "form_key": key.group(1)},
        )  # fmt: skip
        again = siti.post(
            "/portal/data-pribadi/",
            {"kind": "consent_withdrawal", "purpose": "marketing", "idpel": SITI,
             "form_key": key.group(1)},
        )  # fmt: skip
    assert sent["Location"] == "/portal/data-pribadi/"
    assert again["Location"] == "/portal/data-pribadi/"
    request = DataSubjectRequest.objects.get()  # the double submit recorded one request
    assert (request.kind, request.channel, request.person_id, request.idpel) == (
        "consent_withdrawal",
        "portal",
        customers["siti"],
        SITI,
    )
    assert request.due_at == received + dt.timedelta(hours=72)
    [row] = request_queue(state="open")
    assert (row.reference, row.channel, row.idpels, row.due_at) == (
        request.reference,
        "portal",
        [SITI, SITI_2],
        dt.datetime(2026, 11, 26, 9, 30, tzinfo=clock.WIB),
    )
    submitted = AuditEvent.objects.get(event_type="privacy.request.submitted")
    assert submitted.actor_kind == "customer"

    page = siti.get("/portal/data-pribadi/").content.decode()
    assert "diterima. Kami menjawab paling lambat 26 November 2026 09.30 WIB" in page
    assert f'data-request="{request.reference}"' in page
    assert re.search(r"data-due>26 November 2026 09\.30 WIB<", page)
    assert "Penarikan persetujuan (Penawaran dan promosi)" in page
    # Budi sees none of it.
    budi_page = portal_client(customers["budi"]).get("/portal/data-pribadi/").content.decode()
    assert request.reference not in budi_page
    assert "Anda belum pernah mengajukan permintaan." in budi_page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "nonsense"}, "Pilih apa yang Anda minta."),
        ({"kind": "objection"}, "Sebutkan tujuan pemrosesan"),
        ({"kind": "access", "idpel": BUDI}, "Pilih salah satu rekening Anda sendiri."),
        ({"kind": "correction", "correction_field": "nik"}, "Untuk pembetulan"),
        ({"kind": "correction", "correction_field": "ulp", "correction_value": "x"}, "Untuk"),
    ],
)
def test_a_rejected_request_changes_nothing(
    customers: dict[str, int], form: dict[str, str], message: str
) -> None:
    siti = portal_client(customers["siti"])
    before = AuditEvent.objects.count()
    response = siti.post("/portal/data-pribadi/", {**form, "form_key": "portal-test-1"})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert DataSubjectRequest.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_a_correction_carries_the_field_and_value(customers: dict[str, int]) -> None:
    siti = portal_client(customers["siti"])
    response = siti.post(
        "/portal/data-pribadi/",
        {"kind": "correction", "correction_field": "email",
         "correction_value": "siti.baru@example.co.id", "form_key": "portal-k2"},
    )  # fmt: skip
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get()
    assert request.details == {"email": "siti.baru@example.co.id"}
    assert request.purpose == ""


def test_the_access_copy_is_given_to_its_subject_once_completed(
    customers: dict[str, int], officer: Persona
) -> None:
    siti = portal_client(customers["siti"])
    siti.post("/portal/data-pribadi/", {"kind": "access", "form_key": "portal-access-1"})
    request = DataSubjectRequest.objects.get()
    url = f"/portal/data-pribadi/{request.pk}/salinan.json"
    assert siti.get(url).status_code == 404  # not completed yet
    start_request(request_id=request.pk, principal=principal_of(officer))
    assert siti.get(url).status_code == 404  # in progress is not enough for the portal
    assert "data-export-pdf" not in siti.get("/portal/data-pribadi/").content.decode()
    complete_request(request_id=request.pk, principal=principal_of(officer))

    page = siti.get("/portal/data-pribadi/").content.decode()
    assert f'href="/portal/data-pribadi/{request.pk}/salinan.pdf" data-export-pdf' in page
    budi = portal_client(customers["budi"])
    before = AuditEvent.objects.filter(event_type="privacy.export.generated").count()
    assert budi.get(url).status_code == 404
    assert siti.get(f"/portal/data-pribadi/{request.pk}/salinan.csv").status_code == 404
    assert siti.get(f"/portal/data-pribadi/x{request.pk}/salinan.json").status_code == 404
    assert AuditEvent.objects.filter(event_type="privacy.export.generated").count() == before

    response = siti.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="data-pribadi-{request.reference}.json"'
    )
    export = json.loads(response.content)
    assert export["data"]["person"]["full_name"] == "Siti Nurhaliza Rahmawati"
    assert [a["idpel"] for a in export["data"]["accounts"]] == [SITI, SITI_2]
    assert "Budi" not in response.content.decode()
    submitted = [e for e in export["access_log"] if e["event_type"] == "privacy.request.submitted"]
    assert [e["actor_kind"] for e in submitted] == ["customer"]
    pdf = siti.get(f"/portal/data-pribadi/{request.pk}/salinan.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    given = list(
        AuditEvent.objects.filter(event_type="privacy.export.generated", actor_kind="customer")
        .order_by("seq")
        .values_list("changes", flat=True)
    )
    assert [(g["format"], g["channel"]) for g in given] == [("json", "portal"), ("pdf", "portal")]


def test_monthly_usage_from_the_lake(
    tmp_path: Path, agent_a: Persona, valid_row: dict[str, str]
) -> None:
    from pelanggan.metering.tests.load_profile_data import (
        NOW,
        WIB,
        build_lake,
        hourly_rows,
        register_customer_with_meter,
    )

    installation = register_customer_with_meter(valid_row, principal_of(agent_a))
    person_id = installation.connection.account.owner_id
    lake = tmp_path / "lake"
    # 8 whole days of 14-21 November 2026: 5 evening hours of 0,9 kWh and 19 of 0,3 a day.
    build_lake(
        lake,
        hourly_rows(valid_row["meter_number"], dt.datetime(2026, 11, 14, tzinfo=WIB), 8 * 24),
    )
    client = portal_client(person_id)
    with override_settings(PELANGGAN_LAKE_DIR=str(lake)), clock.frozen(NOW):
        response = client.get(f"/portal/akun/{SITI}/pemakaian/")
    assert response.status_code == 200
    body = response.content.decode()
    kwh = re.findall(r"<td>([A-Za-z]{3} \d{4})</td><td class=\"num\" data-kwh>([^<]+)<", body)
    assert len(kwh) == 12
    assert kwh[0] == ("Des 2025", "–")
    # 8 days of 10,2 kWh read, and the 12 hours of 22 November up to "now" (12:00 WIB)
    # estimated from comparable days by the VEE at 0,3 kWh an hour.
    assert Decimal("10.2") * 8 + 12 * Decimal("0.3") == Decimal("85.2")
    assert kwh[-1] == ("Nov 2026", "85,2")
    assert "<td>3,6 kWh ditaksir</td>" in body
    assert "12 bulan terakhir: 85,2 kWh" in body
    heights = re.findall(r'height="(\d+)" class="(bar[^"]*)"', body)
    assert heights == [("0", "bar")] * 11 + [("140", "bar bar-estimated")]
    viewed = AuditEvent.objects.get(event_type="portal.usage.viewed")
    assert (viewed.actor_kind, viewed.subject_ids) == ("customer", [SITI])


def test_sign_out_is_a_customer_event_and_login_no_staff_event(
    customers: dict[str, int],
) -> None:
    client = portal_client(customers["siti"])
    assert not AuditEvent.objects.filter(event_type="security.session.login").exists()
    response = client.post("/portal/keluar/")
    assert response["Location"] == "/portal/masuk/"
    assert client.get("/portal/")["Location"] == "/portal/masuk/"
    event = AuditEvent.objects.get(event_type="portal.session.logout")
    assert event.actor_kind == "customer"
    assert not AuditEvent.objects.filter(event_type="security.session.logout").exists()


def test_staff_sessions_are_still_audited_as_staff(agent_a: Persona) -> None:
    client = Client()
    client.force_login(agent_a.user, backend=BACKEND)
    login = AuditEvent.objects.get(event_type="security.session.login")
    assert (login.actor_kind, login.actor_label) == ("staff", agent_a.username)


def test_the_portal_speaks_english_on_request(customers: dict[str, int]) -> None:
    from django.conf import settings

    siti = portal_client(customers["siti"])
    siti.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = siti.get("/portal/data-pribadi/").content.decode()
    assert "<h1>My personal data</h1>" in page
    assert "What are you asking for?" in page
    account = siti.get(f"/portal/akun/{SITI}/").content.decode()
    assert "Service address" in account
