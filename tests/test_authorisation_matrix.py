"""Authorisation matrix: every API operation and every console page, five kinds of caller.

The cases are generated from `config.api`'s routers and the URL patterns, so a new endpoint is
covered the day it is added. Columns:

- `anonymous`: no credentials → API 401, console redirect to the login page;
- `customer`: a user with the portal `customer` role (not staff) → refused;
- `other_unit`: staff holding the permission, but in a unit (UP3 Bogor) other than the target
  customer's → anything that names the customer is refused (404, like a missing customer);
- `without`: staff in the customer's own unit whose role lacks the permission → 403;
- `with`: staff holding the permission in the customer's unit → let through.

Every refused call must change nothing (every table compared row by row, before and after) and
reveal nothing (no personal value of the target customer in the body). Files count as state
too: the interval lake and the read-photo store are compared before and after.

Operations that need objects beyond the target customer (a meter installed at the customer, a
two-way meter, a modem or SIM in stock, an open read review, a staff account to administer)
get them from their sample's `setup`, run before the "before" snapshot. Operations the matrix
cannot build a valid request for would be listed in `UNBUILDABLE` with the reason (checked then
only in the columns refused before the body is read); the list is empty and should stay so.
A new operation that needs a body or parameters the matrix does not know fails
`test_every_operation_is_covered_or_listed` until a sample is added here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.params.models import BodyModel

from config.api import api
from conftest import SYSTEM, Persona, mark_mfa_fresh, principal_of
from pelanggan.security.api import PUBLIC
from pelanggan.security.roles import ROLES, Role

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1"
CELLS = ("anonymous", "customer", "other_unit", "without", "with")
# Roles tried, in this order, for the `with` and `without` columns: unit-scoped roles first so
# the other-unit column applies; national roles only when no scoped role holds the permission.
# The head-end service account comes before the administrator: it is the least privileged
# holder of the ingest permission (and has no console, so console pages skip it).
ROLE_PREFERENCE = (
    Role.AGENT, Role.FIELD_TECHNICIAN, Role.BILLING_OFFICER, Role.SUPERVISOR, Role.AUDITOR,
    Role.PRIVACY_OFFICER, Role.HEAD_END, Role.ADMINISTRATOR,
)  # fmt: skip

TARGET_IDPEL = "531100000001"
TARGET_METER = "14123456789"
TARGET = {
    "full_name": "Siti Nurhaliza Rahmawati",
    "nik": "3273055207850003",
    "phone_national": "081234567890",
    "phone_e164": "+6281234567890",
    "email": "siti.rahma@example.co.id",
    "street": "Jl. Rajawali Timur No. 21",
}
NEW_CUSTOMER = {
    "idpel": "531100000077",
    "ulp_code": "53110",
    "full_name": "Bambang Wijaya",
    "street": "Jl. Cihampelas No. 7",
    "rt": "2",
    "rw": "5",
    "village_code": "3273051001",
    "utility": "electricity",
    "payment_mode": "prepaid",
    "tariff_group": "R-1/TR",
    "daya_va": 900,
    "meter_number": "14999888777",
}
REVEAL = {"fields": ["nik"], "reason_code": "identity_check", "reason": "Verifikasi identitas"}


@dataclass(frozen=True)
class Sample:
    """A valid request for an operation; `targets` when it names the target customer."""

    body: dict[str, Any] | None = None
    query: dict[str, str] | None = None
    targets: bool = True
    # Statuses the `with` column may answer (default: any 2xx).
    allowed: tuple[int, ...] = ()
    # What must exist before the call (run for every column, before the "before" snapshot).
    setup: Callable[[World], None] | None = None
    # A multipart form (with a PNG `photo`) instead of a JSON body.
    form: dict[str, str] | None = None
    # The `with` column must change state (a write that really happened), and answer these.
    writes: bool = False
    expect: dict[str, Any] | None = None


# ---------------------------------------------------------------- metering fixtures

STAND_PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
NEW_METER = "14999888777"
MODEM_SERIAL = "HX-0001"
TARGET_STAFF = "petugas.sasaran"


def _luhn_complete(body: str) -> str:
    from pelanggan.metering.validation import luhn_valid

    return next(body + d for d in "0123456789" if luhn_valid(body + d))


IMEI = _luhn_complete("35693803564380")
ICCID = _luhn_complete("896210012345678901")


def meter_in_stock(world: World, number: str = TARGET_METER) -> None:
    from pelanggan.metering.services.registry import register_meter

    register_meter(number=number, kind="smart_prepaid", actor=SYSTEM)


def meter_installed(world: World) -> None:
    """The target's two-way prepaid meter, installed on 1 January 2026 at 1000 kWh."""
    from pelanggan.metering.services.registry import install_meter

    meter_in_stock(world)
    install_meter(
        principal=world.principal,
        idpel=TARGET_IDPEL,
        meter_number=TARGET_METER,
        installed_at=_at("2026-01-01T00:00:00+07:00"),
        initial_reads={"kwh_total": "1000"},
    )


