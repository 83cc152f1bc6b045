"""The demo utility: units, staff and a synthetic customer master, built in one call.

Used by `pelanggan demo`. Idempotent: running it again over the same data directory with the
same seed adds nothing (the import recognises its rows, staff that exist are kept).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from pelanggan.customers.services import import_dil, scan_data_quality
from pelanggan.customers.services.demo import attach_demo_extras
from pelanggan.customers.synthetic import DEMO_UNITS, generate_dil, write_csv
from pelanggan.metering.demo import build_demo_meters
from pelanggan.metering.demo_history import build_demo_history
from pelanggan.metering.demo_live import remember_demo_seed
from pelanggan.platform import audit, clock
from pelanggan.security.services import create_staff, ensure_unit

ACTOR = audit.Actor("system", None, "demo")
AS_OF = dt.date(2026, 11, 22)


@dataclass
class DemoResult:
    staff: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""


def _staff_plan() -> list[tuple[str, str, list[str]]]:
    plan: list[tuple[str, str, list[str]]] = [
        ("admin", "administrator", []),
        ("auditor", "auditor", []),
    ]
    for unit in DEMO_UNITS:
        if unit.kind == "UP3" and not any(p[1] == "supervisor" for p in plan):
            plan.append((f"supervisor.{_slug(unit.name)}", "supervisor", [unit.code]))
        if unit.kind == "ULP":
            plan.append((f"agen.{_slug(unit.name)}", "agent", [unit.code]))
    return plan


def _slug(name: str) -> str:
    words = name.split()[1:]  # drop the "ULP"/"UP3" prefix
    return "".join(w.lower() for w in words)


def build_demo(*, customers: int, seed: int, password: str, console: Any) -> DemoResult:
    result = DemoResult()
    with transaction.atomic():
        for unit in DEMO_UNITS:
            ensure_unit(
                code=unit.code,
                name=unit.name,
                kind=unit.kind,
                parent_code=unit.parent_code,
                idpel_prefix=unit.idpel_prefix or "",
            )
    User = get_user_model()
    for username, role, unit_codes in _staff_plan():
        if not User.objects.filter(username=username).exists():
            create_staff(
                username=username,
                password=password,
                role=role,
                unit_codes=unit_codes,
                actor=ACTOR,
                check_password=False,
            )
        result.staff.append({"username": username, "role": role, "units": unit_codes})
    home = Path(settings.PELANGGAN_HOME)
    _enrol_demo_staff(home, [username for username, _, _ in _staff_plan()])
    extract = home / "demo" / f"dil-{customers}-{seed}.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    console.print(
        f"Generating {customers:,} synthetic customers (seed {seed})...".replace(",", ".")
    )
    generated = generate_dil(customers=customers, seed=seed, as_of=AS_OF)
    write_csv(extract, generated.rows)
    console.print("Importing the DIL extract (validation + encryption)...")
    with clock.frozen(clock.now()):
        report = import_dil(path=extract, partial=False, actor=ACTOR)
    if not report.committed:
        first = report.problems[0] if report.problems else None
        raise RuntimeError(f"demo import failed: {first}")
    extras = attach_demo_extras(seed=seed, actor=ACTOR)
    build_demo_meters(seed=seed, actor=ACTOR, as_of=AS_OF, progress=console.print)
    remember_demo_seed(home, seed)
    history = build_demo_history(
        lake=Path(settings.PELANGGAN_LAKE_DIR), seed=seed, now=clock.now(), progress=console.print
    )
    findings = scan_data_quality(actor=ACTOR).open_findings
    accounts = report.rows_created + report.rows_unchanged
    found = ", ".join(f"{k} {v}" for k, v in sorted(findings.items())) or "none"
    result.summary = (
        f"Demo utility in {home}: {_id_number(accounts)} accounts "
        f"({_id_number(report.rows_created)} new), "
        f"{extras['assets']} rooftop PV, {extras['programmes']} enrolments, "
        f"{_id_number(extras['consents'])} consents; data-quality findings: {found}. "
        f"Interval history: {_id_number(history.readings_landed)} readings landed for "
        f"{history.meters} meters ({_id_number(history.gaps)} left out as gaps for VEE) "
        f"in {history.seconds:.1f} s."
    )
    return result


def _enrol_demo_staff(home: Path, usernames: list[str]) -> None:
    """Staff must use a second factor: demo staff get an authenticator app whose codes
    `pelanggan users otp USERNAME` prints (only in a directory marked as a demo one)."""
    from pelanggan.security.cli_commands import mark_demo_home
    from pelanggan.security.selectors import has_totp
    from pelanggan.security.services import enrol_totp

    mark_demo_home(home)
    User = get_user_model()
    for user in User.objects.filter(username__in=usernames):
        if not has_totp(user.pk):
            enrol_totp(user_id=user.pk, actor=ACTOR)


def _id_number(value: int) -> str:
    """Indonesian thousands separator: 10.000."""
    return f"{value:,}".replace(",", ".")
