"""The breach register (UU PDP Pasal 46): record an incident, link the affected data subjects,
run the 3 × 24-hour notice clock for the subjects and the authority, and write the notice.

Notices go out through the outbox (`privacy.breach.subject_notice`, one per subject, and
`privacy.breach.authority_notice`): the notifications context delivers them after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction

from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.privacy.formats import waktu
from pelanggan.privacy.models import Incident, IncidentStatus, IncidentSubject
from pelanggan.privacy.policy import policy
from pelanggan.privacy.registry import registry
from pelanggan.security.selectors import Principal

MAX_SUBJECTS_PER_CALL = 5000


def _invalid(field: str, code: str, message: str, message_id: str) -> ValidationFailed:
    return ValidationFailed.single(field, code, message, message_id)


def _check_categories(categories: Collection[str]) -> list[str]:
    known = registry().categories
    if not categories:
        raise _invalid(
            "data_categories",
            "required",
            "Name at least one category of data involved",
            "Sebutkan minimal satu kategori data yang terlibat",
        )
    unknown = sorted(set(categories) - set(known))
    if unknown:
        raise _invalid(
            "data_categories",
            "choice_invalid",
            f"Unknown data categories: {', '.join(unknown)}",
            f"Kategori data tidak dikenal: {', '.join(unknown)}",
        )
    return sorted(set(categories))


def record_incident(
    *,
    title: str,
    description: str,
    detected_at: dt.datetime,
    data_categories: Collection[str],
    principal: Principal,
    occurred_at: dt.datetime | None = None,
    measures: str = "",
    public_notice: bool = False,
) -> Incident:
    """Record a breach; its notice is due `breach_notice` hours (policy) after detection.

    `public_notice` marks a breach the public must also be told of (Pasal 46 ayat 3).
    Raises ValidationFailed naming the bad field; nothing is recorded then.
    """
    title, description = title.strip(), description.strip()
    if not title or len(title) > 200:
        raise _invalid(
            "title",
            "required",
            "A title (up to 200 characters) is required",
            "Judul wajib diisi (maksimal 200 karakter)",
        )
    if not description:
        raise _invalid(
            "description", "required", "Describe what happened", "Uraikan apa yang terjadi"
        )
    now = clock.now()
    for name, value in (("detected_at", detected_at), ("occurred_at", occurred_at)):
        if value is None:
            continue
        if value.tzinfo is None:
            raise _invalid(name, "naive_datetime", "Needs a time zone", "Perlu zona waktu")
        if value > now:
            raise _invalid(
                name, "date_in_future", "Cannot be in the future", "Tidak boleh di masa depan"
            )
    if occurred_at is not None and occurred_at > detected_at:
        raise _invalid(
            "occurred_at",
            "after_detection",
            "It cannot occur after its detection",
            "Kejadian tidak boleh setelah terdeteksi",
        )
    categories = _check_categories(data_categories)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            description=description,
            detected_at=detected_at,
            occurred_at=occurred_at,
            data_categories=categories,
            measures=measures.strip(),
            public_notice=public_notice,
            notice_due_at=detected_at + policy().breach_notice.delta,
            recorded_by=principal.username,
            recorded_at=now,
        )
        audit.record(
            "privacy.incident.recorded",
            actor=principal.actor,
            subject_type="incident",
            subject_ids=[incident.pk],
            changes={"categories": categories, "notice_due_at": incident.notice_due_at.isoformat()},
        )
    return incident


def _locked(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("Incident not found", code="incident_not_found")
    return incident


def _ensure_not_closed(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("The incident is closed", code="incident_closed")


def add_subjects(*, incident_id: int, idpels: Collection[str], principal: Principal) -> int:
    """Link the owners of these accounts to the incident; returns how many were new.

    Every IDPEL must exist (all or nothing): an unknown one is refused naming its position.
    """
    if not idpels or len(idpels) > MAX_SUBJECTS_PER_CALL:
        raise _invalid(
            "idpels",
            "count_out_of_range",
            f"Give 1 to {MAX_SUBJECTS_PER_CALL} IDPELs",
            f"Berikan 1 sampai {MAX_SUBJECTS_PER_CALL} IDPEL",
        )
    person_ids = set()
    for position, idpel in enumerate(idpels):
        try:
            person_ids.add(customer_privacy.person_id_for(idpel=idpel, principal=principal))
        except NotFound as exc:
            raise _invalid(
                f"idpels.{position}",
                "idpel_unknown",
                "No account has this IDPEL",
                "Tidak ada rekening dengan IDPEL ini",
            ) from exc
    with transaction.atomic():
        incident = _locked(incident_id)
        _ensure_not_closed(incident)
        existing = set(incident.subjects.values_list("person_id", flat=True))
        new = sorted(person_ids - existing)
        now = clock.now()
        IncidentSubject.objects.bulk_create(
            IncidentSubject(incident=incident, person_id=p, added_at=now) for p in new
        )
        if new:
            audit.record(
                "privacy.incident.subjects_added",
                actor=principal.actor,
                subject_type="person",
                subject_ids=new,
                changes={"incident": incident.reference, "count": len(new)},
            )
    return len(new)


def update_handling(
    *, incident_id: int, principal: Principal, measures: str, status: str | None = None
) -> Incident:
    """Record what was done (containment, recovery) and optionally move to contained/closed."""
    if status is not None and status not in (IncidentStatus.CONTAINED, IncidentStatus.CLOSED):
        raise _invalid(
            "status",
            "choice_invalid",
            "Status can become contained or closed",
            "Status hanya dapat menjadi tertangani atau ditutup",
        )
    with transaction.atomic():
        incident = _locked(incident_id)
        _ensure_not_closed(incident)
        old_status = incident.status
        if measures.strip():
            incident.measures = measures.strip()
        if status == IncidentStatus.CLOSED:
            if incident.authority_notified_at is None or incident.subjects_notified_at is None:
                raise Conflict(
                    "Notify the subjects and the authority before closing",
                    code="notice_outstanding",
                )
            incident.closed_at = clock.now()
        if status is not None:
            incident.status = status
        incident.save()
        audit.record(
            "privacy.incident.updated",
            actor=principal.actor,
            subject_type="incident",
            subject_ids=[incident.pk],
            changes={
                "status": audit.change(old_status, incident.status),
                "measures": {"changed": bool(measures.strip())},
            },
        )
    return incident


def notify_authority(*, incident_id: int, principal: Principal) -> Incident:
    """Send the written notice to the PDP authority (through the outbox); idempotent."""
    with transaction.atomic():
        incident = _locked(incident_id)
        if incident.authority_notified_at is not None:
            return incident
        _ensure_ready(incident)
        incident.authority_notified_at = clock.now()
        _advance(incident)
        incident.save()
        outbox.publish(
            "privacy.breach.authority_notice",
            {"incident_id": incident.pk, "text": notice_text(incident, audience="authority")},
        )
        audit.record(
            "privacy.incident.authority_notified",
            actor=principal.actor,
            subject_type="incident",
            subject_ids=[incident.pk],
            changes={"late": incident.authority_notified_at > incident.notice_due_at},
        )
    return incident


def notify_subjects(*, incident_id: int, principal: Principal) -> int:
    """Notify every linked subject not yet notified; returns how many notices were queued."""
    with transaction.atomic():
        incident = _locked(incident_id)
        _ensure_ready(incident)
        pending = list(incident.subjects.filter(notified_at__isnull=True).order_by("person_id"))
        if not pending and incident.subjects_notified_at is not None:
            return 0
        if not incident.subjects.exists():
            raise Conflict("Link the affected subjects first", code="no_subjects")
        now = clock.now()
        text = notice_text(incident, audience="subject")
        for subject in pending:
            outbox.publish(
                "privacy.breach.subject_notice",
                {"incident_id": incident.pk, "person_id": subject.person_id, "text": text},
            )
        IncidentSubject.objects.filter(pk__in=[s.pk for s in pending]).update(notified_at=now)
        incident.subjects_notified_at = incident.subjects_notified_at or now
        _advance(incident)
        incident.save()
        if pending:
            audit.record(
                "privacy.incident.subjects_notified",
                actor=principal.actor,
                subject_type="person",
                subject_ids=[s.person_id for s in pending],
                changes={
                    "incident": incident.reference,
                    "count": len(pending),
                    "late": now > incident.notice_due_at,
                },
            )
    return len(pending)


def _ensure_ready(incident: Incident) -> None:
    _ensure_not_closed(incident)
    if not incident.measures.strip():
        raise Conflict(
            "Record the handling and recovery measures first: the notice must state them",
            code="measures_missing",
        )


def _advance(incident: Incident) -> None:
    if incident.authority_notified_at and incident.subjects_notified_at:
        incident.status = IncidentStatus.NOTIFIED


@dataclass(frozen=True)
class NoticeClock:
    due_at: dt.datetime
    hours_left: float
    overdue: bool
    outstanding: list[str]


def notice_clock(incident: Incident, *, now: dt.datetime) -> NoticeClock:
    """Where the 3 × 24-hour clock stands: what is still to be notified, and whether late."""
    outstanding = []
    if incident.authority_notified_at is None:
        outstanding.append("authority")
    if incident.subjects_notified_at is None:
        outstanding.append("subjects")
    hours = (incident.notice_due_at - now).total_seconds() / 3600
    return NoticeClock(incident.notice_due_at, hours, bool(outstanding) and hours < 0, outstanding)


def notice_text(incident: Incident, *, audience: str = "subject") -> str:
    """The written notice in Bahasa Indonesia (UU PDP Pasal 46 ayat 2): which data, when and
    how it was exposed, what was done about it, and whom to contact."""
    categories = registry().categories
    data = ", ".join(
        categories[c].label.lower() if c in categories else c for c in incident.data_categories
    )
    examples = sorted(
        {
            f.label.lower()
            for f in registry().fields
            if f.category in incident.data_categories and f.personal and f.context == "customers"
        }
    )
    opening = (
        "Yth. Pelanggan,\n\nKami memberitahukan bahwa telah terjadi kegagalan pelindungan data "
        "pribadi yang dapat melibatkan data Anda."
        if audience == "subject"
        else "Kepada Lembaga Pelindungan Data Pribadi,\n\nBersama ini kami menyampaikan "
        "pemberitahuan tertulis atas kegagalan pelindungan data pribadi sebagaimana dimaksud "
        "Pasal 46 UU Nomor 27 Tahun 2022."
    )
    when = (
        f"Kejadian: {waktu(incident.occurred_at)}. " if incident.occurred_at else ""
    ) + f"Terdeteksi: {waktu(incident.detected_at)}."
    parts = [
        opening,
        f"Apa yang terjadi: {incident.title}. {incident.description}",
        f"Waktu: {when}",
        f"Data yang terungkap: {data}"
        + (f" (dapat mencakup {', '.join(examples)})." if examples else "."),
        "Yang telah kami lakukan: "
        + (incident.measures or "penanganan dan pemulihan sedang berlangsung."),
    ]
    if audience == "authority":
        parts.append(f"Jumlah subjek data terdampak: {incident.subjects.count()}.")
    parts.append(
        "Jika Anda memiliki pertanyaan, hubungi " + policy().controller_contact + "."
        f" Nomor referensi: {incident.reference}."
    )
    return "\n\n".join(parts)
