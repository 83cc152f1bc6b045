"""Access-anomaly detection: staff reading customer data in ways that need a second look.

Three rules, each evaluated on every audited read of a customer record (360 page, API record,
reveal) through `observe_read`:

- **volume**: a staff member opened more distinct customers than `alert_at` within the sliding
  window; past `suspend_at` the account is suspended at once, pending review;
- **off_hours**: a read outside the staff member's working hours (WIB), configured per ULP, per
  role, or by default;
- **new_area**: a read of a customer in a ULP the staff member has not read in the last
  `lookback_days` (once they have any history at all: a newcomer's first area is their area).

Why on each read and not in a periodic job: suspension must stop a bulk scrape while it is
happening, not after the next job run, and the check is cheap. It reads small indexed counter
tables (`oversight.CustomerAccess`, one row per staff member, customer and 5-minute bucket;
`oversight.AreaSeen`, one row per staff member and ULP): a handful of indexed statements per
read, never a scan of the audit trail. Counters older than the window are pruned as new buckets
start. Alerts go to the privacy officer (`oversight.Alert`, one open alert per staff member and
kind); raising one is audited. Nothing here stores personal data: staff ids, IDPELs, unit ids.

Thresholds and hours come from the `PELANGGAN_ANOMALY` setting (merged over `DEFAULTS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from pelanggan.oversight.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    AreaSeen,
    CustomerAccess,
)
from pelanggan.platform import audit, clock
from pelanggan.platform.errors import PermissionDenied
from pelanggan.security.models import Unit
from pelanggan.security.selectors import Principal

DEFAULTS: dict[str, Any] = {
    "volume": {"window_minutes": 60, "bucket_minutes": 5, "alert_at": 40, "suspend_at": 120},
    # Working hours in WIB; weekday numbers as Python's (Monday 0 … Sunday 6); end exclusive,
    # "24:00" for midnight. A contact centre works around the clock, so no hours apply until a
    # site configures them: e.g. {"default": {"days": [0, 1, 2, 3, 4], "start": "07:30",
    # "end": "16:30"}, "roles": {"agent": {...}}, "units": {"53110": {...}}}.
    "hours": {"default": None, "roles": {}, "units": {}},
    "area": {"lookback_days": 30},
}


class AccountSuspended(PermissionDenied):
    """The read crossed the suspension threshold: the account is suspended pending review."""

    default_code = "account_suspended"


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int]
    start: dt.time
    end: dt.time | None  # None: until midnight

    def covers(self, moment_wib: dt.datetime) -> bool:
        if moment_wib.weekday() not in self.days:
            return False
        local = moment_wib.time()
        return local >= self.start and (self.end is None or local < self.end)


def rules() -> dict[str, Any]:
    """The effective configuration: `PELANGGAN_ANOMALY` merged section by section over DEFAULTS."""
    configured = getattr(settings, "PELANGGAN_ANOMALY", {}) or {}
    merged: dict[str, Any] = {}
    for section, defaults in DEFAULTS.items():
        merged[section] = {**defaults, **configured.get(section, {})}
    return merged


def _parse_hours(spec: dict[str, Any]) -> WorkingHours:
    start = dt.time.fromisoformat(spec.get("start", "00:00"))
    end_text = spec.get("end", "24:00")
    end = None if end_text in ("24:00", "00:00") else dt.time.fromisoformat(end_text)
    return WorkingHours(frozenset(int(d) for d in spec.get("days", range(7))), start, end)


def working_hours(principal: Principal, hours_rules: dict[str, Any]) -> WorkingHours | None:
    """Hours of a ULP the staff member works in (lowest code first), else of their role, else
    the default; None when none is configured (no off-hours rule for them)."""
    by_unit: dict[str, Any] = hours_rules.get("units", {})
    if by_unit and principal.ulp_ids:
        codes = sorted(Unit.objects.filter(id__in=principal.ulp_ids).values_list("code", flat=True))
        for code in codes:
            if code in by_unit:
                return _parse_hours(by_unit[code])
    by_role: dict[str, Any] = hours_rules.get("roles", {})
    if principal.role in by_role:
        return _parse_hours(by_role[principal.role])
    default = hours_rules.get("default")
    return _parse_hours(default) if default else None


def _bucket(moment: dt.datetime, minutes: int) -> dt.datetime:
    epoch = int(moment.timestamp())
    size = max(1, minutes) * 60
    return dt.datetime.fromtimestamp(epoch - epoch % size, tz=dt.UTC)


def _count_distinct(principal: Principal, account_key: str, now: dt.datetime, cfg: Any) -> int:
    """Note this read in its bucket and count the distinct customers in the window."""
    window_start = now - dt.timedelta(minutes=int(cfg["window_minutes"]))
    bucket = _bucket(now, int(cfg["bucket_minutes"]))
    try:
        with transaction.atomic():
            _, created = CustomerAccess.objects.get_or_create(
                staff_user_id=principal.user_id, account_key=account_key, bucket_start=bucket
            )
    except IntegrityError:  # a concurrent request noted the same read
        created = False
    if created:
        CustomerAccess.objects.filter(
            staff_user_id=principal.user_id,
            bucket_start__lt=window_start - dt.timedelta(minutes=int(cfg["bucket_minutes"])),
        ).delete()
    return (
        CustomerAccess.objects.filter(
            staff_user_id=principal.user_id, bucket_start__gte=_bucket(window_start, 1)
        )
        .values("account_key")
        .distinct()
        .count()
    )


def _new_area(principal: Principal, ulp_id: int, now: dt.datetime, cfg: Any) -> bool:
    """True when the ULP was not read in the lookback period although the staff member has a
    history; updates the staff member's area record either way."""
    lookback = now - dt.timedelta(days=int(cfg["lookback_days"]))
    seen = AreaSeen.objects.filter(staff_user_id=principal.user_id)
    here = seen.filter(ulp_id=ulp_id).first()
    has_history = here is not None or seen.exists()
    unusual = has_history and (here is None or here.last_seen_at < lookback)
    if here is None:
        AreaSeen.objects.create(
            staff_user_id=principal.user_id, ulp_id=ulp_id, first_seen_at=now, last_seen_at=now
        )
    elif here.last_seen_at != now:
        AreaSeen.objects.filter(pk=here.pk).update(last_seen_at=now)
    return unusual


