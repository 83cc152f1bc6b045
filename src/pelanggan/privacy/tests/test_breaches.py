"""Breach register (UU PDP Pasal 46): the 3 × 24-hour clock, notices, overdue incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Persona, principal_of
from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, ValidationFailed
from pelanggan.platform.models import AuditEvent, OutboxEvent
from pelanggan.privacy.models import Incident, IncidentStatus, IncidentSubject
from pelanggan.privacy.selectors import incident_list
from pelanggan.privacy.services.breaches import (
    add_subjects,
    notice_text,
    notify_authority,
    notify_subjects,
    record_incident,
    update_handling,
)

pytestmark = pytest.mark.django_db
DETECTED = clock.wib(2026, 11, 20, 14, 5)


def record(officer: Persona, **extra: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "Laptop petugas hilang",
        "description": "Laptop berisi ekspor DIL ULP Bandung Utara hilang di kereta.",
        "detected_at": DETECTED,
        "data_categories": ["data_pribadi", "data_lokasi"],
    }
    values.update(extra)
    with clock.frozen(clock.wib(2026, 11, 21, 9)):
        return record_incident(principal=principal_of(officer), **values)


def test_notice_is_due_three_times_24_hours_after_detection(officer: Persona) -> None:
    incident = record(officer)
    assert incident.notice_due_at == clock.wib(2026, 11, 23, 14, 5)
    assert incident.status == IncidentStatus.OPEN
    assert AuditEvent.objects.filter(event_type="privacy.incident.recorded").count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": ""}, "title"),
        ({"data_categories": []}, "data_categories"),
        ({"data_categories": ["gossip"]}, "data_categories"),
        ({"detected_at": dt.datetime(2026, 11, 20, 14, 5)}, "detected_at"),
        ({"occurred_at": clock.wib(2026, 11, 20, 15)}, "occurred_at"),
    ],
)
def test_bad_incidents_are_refused(officer: Persona, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        record(officer, **extra)
    assert field in caught.value.fields
    assert Incident.objects.count() == 0


def test_overdue_incidents_come_first_until_both_notices_are_sent(
    officer: Persona, customer: dict[str, Any]
) -> None:
    late = record(officer, title="Kebocoran lama")
    with clock.frozen(clock.wib(2026, 11, 24, 9)):
        fresh = record_incident(
            title="Kebocoran baru",
            description="Akses tidak sah ke ekspor.",
            detected_at=clock.wib(2026, 11, 24, 8),
            data_categories=["data_pribadi"],
            principal=principal_of(officer),
        )
        rows = incident_list()
        assert [(r.id, r.clock.overdue) for r in rows] == [(late.pk, True), (fresh.pk, False)]
        assert rows[0].clock.outstanding == ["authority", "subjects"]
        principal = principal_of(officer)
        with pytest.raises(Conflict):  # the notice must say what was done
            notify_authority(incident_id=late.pk, principal=principal)
        update_handling(
            incident_id=late.pk,
            principal=principal,
            measures="Kata sandi direset, perangkat diblokir dari jarak jauh.",
        )
        add_subjects(incident_id=late.pk, idpels=[customer["idpel"]], principal=principal)
        notify_authority(incident_id=late.pk, principal=principal)
        assert notify_subjects(incident_id=late.pk, principal=principal) == 1
        assert notify_subjects(incident_id=late.pk, principal=principal) == 0
        assert [r.id for r in incident_list() if r.clock.overdue] == []
    late.refresh_from_db()
    assert late.status == IncidentStatus.NOTIFIED
    assert IncidentSubject.objects.get(incident=late).notified_at is not None
    notices = OutboxEvent.objects.filter(name="privacy.breach.subject_notice")
    assert [n.payload["person_id"] for n in notices] == [customer["person_id"]]
    assert (
        AuditEvent.objects.get(event_type="privacy.incident.subjects_notified").changes["late"]
        is True
    )


def test_unknown_idpel_links_nobody(officer: Persona, customer: dict[str, Any]) -> None:
    incident = record(officer)
    with pytest.raises(ValidationFailed) as caught:
        add_subjects(
            incident_id=incident.pk,
            idpels=[customer["idpel"], "999999999999"],
            principal=principal_of(officer),
        )
    assert "idpels.1" in caught.value.fields
    assert IncidentSubject.objects.count() == 0


def test_the_notice_text_is_indonesian_and_states_what_the_law_asks(officer: Persona) -> None:
    incident = record(
        officer,
        measures="Akun dinonaktifkan dan kata sandi diganti.",
        occurred_at=clock.wib(2026, 11, 19, 22, 0),
    )
    text = notice_text(incident)
    assert text.startswith("Yth. Pelanggan,")
    assert "Apa yang terjadi: Laptop petugas hilang." in text
    assert "Kejadian: 19 November 2026 pukul 22.00 WIB." in text
    assert "Terdeteksi: 20 November 2026 pukul 14.05 WIB." in text
    assert "Data yang terungkap: data lokasi, data pribadi (dapat mencakup" in text
    assert "nik" in text
    assert "Yang telah kami lakukan: Akun dinonaktifkan dan kata sandi diganti." in text
    assert f"Nomor referensi: {incident.reference}." in text
    authority = notice_text(incident, audience="authority")
    assert "Pasal 46 UU Nomor 27 Tahun 2022" in authority
    assert "Jumlah subjek data terdampak: 0." in authority


def test_closing_needs_both_notices(officer: Persona) -> None:
    incident = record(officer, measures="Ditangani.")
    with pytest.raises(Conflict):
        update_handling(
            incident_id=incident.pk, principal=principal_of(officer), measures="", status="closed"
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
