"""Applies the retention policy (policy data, one rule per record kind).

`apply_retention(dry_run=True)` finds what each rule would anonymise, erase or delete and
changes nothing; without dry run it does it, all rules in one transaction with one audit
record of the counts. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from pelanggan.customers.services import privacy as customer_privacy
from pelanggan.platform import audit, clock
from pelanggan.privacy.models import DataSubjectRequest, Incident, IncidentSubject
from pelanggan.privacy.policy import RetentionRule, policy
from pelanggan.privacy.registry import registry


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    record_kind: str
    action: str
    cutoff: dt.date | None
    record_ids: list[int] = field(default_factory=list)
    basis: str = ""

    @property
    def count(self) -> int:
        return len(self.record_ids)


@dataclass(frozen=True)
class RetentionReport:
    as_of: dt.datetime
    dry_run: bool
    outcomes: list[RuleOutcome]

    @property
    def total(self) -> int:
        return sum(o.count for o in self.outcomes)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=clock.WIB)


def _candidates(rule: RetentionRule, cutoff: dt.date) -> list[int]:
    moment = _start_of(cutoff)
    if rule.action == "anonymise_owner":
        return customer_privacy.anonymisation_candidates(ended_before=cutoff)
    if rule.action == "erase_details":
        return list(
            DataSubjectRequest.objects.filter(completed_at__lt=moment, details__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if rule.action == "delete" and rule.record_kind == "customers.dataqualityfinding":
        return customer_privacy.resolved_findings_before(moment)
    if rule.action == "unlink_subjects":
        return list(
            Incident.objects.filter(closed_at__lt=moment, subjects__isnull=False)
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    raise ValueError(f"retention rule {rule.rule}: no job for {rule.action} on {rule.record_kind}")


def _apply(rule: RetentionRule, ids: list[int], actor: audit.Actor) -> None:
    if rule.action == "anonymise_owner":
        fields = registry()
        keys = fields.by_erasure("erase_on_request", context="customers") | fields.by_erasure(
            "retain_with_account", context="customers"
        )
        for person_id in ids:
            customer_privacy.erase_person(
                person_id=person_id,
                keys=keys,
                actor=actor,
                reason=f"retensi: {rule.rule}",
                complete=True,
            )
    elif rule.action == "erase_details":
        DataSubjectRequest.objects.filter(pk__in=ids).update(details=None)
    elif rule.action == "delete":
        customer_privacy.delete_findings(ids)
    elif rule.action == "unlink_subjects":
        IncidentSubject.objects.filter(incident_id__in=ids).delete()


def apply_retention(*, dry_run: bool, actor: audit.Actor) -> RetentionReport:
    """Apply every retention rule as of now (WIB date); a dry run only reports."""
    now = clock.now()
    today = clock.today_wib()
    outcomes = []
    with transaction.atomic():
        for rule in policy().retention:
            cutoff = rule.cutoff(today)
            ids = [] if cutoff is None else _candidates(rule, cutoff)
            outcomes.append(
                RuleOutcome(rule.rule, rule.record_kind, rule.action, cutoff, ids, rule.basis)
            )
            if not dry_run and ids:
                _apply(rule, ids, actor)
        report = RetentionReport(now, dry_run, outcomes)
        if not dry_run:
            audit.record(
                "privacy.retention.applied",
                actor=actor,
                subject_type="retention",
                subject_ids=[o.rule for o in outcomes if o.count],
                changes={o.rule: o.count for o in outcomes},
            )
    return report
