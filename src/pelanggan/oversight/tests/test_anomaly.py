"""Access-anomaly detection with scripted reads: the alert, then the automatic suspension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from conftest import Persona, mark_mfa_fresh, principal_of
from pelanggan.customers.services import register_customer
from pelanggan.oversight.models import Alert, AlertKind, CustomerAccess
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

BURST = {"volume": {"window_minutes": 30, "bucket_minutes": 5, "alert_at": 5, "suspend_at": 8}}
OFFICE_HOURS = {
    "hours": {
        "default": {"days": [0, 1, 2, 3, 4], "start": "07:30", "end": "16:30"},
        "roles": {"supervisor": {"days": [0, 1, 2, 3, 4, 5], "start": "07:00", "end": "20:00"}},
        "units": {},
    }
}
MONDAY_10_WIB = clock.wib(2026, 11, 23, 10, 0)


def customers_of(persona: Persona, row: dict[str, str], count: int, *, prefix: str) -> list[str]:
    idpels = []
    for n in range(count):
        data = dict(row)
        data.update(
            idpel=f"{prefix}{n + 1:07d}",
            ulp_code=prefix,
            meter_number=f"14{prefix}{n:04d}",
            nik="",
            phone="",
            email="",
        )
        idpels.append(register_customer(data=data, principal=principal_of(persona)).idpel)
    return idpels


def open_record(persona: Persona, idpel: str) -> Any:
    return persona.client().get(f"/api/v1/customers/{idpel}")


@override_settings(PELANGGAN_ANOMALY=BURST)
def test_a_burst_of_reads_raises_an_alert_then_suspends_the_account(
    agent_a: Persona, admin: Persona, valid_row: dict[str, str]
) -> None:
    idpels = customers_of(admin, valid_row, 9, prefix="53110")
    with clock.frozen(MONDAY_10_WIB):
        for idpel in idpels[:4]:
            assert open_record(agent_a, idpel).status_code == 200
        # Reading the same customer again is not a new customer.
        assert open_record(agent_a, idpels[0]).status_code == 200
        assert not Alert.objects.exists()
        assert open_record(agent_a, idpels[4]).status_code == 200  # the 5th distinct customer
        alert = Alert.objects.get()
        assert (alert.kind, alert.severity, alert.status, alert.staff_label) == (
            AlertKind.VOLUME, "warning", "open", "agent.a"
        )  # fmt: skip
        assert alert.details == {
            "distinct_customers": 5, "window_minutes": 30, "alert_at": 5, "suspend_at": 8
        }  # fmt: skip
        for idpel in idpels[5:7]:
            assert open_record(agent_a, idpel).status_code == 200
        assert Alert.objects.get().occurrences == 3
        # The 8th distinct customer crosses the hard threshold: refused, account suspended.
        refused = open_record(agent_a, idpels[7])
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_suspended"
    assert valid_row["street"] not in refused.content.decode()
    alert = Alert.objects.get()
    assert (alert.severity, alert.staff_suspended) == ("critical", True)
    suspended = AuditEvent.objects.filter(event_type="security.user.suspended").get()
    assert suspended.subject_ids == [str(agent_a.user.pk)]
    assert f"Access anomaly alert {alert.pk}" in suspended.reason
    raised = AuditEvent.objects.filter(event_type="oversight.alert.raised").order_by("seq")
    assert [e.changes["severity"] for e in raised] == ["warning", "critical"]
    viewed = AuditEvent.objects.filter(event_type="customers.record.viewed", actor_label="agent.a")
    assert idpels[7] not in {s for e in viewed for s in e.subject_ids}
    # Suspended: the token no longer works, for this customer or any other.
    assert open_record(agent_a, idpels[0]).status_code == 401


@override_settings(PELANGGAN_ANOMALY=BURST)
def test_reads_older_than_the_window_do_not_count(
    agent_a: Persona, admin: Persona, valid_row: dict[str, str]
) -> None:
    idpels = customers_of(admin, valid_row, 8, prefix="53110")
    with clock.frozen(MONDAY_10_WIB):
        for idpel in idpels[:4]:
            assert open_record(agent_a, idpel).status_code == 200
    with clock.frozen(clock.wib(2026, 11, 23, 11, 0)):
        for idpel in idpels[4:8]:
            assert open_record(agent_a, idpel).status_code == 200
    assert not Alert.objects.exists()
    # Old counters are pruned as new buckets start.
    assert CustomerAccess.objects.filter(staff_user_id=agent_a.user.pk).count() == 4


@override_settings(PELANGGAN_ANOMALY=OFFICE_HOURS)
def test_reading_outside_working_hours_raises_an_alert_by_role_then_default(
    agent_a: Persona, supervisor_a: Persona, admin: Persona, valid_row: dict[str, str]
) -> None:
    [idpel] = customers_of(admin, valid_row, 1, prefix="53110")
    with clock.frozen(clock.wib(2026, 11, 23, 17, 0)):  # Monday 17:00 WIB
        assert open_record(agent_a, idpel).status_code == 200
        assert open_record(supervisor_a, idpel).status_code == 200  # supervisors until 20:00
    [alert] = Alert.objects.all()
    assert (alert.staff_label, alert.kind) == ("agent.a", AlertKind.OFF_HOURS)
    assert alert.details == {"local_time": "2026-11-23 17:00 WIB"}
    with clock.frozen(clock.wib(2026, 11, 28, 9, 0)):  # Saturday: supervisors only
        assert open_record(supervisor_a, idpel).status_code == 200
    assert Alert.objects.count() == 1


@override_settings(PELANGGAN_ANOMALY={"units": {}, **OFFICE_HOURS})
def test_unit_hours_override_the_role(
    make_persona: Callable[..., Persona], admin: Persona, valid_row: dict[str, str]
) -> None:
    night_shift = {
        "hours": {
            **OFFICE_HOURS["hours"],
            "units": {"53110": {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00"}},
        }
    }
    agent = make_persona("agent.malam", "agent", ["53110"])
    [idpel] = customers_of(admin, valid_row, 1, prefix="53110")
    with (
        override_settings(PELANGGAN_ANOMALY=night_shift),
        clock.frozen(clock.wib(2026, 11, 29, 2, 0)),
    ):
        assert open_record(agent, idpel).status_code == 200
    assert not Alert.objects.exists()


def test_reading_a_customer_outside_the_usual_area_raises_an_alert(
    supervisor_a: Persona, admin: Persona, valid_row: dict[str, str]
) -> None:
    [home] = customers_of(admin, valid_row, 1, prefix="53110")
    [away] = customers_of(admin, valid_row, 1, prefix="53120")
    with clock.frozen(MONDAY_10_WIB):
        assert open_record(supervisor_a, home).status_code == 200
        assert not Alert.objects.exists()  # a first area is the usual area
        assert open_record(supervisor_a, home).status_code == 200
        assert open_record(supervisor_a, away).status_code == 200
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.NEW_AREA
    assert alert.details == {"ulp_code": "53120", "lookback_days": 30}
    # Seen again within the lookback: usual now, nothing new.
    with clock.frozen(clock.wib(2026, 12, 1, 10, 0)):
        assert open_record(supervisor_a, away).status_code == 200
    assert Alert.objects.get().occurrences == 1


def test_forbidden_and_missing_reads_are_not_counted(
    agent_a: Persona, agent_b: Persona, admin: Persona, valid_row: dict[str, str]
) -> None:
    [idpel] = customers_of(admin, valid_row, 1, prefix="53110")
    assert open_record(agent_b, idpel).status_code == 404
    assert open_record(agent_a, "531100009999").status_code == 404
    assert not CustomerAccess.objects.exists()


# ---------------------------------------------------------------- the privacy officer's side


@pytest.fixture
def privacy_officer(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("dpo", "privacy_officer", [])


@override_settings(PELANGGAN_ANOMALY=BURST)
def test_privacy_officer_lists_and_acknowledges_alerts_and_it_is_audited(
    agent_a: Persona, admin: Persona, privacy_officer: Persona, valid_row: dict[str, str]
) -> None:
    idpels = customers_of(admin, valid_row, 5, prefix="53110")
    with clock.frozen(MONDAY_10_WIB):
        for idpel in idpels:
            open_record(agent_a, idpel)
    alert = Alert.objects.get()
    # Agents and auditors may not see alerts.
    assert agent_a.client().get("/api/v1/oversight/alerts").status_code == 403
    listing = privacy_officer.client().get("/api/v1/oversight/alerts")
    assert listing.status_code == 200
    assert [(a["id"], a["kind"], a["staff_label"]) for a in listing.json()] == [
        (alert.pk, "volume", "agent.a")
    ]
    url = f"/api/v1/oversight/alerts/{alert.pk}/acknowledge"
    short = privacy_officer.client().post(url, {"note": "ok"}, content_type="application/json")
    assert short.status_code == 422
    assert Alert.objects.get().status == "open"
    note = {"note": "Dikonfirmasi dengan atasan: kampanye verifikasi data"}
    done = privacy_officer.client().post(url, note, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    again = privacy_officer.client().post(url, note, content_type="application/json")
    assert again.status_code == 409
    event = AuditEvent.objects.filter(event_type="oversight.alert.acknowledged").get()
    assert (event.actor_label, event.subject_ids, event.reason) == (
        "dpo", [str(alert.pk)], note["note"]
    )  # fmt: skip
    assert privacy_officer.client().get("/api/v1/oversight/alerts").json() == []


@override_settings(PELANGGAN_ANOMALY=BURST)
def test_console_alert_list_and_acknowledgement(
    agent_a: Persona, admin: Persona, privacy_officer: Persona, valid_row: dict[str, str]
) -> None:
    idpels = customers_of(admin, valid_row, 5, prefix="53110")
    with clock.frozen(MONDAY_10_WIB):
        for idpel in idpels:
            open_record(agent_a, idpel)
    alert = Alert.objects.get()
    client = Client()
    client.force_login(privacy_officer.user)
    mark_mfa_fresh(client)
    page = client.get("/alerts/").content.decode()
    assert f'data-alert="{alert.pk}"' in page
    assert "Terlalu banyak pelanggan dibuka" in page
    response = client.post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": "Sudah dicek dengan atasan langsung"}
    )
    assert response.status_code == 302
    assert Alert.objects.get().status == "acknowledged"
    agent_console = Client()
    agent_console.force_login(agent_a.user)
    assert agent_console.get("/alerts/").status_code == 403
