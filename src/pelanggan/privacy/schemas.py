"""API schemas of the privacy context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class RequestIn(Schema):
    kind: str = Field(
        description="access, correction, deletion, consent_withdrawal, objection, restriction"
    )
    idpel: str = Field("", max_length=12, description="An account of the data subject")
    nik: str = Field("", max_length=20, description="Or the subject's NIK (kept out of URLs)")
    channel: str = "api"
    purpose: str = ""
    details: dict[str, Any] | None = Field(
        None,
        description="Correction only: field → correct value (full_name, nik, birth_date, "
        "gender, phone, phone_2, email, emergency_contacts)",
    )
    received_at: dt.datetime | None = None
    idempotency_key: str = Field("", max_length=64)


class RequestOut(Schema):
    id: int
    reference: str
    kind: str
    channel: str
    status: str
    purpose: str
    idpels: list[str]
    received_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None
    hours_left: float
    days_left: int
    overdue: bool
    handled_by: str


class RequestDetailOut(RequestOut):
    outcome: dict[str, Any]
    reason: str
    submitted_by: str


class NoteIn(Schema):
    note: str = Field("", max_length=400)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class IncidentIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    detected_at: dt.datetime
    occurred_at: dt.datetime | None = None
    data_categories: list[str]
    measures: str = Field("", max_length=5000)
    public_notice: bool = False


class HandlingIn(Schema):
    measures: str = Field("", max_length=5000)
    status: str | None = None


class SubjectsIn(Schema):
    idpels: list[str] = Field(min_length=1, max_length=5000)


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    status: str
    detected_at: dt.datetime
    data_categories: list[str]
    subjects: int
    public_notice: bool
    notice_due_at: dt.datetime
    hours_left: float
    overdue: bool
    outstanding: list[str]
    authority_notified_at: dt.datetime | None
    subjects_notified_at: dt.datetime | None


class NoticeOut(Schema):
    subject: str
    authority: str


class CountOut(Schema):
    count: int


class RegistryFieldOut(Schema):
    key: str
    context: str
    label: str
    label_en: str
    category: str
    classification: str
    purpose: str
    legal_basis: str
    retention: str
    erasure: str
    encrypted: bool
    export: bool
    blind_indexes: list[str]


class RetentionIn(Schema):
    dry_run: bool = True


class RuleOutcomeOut(Schema):
    rule: str
    record_kind: str
    action: str
    cutoff: dt.date | None
    count: int
    basis: str


class RetentionOut(Schema):
    as_of: dt.datetime
    dry_run: bool
    total: int
    outcomes: list[RuleOutcomeOut]