def spare_meter(world: World) -> None:
    meter_installed(world)
    meter_in_stock(world, NEW_METER)


def modem_in_stock(world: World) -> None:
    from pelanggan.metering.services.pairing import register_modem

    meter_installed(world)
    register_modem(serial=MODEM_SERIAL, imei=IMEI, actor=SYSTEM)


def sim_in_stock(world: World) -> None:
    from pelanggan.metering.services.pairing import register_sim

    meter_installed(world)
    register_sim(iccid=ICCID, msisdn="0811-2233-4455", operator="telkomsel", actor=SYSTEM)


def open_review(world: World) -> None:
    """A read below the installation's (900 after 1000 kWh) waits in the review queue."""
    from pelanggan.metering.services.reads import submit_read

    meter_installed(world)
    result = submit_read(
        principal=world.principal,
        idpel=TARGET_IDPEL,
        register="kwh_total",
        read_at=_at("2026-02-01T10:00:00+07:00"),
        value=Decimal("900"),
        source="manual",
        utility="electricity",
    )
    assert result.review is not None
    world.review_id = result.review.pk


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# ---------------------------------------------------------------- staff to administer


def staff_member(world: World) -> None:
    from pelanggan.security.services import create_staff

    create_staff(
        username=TARGET_STAFF, password="not-used-in-tests-9f2", role=Role.AGENT,
        unit_codes=["53110"], actor=SYSTEM, check_password=False,
    )  # fmt: skip


def locked_staff_member(world: World) -> None:
    from pelanggan.security import lockout
    from pelanggan.security.selectors import staff_user_id

    staff_member(world)
    for _ in range(lockout.policy().max_failures):
        lockout.record_failure(user_id=staff_user_id(TARGET_STAFF), address="")
    assert lockout.account_locked_until(staff_user_id(TARGET_STAFF)) is not None


def suspended_staff_member(world: World) -> None:
    from pelanggan.security.selectors import staff_user_id
    from pelanggan.security.services import suspend_staff

    staff_member(world)
    suspend_staff(staff_user_id(TARGET_STAFF), reason="Uji matriks", actor=SYSTEM)


READ = {"register_code": "kwh_total", "read_at": "2026-02-01T10:00:00+07:00", "value": "1150"}


