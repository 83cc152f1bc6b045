"""Data-subject requests (UU PDP Pasal 6-11 and 14): intake with a statutory deadline, then one
workflow per right. Each step runs in one transaction with its audit record; a rejected step
changes nothing.

The customer portal calls `submit_request(...)` with channel "portal" and the customer's actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from pelanggan.customers import services as customer_services
from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.metering.services import erasure as metering_erasure
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.privacy.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from pelanggan.privacy.policy import policy
from pelanggan.privacy.registry import registry
from pelanggan.security.selectors import Principal

CORRECTABLE = frozenset(
    {"full_name", "nik", "birth_date", "gender", "phone", "phone_2", "email", "emergency_contacts"}
)
NEEDS_PURPOSE = frozenset({RequestKind.CONSENT_WITHDRAWAL, RequestKind.OBJECTION})


def _invalid(field: str, code: str, message: str, message_id: str) -> ValidationFailed:
    return ValidationFailed.single(field, code, message, message_id)


def _check_details(kind: str, details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if kind != RequestKind.CORRECTION:
        if details:
            raise _invalid(
                "details",
                "details_not_expected",
                "Only a correction request carries details",
                "Hanya permintaan pembetulan yang memuat rincian",
            )
        return None
    if not details:
        raise _invalid(
            "details",
            "details_required",
            "Say which data to correct and the correct values",
            "Sebutkan data yang dibetulkan dan nilai yang benar",
        )
    unknown = sorted(set(details) - CORRECTABLE)
    if unknown:
        raise _invalid(
            "details",
            "field_not_correctable",
            f"These fields cannot be corrected here: {', '.join(unknown)}",
            f"Kolom berikut tidak dapat dibetulkan di sini: {', '.join(unknown)}",
        )
    for name, value in details.items():
        ok = (
            isinstance(value, list) and all(isinstance(c, dict) for c in value)
            if name == "emergency_contacts"
            else isinstance(value, str) and len(value) <= 200
        )
        if not ok:
            raise _invalid(
                f"details.{name}",
                "value_invalid",
                "The value has the wrong type or is too long",
                "Nilai salah jenis atau terlalu panjang",
            )
    return dict(details)


def _check_purpose(kind: str, purpose: str) -> None:
    if purpose and purpose not in customer_privacy.PURPOSES:
        raise _invalid(
            "purpose", "choice_invalid", "Unknown processing purpose", "Tujuan tidak dikenal"
        )
    if kind in NEEDS_PURPOSE and not purpose:
        raise _invalid(
            "purpose",
            "purpose_required",
            "Name the processing purpose",
            "Sebutkan tujuan pemrosesan",
        )
    if kind in (RequestKind.ACCESS, RequestKind.CORRECTION, RequestKind.DELETION) and purpose:
        raise _invalid(
            "purpose",
            "purpose_not_expected",
            "This kind of request has no purpose",
            "Jenis permintaan ini tidak memakai tujuan",
        )


def deadline_for(kind: str, received_at: dt.datetime) -> dt.datetime:
    """The statutory deadline: receipt plus the hours the policy gives this right."""
    return received_at + policy().request_deadlines[kind].delta


def submit_request(
    *,
    kind: str,
    person_id: int,
    channel: str,
    actor: audit.Actor,
    idpel: str = "",
    purpose: str = "",
    details: Mapping[str, Any] | None = None,
    received_at: dt.datetime | None = None,
    idempotency_key: str = "",
) -> DataSubjectRequest:
    """Record a data-subject request and start its statutory clock.

    `received_at` defaults to now (a letter received earlier may give its date; never in the
    future). With an `idempotency_key` the same submission returns the first request; another
    submission under the same key is refused with Conflict. Raises ValidationFailed for bad
    input, NotFound for an unknown person, Conflict for an anonymised one.
    """
    if kind not in RequestKind.values:
        raise _invalid("kind", "choice_invalid", "Unknown request kind", "Jenis tidak dikenal")
    if channel not in RequestChannel.values:
        raise _invalid("channel", "choice_invalid", "Unknown channel", "Saluran tidak dikenal")
    if len(idempotency_key) > 64:
        raise _invalid(
            "idempotency_key", "too_long", "At most 64 characters", "Maksimal 64 karakter"
        )
    _check_purpose(kind, purpose)
    clean_details = _check_details(kind, details)
    now = clock.now()
    received = received_at or now
    if received.tzinfo is None:
        raise _invalid("received_at", "naive_datetime", "Needs a time zone", "Perlu zona waktu")
    if received > now:
        raise _invalid(
            "received_at",
            "date_in_future",
            "The receipt time cannot be in the future",
            "Waktu penerimaan tidak boleh di masa depan",
        )
    if not customer_privacy.person_exists(person_id):
        raise NotFound("Person not found", code="person_not_found")
    customer_privacy.ensure_not_erased(person_id)
    if idpel and idpel not in customer_privacy.idpels_of(person_id):
        raise _invalid(
            "idpel",
            "idpel_not_of_person",
            "The IDPEL is not an account of this person",
            "IDPEL bukan rekening orang ini",
        )
    with transaction.atomic():
        if idempotency_key:
            existing = DataSubjectRequest.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                same = (existing.kind, existing.person_id, existing.purpose, existing.details) == (
                    kind,
                    person_id,
                    purpose,
                    clean_details,
                )
                if not same:
                    raise Conflict(
                        "This idempotency key was used for another request",
                        code="idempotency_key_reused",
                    )
                return existing
        request = DataSubjectRequest.objects.create(
            kind=kind,
            person_id=person_id,
            idpel=idpel,
            channel=channel,
            purpose=purpose,
            details=clean_details,
            received_at=received,
            due_at=deadline_for(kind, received),
            submitted_by=actor.label[:150],
            idempotency_key=idempotency_key,
        )
        audit.record(
            "privacy.request.submitted",
            actor=actor,
            subject_type="person",
            subject_ids=[person_id],
            changes={
                "request": request.reference,
                "kind": kind,
                "channel": channel,
                "purpose": purpose,
                "details": {"fields": sorted(clean_details)} if clean_details else None,
                "due_at": request.due_at.isoformat(),
            },
        )
    return request


def _locked(request_id: int) -> DataSubjectRequest:
    request = DataSubjectRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound("Request not found", code="request_not_found")
    return request


def _ensure_open(request: DataSubjectRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise Conflict(f"The request is already {request.status}", code="request_closed")


def start_request(*, request_id: int, principal: Principal) -> DataSubjectRequest:
    """Take a request in hand: status in progress, handled by the caller."""
    with transaction.atomic():
        request = _locked(request_id)
        _ensure_open(request)
        if request.status == RequestStatus.IN_PROGRESS and request.handled_by_id == (
            principal.user_id
        ):
            return request
        request.status = RequestStatus.IN_PROGRESS
        request.handled_by_id = principal.user_id
        request.save(update_fields=["status", "handled_by"])
        audit.record(
            "privacy.request.started",
            actor=principal.actor,
            subject_type="person",
            subject_ids=[request.person_id],
            changes={"request": request.reference},
        )
    return request


def refuse_request(*, request_id: int, principal: Principal, reason: str) -> DataSubjectRequest:
    """Refuse a request with its ground (e.g. UU PDP Pasal 15 or 33); the reason is recorded."""
    if not reason.strip():
        raise _invalid("reason", "reason_required", "A reason is required", "Alasan wajib diisi")
    with transaction.atomic():
        request = _locked(request_id)
        _ensure_open(request)
        request.status = RequestStatus.REFUSED
        request.handled_by_id = principal.user_id
        request.completed_at = clock.now()
        request.reason = reason.strip()[:500]
        request.save(update_fields=["status", "handled_by", "completed_at", "reason"])
        audit.record(
            "privacy.request.refused",
            actor=principal.actor,
            subject_type="person",
            subject_ids=[request.person_id],
            changes={"request": request.reference},
            reason=request.reason,
        )
        _tell_subject(request)
    return request


def _tell_subject(request: DataSubjectRequest) -> None:
    """The subject is told the outcome (UU PDP Pasal 41): the notifications context delivers
    `privacy.request.closed` after commit. Ids and codes only."""
    outbox.publish(
        "privacy.request.closed",
        {
            "request": request.reference,
            "person_id": request.person_id,
            "kind": request.kind,
            "status": request.status,
        },
    )


def complete_request(
    *, request_id: int, principal: Principal, note: str = ""
) -> DataSubjectRequest:
    """Carry out the right the request asks for and close it.

    access: checks the export can be produced (the subject's copy is downloaded with
    `exports.export_for_request`); correction: applies the requested values through the
    customer master's validated `update_person`; deletion: erases identifiers, keeps what a
    retention duty still covers and records why; consent withdrawal: ends the consent;
    objection / restriction: records the limit that selectors honour. Raises Conflict when the
    request is closed, ValidationFailed when the correction is invalid (nothing changes).
    """
    with transaction.atomic():
        request = _locked(request_id)
        _ensure_open(request)
        customer_privacy.ensure_not_erased(request.person_id)
        handler = _HANDLERS[request.kind]
        outcome, reason = handler(request, principal)
        request.status = RequestStatus.COMPLETED
        request.handled_by_id = principal.user_id
        request.completed_at = clock.now()
        request.outcome = outcome
        request.reason = "; ".join(r for r in (reason, note.strip()) if r)[:500]
        request.save()
        audit.record(
            "privacy.request.completed",
            actor=principal.actor,
            subject_type="person",
            subject_ids=[request.person_id],
            changes={"request": request.reference, "kind": request.kind, "outcome": outcome},
            reason=request.reason,
        )
        _tell_subject(request)
    return request


Outcome = tuple[dict[str, Any], str]


def _access(request: DataSubjectRequest, principal: Principal) -> Outcome:
    from pelanggan.privacy.services.exports import build_export

    export = build_export(person_id=request.person_id)
    return (
        {
            "accounts": len(export["data"]["accounts"]),
            "access_log_entries": len(export["access_log"]),
            "formats": ["json", "pdf"],
        },
        "",
    )


def _correction(request: DataSubjectRequest, principal: Principal) -> Outcome:
    details = dict(request.details or {})
    idpel = request.idpel or next(iter(customer_privacy.idpels_of(request.person_id)), "")
    if not idpel:
        raise Conflict("The person has no account to correct", code="no_account")
    customer_services.update_person(
        idpel=idpel,
        change=customer_services.PersonChange(**details),
        principal=principal,
        reason=request.reference,
    )
    return {"corrected_fields": sorted(details)}, ""


def _deletion(request: DataSubjectRequest, principal: Principal) -> Outcome:
    rules = policy()
    fields = registry()
    rule = rules.rule("account_records")
    cutoff = rule.cutoff(clock.today_wib())
    accounts = customer_privacy.account_retention(request.person_id)
    retained = [
        a.idpel for a in accounts if a.ended_on is None or cutoff is None or a.ended_on >= cutoff
    ]
    erase = set(fields.by_erasure("erase_on_request", context="customers"))
    with_account = set(fields.by_erasure("retain_with_account", context="customers"))
    keys = erase if retained else erase | with_account
    withdrawn = [
        purpose
        for purpose in customer_privacy.PURPOSES
        if customer_privacy.withdraw_person_consent(
            person_id=request.person_id,
            purpose=purpose,
            actor=principal.actor,
            reason=request.reference,
        )
        is not None
    ]
    # The phone a two-way meter's pairing carries goes too (the pairing record itself stays).
    metering_erasure.erase_customer_phone(
        idpels=customer_privacy.idpels_of(request.person_id),
        actor=principal.actor,
        reason=request.reference,
        request_ref=request.reference,
    )
    result = customer_privacy.erase_person(
        person_id=request.person_id,
        keys=keys,
        actor=principal.actor,
        reason=request.reference,
        complete=not retained,
        request_ref=request.reference,
    )
    # Details of the subject's earlier requests (e.g. corrected values) go with the rest.
    DataSubjectRequest.objects.filter(person_id=request.person_id).exclude(pk=request.pk).exclude(
        status__in=OPEN_STATUSES
    ).update(details=None)
    reason = ""
    if retained:
        reason = (
            f"Disimpan karena kewajiban retensi ({rule.rule}: {rule.years} tahun setelah "
            f"layanan berakhir; {rule.basis}): rekening {', '.join(retained)}"
        )
    outcome = {
        "erased": result.erased,
        "retained_fields": sorted(with_account) if retained else [],
        "accounts_retained": retained,
        "retention_rule": rule.rule if retained else "",
        "premises_kept_shared": result.premises_kept,
        "consents_withdrawn": withdrawn,
        # Registered as erasable in contexts that offer no erasure service yet: the privacy
        # officer follows these up by hand.
        "pending_other_contexts": sorted(
            k
            for k in fields.by_erasure("erase_on_request")
            if not k.startswith(("customers.", "metering."))
        ),
    }
    return outcome, reason


def _consent_withdrawal(request: DataSubjectRequest, principal: Principal) -> Outcome:
    consent = customer_privacy.withdraw_person_consent(
        person_id=request.person_id,
        purpose=request.purpose,
        actor=principal.actor,
        reason=request.reference,
    )
    if consent is None:
        return {"consent_withdrawn": False}, "Tidak ada persetujuan aktif untuk tujuan ini"
    return {"consent_withdrawn": True, "purpose": request.purpose}, ""


def _limit(kind: str) -> Any:
    def handle(request: DataSubjectRequest, principal: Principal) -> Outcome:
        customer_privacy.limit_processing(
            person_id=request.person_id,
            kind=kind,
            purpose=request.purpose,
            actor=principal.actor,
            reason=request.reference,
            request_ref=request.reference,
        )
        return {"limit": kind, "purpose": request.purpose}, ""

    return handle


_HANDLERS: dict[str, Callable[[DataSubjectRequest, Principal], Outcome]] = {
    RequestKind.ACCESS: _access,
    RequestKind.CORRECTION: _correction,
    RequestKind.DELETION: _deletion,
    RequestKind.CONSENT_WITHDRAWAL: _consent_withdrawal,
    RequestKind.OBJECTION: _limit("objection"),
    RequestKind.RESTRICTION: _limit("restriction"),
}
