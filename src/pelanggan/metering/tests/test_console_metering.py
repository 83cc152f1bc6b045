"""Console pages of metering: the meter section of the 360° page, the event list and the read
review queue (list, filters, accept / correct with reason / re-read), with unit scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import Persona, principal_of
from pelanggan.metering.models import MeterEvent, RegisterRead, ReviewItem
from pelanggan.metering.services.events import MeterEventIn, record_meter_events
from pelanggan.metering.services.reads import submit_read
from pelanggan.metering.services.registry import SealIn, apply_seal
from pelanggan.metering.tests.load_profile_data import NOW, WIB, register_customer_with_meter
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

METER = "14123456789"


def console(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def customer(agent_a: Persona, valid_row: dict[str, str]) -> dict[str, str]:
    register_customer_with_meter(valid_row, principal_of(agent_a))
    apply_seal(
        principal=principal_of(agent_a), idpel=valid_row["idpel"], utility="electricity",
        seal=SealIn("PLN-S-000123", "terminal_cover"),
        applied_at=dt.datetime(2026, 1, 5, 10, 0, tzinfo=WIB), now=NOW,
    )
    events = [
        MeterEventIn(METER, "tamper_cover_open", dt.datetime(2026, 11, 20, 2, 15, tzinfo=WIB),
                     "mqtt"),
        MeterEventIn(METER, "low_credit", dt.datetime(2026, 11, 21, 19, 0, tzinfo=WIB), "mqtt"),
        MeterEventIn(METER, "power_on", dt.datetime(2026, 11, 21, 20, 0, tzinfo=WIB), "mqtt"),
    ]
    with clock.frozen(NOW):
        assert record_meter_events(events).stored == 3
    return valid_row


def test_the_360_page_loads_the_meter_section(agent_a: Persona, customer: dict[str, str]) -> None:
    page = html(console(agent_a).get(f"/customers/{customer['idpel']}/"))
    assert f'data-src="/customers/{customer["idpel"]}/meter/"' in page
    assert "/static/metering/load_profile.js" in page

    url = f"/customers/{customer['idpel']}/meter/"
    response = console(agent_a).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = html(response)
    assert "<html" not in body  # the fragment only
    assert f'data-url="/api/v1/intervals/customers/{customer["idpel"]}/profile"' in body
    assert '<span class="meter-number">14123456789</span>' in body
    assert "Prabayar dua arah (smart)" in body
    assert "5 Januari 2026" in body  # installed, in Indonesian
    assert '<span class="mono">PLN-S-000123</span> (Tutup terminal)' in body
    # Newest event first; the tamper event is highlighted.
    kinds = [part.split('"')[0] for part in body.split('data-event-kind="')[1:]]
    assert kinds == ["power_on", "low_credit", "tamper_cover_open"]
    assert '<li class="event-danger" data-event-kind="tamper_cover_open">' in body
    assert "20 November 2026 02.15 WIB" in body

    full = console(agent_a).get(f"/customers/{customer['idpel']}/meter/")
    assert "<html" in html(full)
    assert "Riwayat pemasangan" in html(full)


def test_the_meter_section_is_scoped(
    agent_b: Persona, auditor: Persona, customer: dict[str, str]
) -> None:
    url = f"/customers/{customer['idpel']}/meter/"
    assert console(agent_b).get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert console(auditor).get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_event_list_filters_and_scope(
    agent_a: Persona, agent_b: Persona, customer: dict[str, str]
) -> None:
    body = html(console(agent_a).get("/metering/events/"))
    assert body.count("data-event-kind=") == 3
    assert '<tr class="event-danger" data-event-kind="tamper_cover_open">' in body
    assert f'href="/customers/{customer["idpel"]}/"' in body

    tamper = html(console(agent_a).get("/metering/events/?kind=tamper_cover_open&ulp=53110"))
    assert tamper.count("data-event-kind=") == 1
    dated = html(console(agent_a).get("/metering/events/?from=2026-11-21&to=2026-11-21"))
    assert dated.count("data-event-kind=") == 2
    by_customer = html(console(agent_a).get(f"/metering/events/?idpel={customer['idpel']}"))
    assert by_customer.count("data-event-kind=") == 3

    other_unit = html(console(agent_b).get("/metering/events/"))
    assert "data-event-kind=" not in other_unit
    assert console(agent_b).get(f"/metering/events/?idpel={customer['idpel']}").status_code == 404


@pytest.fixture
def officer(make_persona: Any) -> Persona:
    return make_persona("billing.a", "billing_officer", ["53110"])


@pytest.fixture
def review_item(officer: Persona, customer: dict[str, str]) -> ReviewItem:
    """A read lower than the install read (1000 kWh): negative consumption, under review."""
    result = submit_read(
        principal=principal_of(officer),
        idpel=customer["idpel"],
        register="kwh_total",
        read_at=dt.datetime(2026, 2, 1, tzinfo=WIB),
        value=Decimal("900"),
        source="manual",
        now=NOW,
    )
    assert result.review is not None
    return result.review


def test_review_queue_lists_filters_and_is_scoped(
    officer: Persona, agent_a: Persona, make_persona: Any, review_item: ReviewItem
) -> None:
    body = html(console(officer).get("/metering/reviews/"))
    assert f'data-review-id="{review_item.pk}"' in body
    assert "Pemakaian negatif" in body
    assert f'data-review-id="{review_item.pk}"' in html(
        console(officer).get("/metering/reviews/?reason=negative_consumption&ulp=53110")
    )
    assert "data-review-id" not in html(console(officer).get("/metering/reviews/?reason=spike"))
    assert "data-review-id" not in html(console(officer).get("/metering/reviews/?status=accepted"))

    other = make_persona("billing.b", "billing_officer", ["53210"])
    assert "data-review-id" not in html(console(other).get("/metering/reviews/"))
    assert console(other).get(f"/metering/reviews/{review_item.pk}/").status_code == 404
    assert console(agent_a).get("/metering/reviews/").status_code == 403  # no metering.review_reads
    # The menu offers the queue to those who may use it.
    assert 'href="/metering/reviews/"' in html(console(officer).get("/metering/events/"))
    assert 'href="/metering/reviews/"' not in html(console(agent_a).get("/metering/events/"))


def test_correct_needs_a_reason_then_is_audited(
    officer: Persona, review_item: ReviewItem
) -> None:
    url = f"/metering/reviews/{review_item.pk}/?reason=negative_consumption"
    refused = console(officer).post(url, {"action": "correct", "value": "1.090", "note": ""})
    assert refused.status_code == 422
    review_item.refresh_from_db()
    assert review_item.status == "open"
    assert RegisterRead.objects.count() == 2  # the install read and the read under review

    done = console(officer).post(
        url, {"action": "correct", "value": "1090", "note": "Salah baca digit: foto 1.090"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/metering/reviews/?reason=negative_consumption"
    review_item.refresh_from_db()
    assert review_item.status == "corrected"
    assert review_item.corrected_read is not None
    assert review_item.corrected_read.value == Decimal("1090.000")
    event = AuditEvent.objects.get(event_type="metering.review.corrected")
    assert event.actor_label == "billing.a"
    assert event.reason == "Salah baca digit: foto 1.090"

    again = console(officer).post(url, {"action": "accept"})
    assert again.status_code == 409


@pytest.mark.parametrize(("action", "status", "read_status"), [
    ("accept", "accepted", "accepted"),
    ("reread", "reread_ordered", "reread_ordered"),
])
def test_accept_or_order_a_reread(
    officer: Persona, review_item: ReviewItem, action: str, status: str, read_status: str
) -> None:
    response = console(officer).post(f"/metering/reviews/{review_item.pk}/", {"action": action})
    assert response.status_code == 302
    review_item.refresh_from_db()
    assert review_item.status == status
    assert review_item.read.status == read_status
    assert review_item.resolved_by == "billing.a"


def test_unknown_action_and_wrong_role_change_nothing(
    officer: Persona, agent_a: Persona, review_item: ReviewItem
) -> None:
    url = f"/metering/reviews/{review_item.pk}/"
    assert console(officer).post(url, {"action": "delete"}).status_code == 422
    assert console(agent_a).post(url, {"action": "accept"}).status_code == 403
    review_item.refresh_from_db()
    assert review_item.status == "open"
    assert MeterEvent.objects.count() == 3