API_SAMPLES: dict[str, Sample] = {
    "GET /customers": Sample(query={"q": TARGET_IDPEL}),
    "POST /customers": Sample(body=NEW_CUSTOMER),
    "POST /customers/search": Sample(body={"q": TARGET["nik"]}),
    "GET /customers/quality": Sample(targets=False),
    "POST /customers/{idpel}/reveal": Sample(body=REVEAL),
    "PATCH /customers/{idpel}/person": Sample(
        body={"email": "siti.baru@example.co.id", "reason": "Permintaan pelanggan"}
    ),
    "PUT /customers/{idpel}/address": Sample(
        body={
            "street": "Jl. Rajawali Barat No. 3",
            "rt": "4",
            "rw": "7",
            "village_code": "3273051001",
            "reason": "Pindah rumah",
        }
    ),
    "POST /customers/{idpel}/terms": Sample(
        body={"effective_at": "2026-11-01T00:00:00+07:00", "reason": "PD", "daya_va": 2200}
    ),
    "PUT /customers/{idpel}/status": Sample(
        body={"status": "inactive", "reason": "Permintaan pelanggan"}
    ),
    "POST /customers/{idpel}/consents": Sample(body={"purpose": "energy_efficiency"}),
    "POST /customers/{idpel}/assets": Sample(body={"kind": "rooftop_pv", "capacity_kwp": "3.5"}),
    "POST /customers/{idpel}/programmes": Sample(
        body={
            "programme_code": "HEMAT",
            "programme_name": "Hemat Energi",
            "enrolled_on": "2026-11-01",
        }
    ),
    "GET /oversight/alerts": Sample(targets=False),
    "POST /oversight/alerts/{alert_id}/acknowledge": Sample(
        body={"note": "Sudah dicek dengan atasan"}, targets=False
    ),
    # A load profile of a customer without readings in the lake: found, empty (or not found).
    "GET /intervals/customers/{idpel}/profile": Sample(allowed=(200, 404, 422)),
    "GET /intervals/meters/{meter_number}/profile": Sample(allowed=(200, 404, 422)),
    "GET /headend/commands/{command_id}": Sample(targets=False, allowed=(404,)),
    "GET /headend/meters/{meter_number}/commands": Sample(allowed=(200, 404)),
    # Privacy: requests and incidents named by an id that does not exist answer 404 once the
    # permission check has let the caller through (their own tests cover the workflows).
    "POST /privacy/requests": Sample(body={"kind": "access", "idpel": TARGET_IDPEL}),
    "GET /privacy/requests/{request_id}": Sample(targets=False, allowed=(404,)),
    "POST /privacy/requests/{request_id}/start": Sample(targets=False, allowed=(404,)),
    "POST /privacy/requests/{request_id}/complete": Sample(
        body={"note": "Selesai"}, targets=False, allowed=(404,)
    ),
    "POST /privacy/requests/{request_id}/refuse": Sample(
        body={"reason": "Permintaan tidak berdasar"}, targets=False, allowed=(404,)
    ),
    "GET /privacy/requests/{request_id}/export.{fmt}": Sample(targets=False, allowed=(404,)),
    "POST /privacy/incidents": Sample(
        body={
            "title": "Uji matriks",
            "description": "Insiden uji",
            "detected_at": "2026-11-22T10:00:00+07:00",
            "data_categories": ["nik"],
        },
        targets=False,
        allowed=(201, 422),
    ),
    "GET /privacy/incidents/{incident_id}": Sample(targets=False, allowed=(404,)),
    "POST /privacy/incidents/{incident_id}/subjects": Sample(
        body={"idpels": [TARGET_IDPEL]}, allowed=(404,)
    ),
    "POST /privacy/incidents/{incident_id}/handling": Sample(
        body={"measures": "Sandi diganti"}, targets=False, allowed=(404,)
    ),
    "POST /privacy/incidents/{incident_id}/notify-authority": Sample(targets=False, allowed=(404,)),
    "POST /privacy/incidents/{incident_id}/notify-subjects": Sample(targets=False, allowed=(404,)),
    "GET /privacy/incidents/{incident_id}/notice": Sample(targets=False, allowed=(404,)),
    "POST /privacy/retention": Sample(body={"dry_run": True}, targets=False),
    "GET /metering/meters/{number}": Sample(allowed=(200, 404)),
    "GET /metering/customers/{idpel}/meters": Sample(allowed=(200, 404)),
    "GET /metering/customers/{idpel}/reads": Sample(allowed=(200, 404)),
    "GET /metering/customers/{idpel}/events": Sample(allowed=(200, 404)),
    "GET /metering/customers/{idpel}/consumption": Sample(
        query={"period_start": "2026-10-01", "period_end": "2026-11-01"},
        allowed=(200, 404, 409, 422),
    ),
    "POST /metering/customers/{idpel}/estimates": Sample(
        query={"period_start": "2026-10-01", "period_end": "2026-11-01"},
        allowed=(200, 201, 404, 409, 422),
    ),
    # Metering writes: each on a real object of the target customer, answered 2xx for `with`.
    "POST /metering/meters": Sample(
        writes=True, body={"number": NEW_METER, "kind": "prepaid_sts"}, targets=False
    ),
    "POST /metering/customers/{idpel}/installations": Sample(
        writes=True,
        body={
            "meter_number": TARGET_METER,
            "installed_at": "2026-01-01T00:00:00+07:00",
            "initial_reads": {"kwh_total": "1000"},
            "seals": [{"number": "T-1", "location": "terminal_cover"}],
        },
        setup=meter_in_stock,
    ),
    "POST /metering/customers/{idpel}/exchange": Sample(
        writes=True,
        body={
            "new_meter_number": NEW_METER,
            "exchanged_at": "2026-06-01T10:00:00+07:00",
            "final_reads": {"kwh_total": "1500"},
            "initial_reads": {"kwh_total": "0"},
            "reason": "Meter rusak",
        },
        setup=spare_meter,
    ),
    "POST /metering/customers/{idpel}/removal": Sample(
        writes=True,
        body={
            "removed_at": "2026-06-01T10:00:00+07:00",
            "final_reads": {"kwh_total": "1500"},
            "reason": "Pembongkaran atas permintaan pelanggan",
        },
        setup=meter_installed,
    ),
    "POST /metering/customers/{idpel}/seals": Sample(
        writes=True,
        body={
            "seal": {"number": "S-77", "location": "meter_cover"},
            "applied_at": "2026-02-01T10:00:00+07:00",
            "reason": "Segel baru",
        },
        setup=meter_installed,
    ),
    "POST /metering/modems": Sample(
        writes=True, body={"serial": MODEM_SERIAL, "imei": IMEI}, targets=False
    ),
    "POST /metering/sims": Sample(
        writes=True,
        body={"iccid": ICCID, "msisdn": "0811-2233-4455", "operator": "telkomsel"},
        targets=False,
    ),
    "POST /metering/meters/{number}/modem": Sample(
        writes=True,
        body={
            "modem_serial": MODEM_SERIAL,
            "installed_at": "2026-01-02T10:00:00+07:00",
            "seals": [{"number": "M-77", "location": "modem"}],
        },
        setup=modem_in_stock,
    ),
    "POST /metering/meters/{number}/pairings": Sample(
        writes=True,
        body={
            "iccid": ICCID,
            "customer_phone": "0813-1111-2222",
            "paired_by": "operator_api",
            "paired_by_label": "Telkomsel M2M",
            "paired_from": "2026-01-03T10:00:00+07:00",
        },
        setup=sim_in_stock,
    ),
    "POST /metering/customers/{idpel}/reads": Sample(
        writes=True, body={**READ, "source": "manual"}, setup=meter_installed
    ),
    "POST /metering/customers/{idpel}/reads/photo": Sample(
        writes=True, form=READ, setup=meter_installed
    ),
    "POST /metering/reviews/{review_id}/accept": Sample(
        writes=True, body={"note": "Sudah dicek"}, setup=open_review
    ),
    "POST /metering/reviews/{review_id}/correct": Sample(
        writes=True, body={"value": "1100", "reason": "Salah baca"}, setup=open_review
    ),
    "POST /metering/reviews/{review_id}/reread": Sample(
        writes=True, body={"note": "Baca ulang"}, setup=open_review
    ),
    "POST /metering/events": Sample(
        writes=True,
        body={
            "events": [
                {
                    "meter_number": TARGET_METER,
                    "kind": "tamper_cover_open",
                    "occurred_at": "2026-11-01T10:00:00+07:00",
                    "dedup_key": "matrix-1",
                }
            ]
        },
        targets=False,
        setup=meter_installed,
    ),
    "POST /intervals/batches": Sample(
        writes=True,
        body={
            "rows": [
                {
                    "meter_number": TARGET_METER,
                    "interval_start": "2026-11-01T10:00:00+07:00",
                    "interval_minutes": 30,
                    "kwh": "0.412",
                }
            ]
        },
        targets=False,
        setup=meter_installed,
    ),
    "POST /headend/commands": Sample(
        writes=True,
        body={"meter_number": TARGET_METER, "kind": "on_demand_read", "payload": {}},
        setup=meter_installed,
    ),
    # Administering staff accounts (a staff member of ULP A; step-up through the OTP header).
    "POST /staff/{username}/unlock": Sample(
        writes=True,
        expect={"changed": True},
        body={"reason": "Lupa sandi, identitas dicek"},
        targets=False,
        setup=locked_staff_member,
    ),
    "POST /staff/{username}/suspend": Sample(
        writes=True,
        expect={"changed": True},
        body={"reason": "Dugaan penyalahgunaan"},
        targets=False,
        setup=staff_member,
    ),
    "POST /staff/{username}/reinstate": Sample(
        writes=True,
        expect={"changed": True},
        body={"reason": "Pemeriksaan selesai"},
        targets=False,
        setup=suspended_staff_member,
    ),
    "POST /staff/{username}/logout-everywhere": Sample(
        writes=True, expect={"changed": True}, targets=False, setup=staff_member
    ),
    "PUT /staff/{username}/role": Sample(
        writes=True,
        expect={"changed": True},
        body={"role": "supervisor", "units": ["53100"], "reason": "Promosi"},
        targets=False,
        setup=staff_member,
    ),
}