def _raise_alert(
    principal: Principal,
    *,
    kind: str,
    severity: str,
    details: dict[str, Any],
    now: dt.datetime,
    suspended: bool = False,
) -> Alert:
    """Open an alert or update the open one of that kind; a new or escalated alert is audited."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .filter(staff_user_id=principal.user_id, kind=kind, status=AlertStatus.OPEN)
            .first()
        )
        escalated = False
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        staff_user_id=principal.user_id,
                        staff_label=principal.username,
                        kind=kind,
                        severity=severity,
                        raised_at=now,
                        last_seen_at=now,
                        details=details,
                        staff_suspended=suspended,
                    )
                escalated = True
            except IntegrityError:  # a concurrent read opened it first: update that one
                alert = Alert.objects.select_for_update().get(
                    staff_user_id=principal.user_id, kind=kind, status=AlertStatus.OPEN
                )
        if not escalated:
            escalated = severity == AlertSeverity.CRITICAL and (
                alert.severity != AlertSeverity.CRITICAL
            )
            alert.occurrences += 1
            alert.last_seen_at = now
            alert.details = details
            if escalated:
                alert.severity = severity
                alert.staff_suspended = alert.staff_suspended or suspended
            alert.save(
                update_fields=[
                    "occurrences", "last_seen_at", "details", "severity", "staff_suspended"
                ]
            )  # fmt: skip
        if escalated:
            audit.record(
                "oversight.alert.raised",
                actor=audit.Actor.system("anomaly-detection"),
                subject_type="staff",
                subject_ids=[principal.user_id],
                changes={"alert_id": alert.pk, "kind": kind, "severity": severity, **details},
            )
    return alert


def observe_read(*, principal: Principal, account_key: str, ulp_id: int | None) -> None:
    """Evaluate the rules for one audited read of a customer by a staff member.

    Raises `AccountSuspended` (403) when this read crosses the suspension threshold: the
    account has been suspended through `security.services.suspend_staff` and the data is not
    returned.
    """
    now = clock.now()
    config = rules()
    volume = config["volume"]
    distinct = _count_distinct(principal, account_key, now, volume)
    volume_details = {
        "distinct_customers": distinct,
        "window_minutes": int(volume["window_minutes"]),
        "alert_at": int(volume["alert_at"]),
        "suspend_at": int(volume["suspend_at"]),
    }
    if distinct >= int(volume["suspend_at"]):
        _suspend(principal, volume_details, now)
        raise AccountSuspended(
            "Your account was suspended pending review: unusually many customers were opened"
        )
    if distinct >= int(volume["alert_at"]):
        _raise_alert(
            principal,
            kind=AlertKind.VOLUME,
            severity=AlertSeverity.WARNING,
            details=volume_details,
            now=now,
        )
    hours = working_hours(principal, config["hours"])
    local = clock.to_wib(now)
    if hours is not None and not hours.covers(local):
        _raise_alert(
            principal,
            kind=AlertKind.OFF_HOURS,
            severity=AlertSeverity.WARNING,
            details={"local_time": local.strftime("%Y-%m-%d %H:%M WIB")},
            now=now,
        )
    if ulp_id is not None and _new_area(principal, ulp_id, now, config["area"]):
        _raise_alert(
            principal,
            kind=AlertKind.NEW_AREA,
            severity=AlertSeverity.WARNING,
            details={
                "ulp_code": Unit.objects.filter(pk=ulp_id).values_list("code", flat=True).first(),
                "lookback_days": int(config["area"]["lookback_days"]),
            },
            now=now,
        )


def _suspend(principal: Principal, details: dict[str, Any], now: dt.datetime) -> None:
    from pelanggan.security import services

    alert = _raise_alert(
        principal,
        kind=AlertKind.VOLUME,
        severity=AlertSeverity.CRITICAL,
        details=details,
        now=now,
        suspended=True,
    )
    services.suspend_staff(
        principal.user_id,
        reason=f"Access anomaly alert {alert.pk}: {details['distinct_customers']} customers "
        f"opened within {details['window_minutes']} minutes",
        actor=audit.Actor.system("anomaly-detection"),
    )
