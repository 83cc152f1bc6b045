"""The data subject's copy of what is held about them (UU PDP Pasal 7, 13 and 32): JSON for
machines and a readable PDF in Bahasa Indonesia, both including the processing log (rekam
jejak) — who opened, searched or changed their data, when, and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.privacy.formats import tanggal, waktu
from pelanggan.privacy.models import (
    DataSubjectRequest,
    IncidentSubject,
    RequestKind,
    RequestStatus,
)
from pelanggan.privacy.policy import policy
from pelanggan.privacy.registry import registry
from pelanggan.security.selectors import Principal

# Indonesian descriptions of the events a data subject is most likely to see in their log.
EVENT_LABELS = {
    "customers.customer.created": "Data pelanggan didaftarkan",
    "customers.person.updated": "Data pribadi diubah",
    "customers.address.changed": "Alamat persil diubah",
    "customers.account.status_changed": "Status rekening diubah",
    "customers.terms.changed": "Tarif atau daya diubah",
    "customers.consent.given": "Persetujuan diberikan",
    "customers.consent.withdrawn": "Persetujuan ditarik",
    "customers.record.viewed": "Data pelanggan dibuka (tampilan 360°)",
    "customers.search.performed": "Muncul di hasil pencarian petugas",
    "customers.person.erased": "Data pribadi dihapus",
    "customers.processing.limited": "Pemrosesan dibatasi",
    "customers.processing.resumed": "Pembatasan pemrosesan dicabut",
    "privacy.request.submitted": "Permintaan hak subjek data diterima",
    "privacy.request.started": "Permintaan hak subjek data diproses",
    "privacy.request.completed": "Permintaan hak subjek data diselesaikan",
    "privacy.request.refused": "Permintaan hak subjek data ditolak",
    "privacy.request.viewed": "Permintaan hak subjek data dibuka petugas",
    "privacy.export.generated": "Salinan data pribadi dibuat",
    "privacy.incident.subjects_added": "Tercatat terdampak insiden kebocoran data",
    "privacy.incident.subjects_notified": "Pemberitahuan insiden kebocoran data dikirim",
}
ACTOR_KINDS = {"staff": "Petugas", "system": "Sistem", "customer": "Pelanggan", "cli": "Operator"}
_MAX_LOG_ROWS = 20_000


def _matching_rows(subject_type: str, ids: Iterable[str]) -> list[AuditEvent]:
    wanted = set(ids)
    if not wanted:
        return []
    query = AuditEvent.objects.filter(subject_type=subject_type)
    if connection.vendor == "postgresql":
        condition = Q()
        for value in wanted:
            condition |= Q(subject_ids__contains=[value])
        query = query.filter(condition)
    else:
        # SQLite has no JSON containment: narrow by text, then check the list exactly.
        condition = Q()
        for value in wanted:
            condition |= Q(subject_ids__icontains=f'"{value}"')
        query = query.filter(condition)
    rows = query.order_by("seq")[:_MAX_LOG_ROWS]
    return [row for row in rows if wanted & set(row.subject_ids)]


def access_log(*, person_id: int) -> list[dict[str, Any]]:
    """Every audit event about the person or their accounts, oldest first."""
    idpels = customer_privacy.idpels_of(person_id)
    own = {*idpels, str(person_id)}
    rows = _matching_rows("account", idpels) + _matching_rows("person", [str(person_id)])
    described = audit.registered_events()
    rows.sort(key=lambda r: r.seq)
    return [
        {
            "occurred_at": row.occurred_at.isoformat(),
            "event_type": row.event_type,
            "description": EVENT_LABELS.get(
                row.event_type,
                described[row.event_type].description if row.event_type in described else "",
            ),
            "actor_kind": row.actor_kind,
            "actor": row.actor_label,
            "reason": row.reason,
            "request_id": row.request_id,
            # A search lists every account it hit: only the subject's own are theirs to see
            # (UU PDP Pasal 33: access must not reveal other people's data).
            "subjects": [s for s in row.subject_ids if s in own],
        }
        for row in rows
    ]


def build_export(*, person_id: int) -> dict[str, Any]:
    """Everything held about the person, the purposes it is held for, and the processing log."""
    data = customer_privacy.person_data(person_id)
    fields = registry()
    requests = [
        {
            "reference": r.reference,
            "kind": r.kind,
            "channel": r.channel,
            "status": r.status,
            "received_at": r.received_at.isoformat(),
            "due_at": r.due_at.isoformat(),
            "completed_at": r.completed_at.isoformat() if r.completed_at else None,
            "reason": r.reason,
        }
        for r in DataSubjectRequest.objects.filter(person_id=person_id).order_by("received_at")
    ]
    incidents = [
        {
            "reference": s.incident.reference,
            "title": s.incident.title,
            "detected_at": s.incident.detected_at.isoformat(),
            "notified_at": s.notified_at.isoformat() if s.notified_at else None,
        }
        for s in IncidentSubject.objects.filter(person_id=person_id).select_related("incident")
    ]
    return {
        "document": "Salinan data pribadi (UU 27/2022 Pasal 7, 13 dan 32)",
        "generated_at": clock.now().isoformat(),
        "controller_contact": policy().controller_contact,
        "data": data,
        "purposes": [
            {
                "field": f.key,
                "label": f.label,
                "classification": f.classification,
                "purpose": f.purpose,
                "legal_basis": f.legal_basis,
                "retention": f.retention,
            }
            for f in fields.fields
            if f.export and f.personal and f.context == "customers"
        ],
        "access_log": access_log(person_id=person_id),
        "privacy_requests": requests,
        "incidents": incidents,
    }


def export_json(export: dict[str, Any]) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=False).encode()


# ------------------------------------------------------------------------------- PDF


def _latin1(text: Any) -> str:
    """The PDF's core font covers Latin-1; anything else is shown as '?' rather than lost."""
    return (
        str("-" if text is None or text == "" else text)
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def export_pdf(export: dict[str, Any]) -> bytes:
    """A readable PDF of the export, in Bahasa Indonesia."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("Salinan data pribadi")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)

    def line(label: str, value: Any) -> None:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(50, 5, _latin1(label))
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(width - 50, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(width, 8, "Salinan Data Pribadi", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    generated = clock.now()
    pdf.multi_cell(
        width,
        5,
        _latin1(
            f"Dibuat {waktu(generated)} berdasarkan UU 27/2022 tentang Pelindungan Data Pribadi "
            "(Pasal 7, 13 dan 32). Kontak: " + export["controller_contact"]
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    data = export["data"]
    person = data["person"]
    heading("1. Identitas")
    line("Nama lengkap", person["full_name"])
    line("NIK", person["nik"])
    line("Tanggal lahir", tanggal(_date(person["birth_date"])))
    line("Jenis kelamin", {"M": "Laki-laki", "F": "Perempuan"}.get(person["gender"] or "", "-"))
    line("E-mail", person["email"])
    line("Telepon", ", ".join(p["number"] for p in data["phones"]) or "-")
    for contact in data["emergency_contacts"]:
        line("Kontak darurat", f"{contact['name']} ({contact['relationship']}) {contact['phone']}")
    heading("2. Rekening dan persil")
    for account in data["accounts"]:
        premise = account["premise"]
        line("IDPEL", f"{account['idpel']} - {account['status']} - {account['ulp']['name']}")
        line(
            "Alamat persil",
            f"{premise['street']}, RT {premise['rt'] or '-'}/RW {premise['rw'] or '-'}, "
            f"{premise['kelurahan']}, {premise['kecamatan']}, {premise['kabupaten_kota']}, "
            f"{premise['provinsi']} {premise['postal_code']}",
        )
        if premise["latitude"]:
            line("Koordinat", f"{premise['latitude']}, {premise['longitude']}")
        for conn in account["connections"]:
            terms = conn["terms"][-1] if conn["terms"] else {}
            line(
                "Sambungan",
                f"{conn['utility']} meter {conn['meter_number']} "
                f"{terms.get('tariff_group') or terms.get('customer_group') or ''} "
                f"{terms.get('daya_va') or ''}",
            )
        pdf.ln(1)
    heading("3. Persetujuan dan pembatasan")
    for consent in data["consents"]:
        status = (
            f"ditarik {tanggal(_date(consent['withdrawn_at']))}"
            if consent["withdrawn_at"]
            else "aktif"
        )
        line(
            customer_privacy.PURPOSES.get(consent["purpose"], consent["purpose"]),
            f"diberikan {tanggal(_date(consent['given_at']))}, {status}",
        )
    for limit in data["processing_limits"]:
        line(
            customer_privacy.LIMIT_KINDS.get(limit["kind"], limit["kind"]),
            f"{limit['purpose'] or 'semua pemrosesan'} sejak {tanggal(_date(limit['started_at']))}",
        )
    if not data["consents"] and not data["processing_limits"]:
        pdf.multi_cell(width, 5, "Tidak ada.", new_x="LMARGIN", new_y="NEXT")
    heading("4. Tujuan dan dasar pemrosesan")
    for item in export["purposes"]:
        line(item["label"], f"{item['purpose']}. Dasar: {item['legal_basis']}")
    heading("5. Rekam jejak akses dan pemrosesan")
    if not export["access_log"]:
        pdf.multi_cell(width, 5, "Tidak ada catatan.", new_x="LMARGIN", new_y="NEXT")
    for entry in export["access_log"]:
        actor = f"{ACTOR_KINDS.get(entry['actor_kind'], entry['actor_kind'])} {entry['actor']}"
        reason = f" Alasan: {entry['reason']}" if entry["reason"] else ""
        pdf.multi_cell(
            width,
            5,
            _latin1(
                f"{waktu(_datetime(entry['occurred_at']))} - {actor}: {entry['description']}."
                f"{reason}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    heading("6. Permintaan hak subjek data")
    for req in export["privacy_requests"]:
        line(
            req["reference"],
            f"{req['kind']} - {req['status']} - {waktu(_datetime(req['received_at']))}",
        )
    if export["incidents"]:
        heading("7. Insiden kebocoran data yang melibatkan Anda")
        for inc in export["incidents"]:
            line(
                inc["reference"],
                f"{inc['title']} (terdeteksi {waktu(_datetime(inc['detected_at']))})",
            )
    return bytes(pdf.output())


def _date(value: str | None) -> Any:
    import datetime as dt

    if not value:
        return None
    return (
        dt.date.fromisoformat(value[:10]) if len(value) <= 10 else dt.datetime.fromisoformat(value)
    )


def _datetime(value: str | None) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(value) if value else None


def export_for_request(
    *, request_id: int, principal: Principal, fmt: str
) -> tuple[str, str, bytes]:
    """The subject's copy for an access request, as (file name, content type, bytes); audited.

    Raises NotFound for an unknown request, Conflict when the request is not an access
    request that is being handled or completed, ValidationFailed for an unknown format.
    """
    if fmt not in ("json", "pdf"):
        raise ValidationFailed.single("format", "choice_invalid", "Format is json or pdf")
    with transaction.atomic():
        request = DataSubjectRequest.objects.filter(pk=request_id).first()
        if request is None:
            raise NotFound("Request not found", code="request_not_found")
        if request.kind != RequestKind.ACCESS or request.status not in (
            RequestStatus.IN_PROGRESS,
            RequestStatus.COMPLETED,
        ):
            raise Conflict(
                "An export is given for an access request in progress or completed",
                code="export_not_available",
            )
        export = build_export(person_id=request.person_id)
        audit.record(
            "privacy.export.generated",
            actor=principal.actor,
            subject_type="person",
            subject_ids=[request.person_id],
            changes={"request": request.reference, "format": fmt},
        )
    name = f"data-pribadi-{request.reference}.{fmt}"
    if fmt == "json":
        return name, "application/json", export_json(export)
    return name, "application/pdf", export_pdf(export)