# Path parameters the matrix fills in (the alert is created per test).
PATH_VALUES = {
    "idpel": TARGET_IDPEL,
    "meter_number": TARGET_METER,
    "alert_id": "",
    "purpose": "service_notifications",
    "command_id": "00000000-0000-4000-8000-000000000000",
    "request_id": "999999",
    "incident_id": "999999",
    "fmt": "json",
    "number": TARGET_METER,
    "review_id": "999999",
    "username": TARGET_STAFF,
}

# Operations without a sample the matrix can build, each with the reason: none.
UNBUILDABLE: dict[str, str] = {}

# Console pages that are not the staff console's own: sign-in and MFA pages are public by
# design (django-allauth, guarded by its own login checks), and so are the API (walked above)
# and the language switch.
CONSOLE_EXEMPT_PREFIXES = ("api/v1/", "accounts/", "i18n/")
# Pages without a permission on purpose, each with the reason; any other page without one fails.
PUBLIC_PAGES = {
    "login/": "the staff sign-in page",
    "logout/": "signing out (POST, CSRF-checked) needs no permission",
    "portal/masuk/": "the customer portal's sign-in page (one-time code by SMS or e-mail)",
    "portal/masuk/kode/": "the portal's code entry page; says nothing about the contact",
    "portal/keluar/": "signing out of the portal",
}
# Other route arguments that are not object ids.
CONSOLE_KWARGS = {"fmt": "json", "action": "start"}
# The `with` column's GET: 200 unless stated (POST-only views answer GET with 405).
CONSOLE_WITH_STATUS = {"search": 302, "alert_acknowledge": 405}
CONSOLE_POST = {"search", "customer_create", "customer_person", "customer_address",
                "customer_terms", "customer_reveal", "alert_acknowledge"}  # fmt: skip
CONSOLE_FORM = {
    **{k: str(v) for k, v in NEW_CUSTOMER.items()},
    "q": TARGET["nik"],
    "reason": "Permintaan pelanggan",
    "reason_code": "identity_check",
    "reveal_fields": "nik",
    "note": "Sudah dicek dengan atasan",
}


# ---------------------------------------------------------------- walking the routers


@dataclass(frozen=True)
class ApiOperation:
    key: str  # "METHOD /path" without the /api/v1 prefix
    method: str
    path: str
    permission: str
    needs_body: bool
    required_query: tuple[str, ...]


def api_operations() -> Iterator[ApiOperation]:
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = re.sub(r"/+", "/", f"/{prefix}/{path}").rstrip("/") or "/"
                models = getattr(operation, "models", [])
                needs_body = any(issubclass(m, BodyModel) for m in models)
                required_query = tuple(
                    name
                    for m in models
                    if m.__name__ == "QueryParams"
                    or getattr(m, "__ninja_param_source__", "") == "query"
                    for name, info in m.model_fields.items()
                    if info.is_required()
                )
                for method in operation.methods:
                    yield ApiOperation(
                        key=f"{method} {full}",
                        method=method,
                        path=full,
                        permission=getattr(operation.view_func, "required_permission", ""),
                        needs_body=needs_body,
                        required_query=required_query,
                    )


@dataclass(frozen=True)
class ConsolePage:
    name: str
    route: str
    callback: Callable[..., Any]
    permission: str
    portal: bool = False  # the customer portal: signed-in portal customers only


def console_pages() -> Iterator[ConsolePage]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[ConsolePage]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(CONSOLE_EXEMPT_PREFIXES) or route in PUBLIC_PAGES:
                    continue
                yield ConsolePage(
                    name=pattern.name or route,
                    route=route,
                    callback=pattern.callback,
                    permission=getattr(pattern.callback, "required_permission", ""),
                    portal=bool(getattr(pattern.callback, "portal_customer_only", False)),
                )

    yield from walk(get_resolver().url_patterns, "")


def role_with(permission: str, *, console: bool = False) -> str | None:
    """The first role holding `permission` (for a console page: a role that has a console)."""
    return next(
        (
            r
            for r in ROLE_PREFERENCE
            if permission in ROLES[r].permissions
            and ROLES[r].staff
            and not (console and ROLES[r].service_account)
        ),
        None,
    )


def role_without(permission: str) -> str | None:
    return next(
        (r for r in ROLE_PREFERENCE if permission not in ROLES[r].permissions and ROLES[r].staff),
        None,
    )


def _api_cases() -> list[Any]:
    return [
        pytest.param(op, cell, id=f"{cell}:{op.key}")
        for op in sorted(api_operations(), key=lambda o: o.key)
        for cell in CELLS
    ]


def _console_cases() -> list[Any]:
    return [
        pytest.param(page, method, cell, id=f"{cell}:{method} /{page.route}")
        for page in sorted(console_pages(), key=lambda p: p.route)
        for method in (("GET", "POST") if page.name in CONSOLE_POST else ("GET",))
        for cell in CELLS
    ]


def test_every_operation_is_covered_or_listed() -> None:
    """A new operation needs a sample (or a reason in UNBUILDABLE); stale entries fail too."""
    operations = {op.key: op for op in api_operations()}
    missing = [
        key
        for key, op in operations.items()
        if (op.needs_body or op.required_query)
        and key not in API_SAMPLES
        and key not in UNBUILDABLE
    ]
    assert missing == []
    unknown_params = [
        key
        for key, op in operations.items()
        if key not in UNBUILDABLE and set(re.findall(r"{(\w+)}", op.path)) - set(PATH_VALUES)
    ]
    assert unknown_params == []
    assert set(API_SAMPLES) <= set(operations), set(API_SAMPLES) - set(operations)
    assert set(UNBUILDABLE) <= set(operations), set(UNBUILDABLE) - set(operations)
    assert len(operations) >= 20
    pages = list(console_pages())
    undeclared = [p.route for p in pages if not p.permission and not p.portal]
    assert undeclared == []  # give it a permission, or list it in PUBLIC_PAGES with a reason
    assert {p.name for p in pages} >= {"customer", "customer_reveal", "audit_trail", "alerts"}
    kwargs_unknown = [
        p.route
        for p in pages
        for name in re.findall(r"<(?:\w+:)?(\w+)>", p.route)
        if name not in ("idpel", "alert_id", *CONSOLE_KWARGS) and not name.endswith("_id")
    ]
    assert kwargs_unknown == []


# ---------------------------------------------------------------- the world each case runs in


@dataclass
class World:
    make: Callable[..., Persona]
    alert_id: int
    principal: Any  # the administrator who built the world
    watched_dirs: tuple[Path, ...] = ()
    review_id: int = 999999
    consent_purpose: str = "service_notifications"

    def snapshot(self) -> str:
        """Every table row and every file under the watched directories."""
        digest = hashlib.sha256(snapshot().encode())
        for root in self.watched_dirs:
            for path in sorted(root.rglob("*")) if root.exists() else []:
                if path.is_file():
                    digest.update(
                        f"{path}:{hashlib.sha256(path.read_bytes()).hexdigest()}".encode()
                    )
        return digest.hexdigest()

    def persona(self, cell: str, permission: str, *, console: bool = False) -> Persona | None:
        """The caller of a column, or None for anonymous; skips when the column cannot apply."""
        if cell == "anonymous":
            return None
        if cell == "customer":
            if Role.CUSTOMER not in ROLES:
                pytest.skip("no customer role in this build")
            return self.make("pelanggan.portal", Role.CUSTOMER, [])
        if permission == PUBLIC:
            pytest.skip("a public operation has no permission columns")
        if cell == "without":
            role = role_without(permission)
            if role is None:
                pytest.skip(f"every staff role holds {permission}")
            return self.make("tanpa.izin", role, [] if ROLES[role].national else ["53110"])
        role = role_with(permission, console=console)
        assert role is not None, f"no staff role holds {permission}"
        if cell == "other_unit":
            if ROLES[role].national:
                pytest.skip(f"only national roles hold {permission}: no other unit")
            return self.make("unit.lain", role, ["53200"])
        return self.make("berizin", role, [] if ROLES[role].national else ["53110"])


def _service_persona(username: str, role: str) -> Persona:
    """A head-end service account: no password, no second factor, an expiring scoped token."""
    from pelanggan.security.services import create_staff, issue_token

    user = create_staff(username=username, password="", role=role, unit_codes=[], actor=SYSTEM)
    _, secret = issue_token(username=username, name="matrix", actor=SYSTEM)
    return Persona(username, secret, user)


@pytest.fixture
def world(
    make_persona: Callable[..., Persona],
    valid_row: dict[str, str],
    admin: Persona,
    settings: Any,
    tmp_path: Path,
) -> World:
    from pelanggan.customers.services import give_consent, register_customer
    from pelanggan.oversight.models import Alert

    # The interval lake of this test alone; read photos land under the data directory.
    settings.PELANGGAN_LAKE_DIR = str(tmp_path / "lake")
    watched = (tmp_path / "lake", Path(settings.PELANGGAN_HOME) / "media")

    def make(username: str, role: str, unit_codes: list[str]) -> Persona:
        if ROLES[role].service_account:
            return _service_persona(username, role)
        return make_persona(username, role, unit_codes)

    principal = principal_of(admin)
    register_customer(data=valid_row, principal=principal)
    give_consent(
        idpel=TARGET_IDPEL, purpose="service_notifications", channel="contact_centre",
        evidence="", principal=principal,
    )  # fmt: skip
    from pelanggan.platform import clock

    now = clock.now()
    alert = Alert.objects.create(
        staff_user_id=admin.user.pk, staff_label="admin", kind="volume", severity="warning",
        raised_at=now, last_seen_at=now, details={"distinct_customers": 41},
    )  # fmt: skip
    return World(make=make, alert_id=alert.pk, principal=principal, watched_dirs=watched)


def snapshot() -> str:
    """A digest of every row of every table (sessions aside: signing in writes them)."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.label in ("sessions.Session",):
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest.update(model._meta.label.encode())
        for row in rows:
            digest.update(json.dumps(row, default=str, sort_keys=True).encode())
    return digest.hexdigest()


def assert_reveals_nothing(body: str) -> None:
    leaked = [name for name, value in TARGET.items() if value in body]
    assert leaked == []


def _fill(path: str, world: World) -> str:
    values = {**PATH_VALUES, "alert_id": str(world.alert_id), "review_id": str(world.review_id)}
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


# ---------------------------------------------------------------- API


@pytest.mark.parametrize(("op", "cell"), _api_cases())
def test_api_matrix(op: ApiOperation, cell: str, world: World) -> None:
    sample = API_SAMPLES.get(op.key, Sample())
    buildable = op.key not in UNBUILDABLE
    if not buildable and cell not in ("anonymous", "customer"):
        pytest.skip(f"{op.key}: {UNBUILDABLE[op.key]}")
    if op.permission == PUBLIC and cell != "anonymous":
        pytest.skip("public operation")
    persona = world.persona(cell, op.permission)
    if sample.setup is not None:
        sample.setup(world)
    headers: dict[str, str] = {}
    if persona is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {persona.token}"
        persona.user.refresh_from_db()
        if cell == "with" and ROLES[persona.user.staff_profile.role].mfa_required:
            headers["HTTP_X_PELANGGAN_OTP"] = persona.otp()
    client = Client(**headers)
    url = API_PREFIX + _fill(op.path, world)
    before = world.snapshot()
    if sample.form is not None:
        photo = SimpleUploadedFile("stand.png", STAND_PNG, content_type="image/png")
        response = client.post(url, {**sample.form, "photo": photo})
    else:
        query = "&".join(f"{k}={v}" for k, v in (sample.query or {}).items())
        response = client.generic(
            op.method,
            url + (f"?{query}" if query else ""),
            json.dumps(sample.body) if sample.body is not None else "",
            content_type="application/json",
        )
    body = response.content.decode()
    assert response.status_code < 500, body
    if op.permission == PUBLIC:
        return
    if cell == "with":
        allowed = sample.allowed or tuple(range(200, 300))
        assert response.status_code in allowed, body
        if sample.writes:
            assert world.snapshot() != before
        for name, value in (sample.expect or {}).items():
            assert response.json()[name] == value, body
        return
    refused = {"anonymous": {401}, "customer": {401, 403}, "without": {403}}.get(cell)
    if cell == "other_unit":
        names_target = (op.key in API_SAMPLES and sample.targets) or re.search(
            r"{(idpel|meter_number|number)}", op.path
        )
        if not names_target:
            assert_reveals_nothing(body)  # a call within their own units, not a forbidden one
            return
        refused = {403, 404, 422}
        if op.method == "GET" or op.key == "POST /customers/search":
            refused = refused | {200}  # a search in their units: found nothing
            if response.status_code == 200 and isinstance(response.json(), dict):
                assert response.json().get("total", 0) == 0, body
    assert response.status_code in refused, body
    assert world.snapshot() == before
    assert_reveals_nothing(body)


# ---------------------------------------------------------------- console


def _console_client(persona: Persona | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(persona.user)
        mark_mfa_fresh(client)
    return client


@pytest.mark.parametrize(("page", "method", "cell"), _console_cases())
def test_console_matrix(page: ConsolePage, method: str, cell: str, world: World) -> None:
    if page.portal:
        check_portal_page(page, method, cell, world)
        return
    assert page.permission, f"/{page.route} declares no permission"
    persona = world.persona(cell, page.permission, console=True)
    client = _console_client(persona)
    # Other objects named by an id (privacy requests, incidents...) are a missing one: the
    # permission check still runs first, and the `with` column gets the 404.
    known = {"idpel": TARGET_IDPEL, "alert_id": str(world.alert_id), **CONSOLE_KWARGS}
    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: known.get(m.group(1), "999999"), page.route)
    missing_object = any(
        name.endswith("_id") and name not in known
        for name in re.findall(r"<(?:\w+:)?(\w+)>", page.route)
    )
    before = snapshot()
    response = client.post(url, CONSOLE_FORM) if method == "POST" else client.get(url)
    body = response.content.decode() if not response.streaming else ""
    assert response.status_code < 500, body
    # The search box shows back what the caller typed; that is not a disclosure.
    body = body.replace(f'value="{TARGET["nik"]}"', "")
    if cell == "with":
        if method == "GET":
            expected = 404 if missing_object else 200
            # 405: a POST-only view, reached past its permission check.
            assert response.status_code in (CONSOLE_WITH_STATUS.get(page.name, expected), 405)
        return
    if cell == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif cell in ("customer", "without"):
        assert response.status_code in ({403} if cell == "without" else {302, 403})
        if response.status_code == 302:  # a portal user is sent to sign in as staff
            assert response["Location"].startswith(("/login/", "/accounts/"))
    else:  # other unit
        if "<str:idpel>" in page.route:
            assert response.status_code == 404
        elif page.name == "customer_create" and method == "POST":
            assert response.status_code == 422
        elif page.name == "search" and method == "POST":
            assert response.status_code == 200
            assert "Pelanggan tidak ditemukan" in body
        else:
            assert_reveals_nothing(body)
            return
    assert snapshot() == before
    assert_reveals_nothing(body)


def check_portal_page(page: ConsolePage, method: str, cell: str, world: World) -> None:
    """A portal page answers only a signed-in portal customer: everyone else, staff included,
    is sent to the portal's sign-in page, and nothing changes or shows."""
    if cell == "with":
        pytest.skip("a portal customer signs in with a one-time code: the portal's own tests")
    persona = None if cell == "anonymous" else world.persona(cell, "security.view_self")
    client = _console_client(persona)
    before = snapshot()
    url = "/" + page.route
    response = client.post(url, CONSOLE_FORM) if method == "POST" else client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/portal/masuk/"
    assert snapshot() == before
    assert_reveals_nothing(response.content.decode())


def test_the_matrix_itself_catches_a_leak_and_a_change(world: World) -> None:
    """The checks above can fail: a body with the NIK, and a changed row, are caught."""
    with pytest.raises(AssertionError):
        assert_reveals_nothing(f"<dd>{TARGET['nik']}</dd>")
    before = snapshot()
    from pelanggan.platform import audit

    audit.record("customers.record.viewed", actor=SYSTEM, subject_type="account", subject_ids=["x"])
    assert snapshot() != before
