"""Shared test fixtures: the unit tree, personas in different units and roles, API clients.

Personas: agent of ULP A, agent of ULP B (another UP3), supervisor of UP3 A, auditor (national),
administrator (national), a user without a staff profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from pelanggan.platform.audit import Actor

SYSTEM = Actor.system("tests")
# PostgreSQL: lets the test runner flush the append-only audit table between tests.
pytest_plugins = ["pelanggan.platform.testing"]


@dataclass
class Persona:
    username: str
    token: str
    user: Any

    def client(self) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def otp(self) -> str:
        """The current code of the persona's enrolled TOTP authenticator."""
        return totp_code(self.user)


def totp_code(user: Any) -> str:
    """The code a user's authenticator app shows now (wall-clock time, as allauth checks it,
    even while a test freezes the platform clock)."""
    import datetime as dt

    from pelanggan.security.totp import code_at, secret_of

    secret = secret_of(user.pk)
    if secret is None:
        raise LookupError("the user has no TOTP authenticator")
    return code_at(secret, dt.datetime.now(tz=dt.UTC))


def mark_mfa_fresh(client: Client) -> None:
    """Make a console test client's session count as having just passed its second factor."""
    from pelanggan.platform import clock
    from pelanggan.security.stepup import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = clock.now().timestamp()
    session.save()


@pytest.fixture(autouse=True)
def _fresh_unit_tree() -> None:
    """Each test builds its own units; never reuse the tree cached by an earlier test."""
    from pelanggan.security.selectors import forget_unit_tree

    forget_unit_tree()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Used TOTP codes and allauth's rate limits live in the cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def units(db: Any) -> dict[str, Any]:
    from pelanggan.security.services import ensure_unit

    return {
        "uid": ensure_unit(code="53000", name="UID Jawa Barat", kind="UID", parent_code=None),
        "up3_a": ensure_unit(code="53100", name="UP3 Bandung", kind="UP3", parent_code="53000"),
        "ulp_a": ensure_unit(
            code="53110",
            name="ULP Bandung Utara",
            kind="ULP",
            parent_code="53100",
            idpel_prefix="53110",
        ),
        "ulp_a2": ensure_unit(
            code="53120", name="ULP Cimahi", kind="ULP", parent_code="53100", idpel_prefix="53120"
        ),
        "up3_b": ensure_unit(code="53200", name="UP3 Bogor", kind="UP3", parent_code="53000"),
        "ulp_b": ensure_unit(
            code="53210",
            name="ULP Bogor Kota",
            kind="ULP",
            parent_code="53200",
            idpel_prefix="53210",
        ),
    }


@pytest.fixture
def make_persona(units: dict[str, Any]) -> Callable[..., Persona]:
    from pelanggan.security.services import create_staff, enrol_totp, issue_token

    def make(username: str, role: str, unit_codes: list[str]) -> Persona:
        user = create_staff(
            username=username,
            password="not-used-in-tests-9f2",  # noqa: S106
            role=role,
            unit_codes=unit_codes,
            actor=SYSTEM,
            check_password=False,
        )
        # Every staff role must use MFA: personas come enrolled (their codes: Persona.otp()).
        enrol_totp(user_id=user.pk, actor=SYSTEM)
        _, secret = issue_token(username=username, name="test", actor=SYSTEM)
        return Persona(username, secret, user)

    return make


@pytest.fixture
def agent_a(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("agent.a", "agent", ["53110"])


@pytest.fixture
def agent_b(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("agent.b", "agent", ["53210"])


@pytest.fixture
def supervisor_a(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("supervisor.a", "supervisor", ["53100"])


@pytest.fixture
def auditor(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("auditor", "auditor", [])


@pytest.fixture
def admin(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("admin", "administrator", [])


def principal_of(persona: Persona) -> Any:
    from pelanggan.security.selectors import principal_for

    persona.user.refresh_from_db()
    return principal_for(persona.user)


@pytest.fixture
def valid_row() -> dict[str, str]:
    """A valid electricity customer of ULP A (Kota Bandung, Andir), a woman born 12 July 1985."""
    return {
        "idpel": "531100000001",
        "ulp_code": "53110",
        "full_name": "Siti Nurhaliza Rahmawati",
        "nik": "3273055207850003",
        "birth_date": "1985-07-12",
        "gender": "F",
        "phone": "0812-3456-7890",
        "phone_2": "",
        "email": "siti.rahma@example.co.id",
        "street": "Jl. Rajawali Timur No. 21",
        "rt": "3",
        "rw": "7",
        "village_code": "3273051001",
        "kelurahan": "",
        "kecamatan": "",
        "kabupaten_kota": "",
        "provinsi": "",
        "postal_code": "",
        "latitude": "-6.905120",
        "longitude": "107.584300",
        "utility": "electricity",
        "payment_mode": "prepaid",
        "tariff_group": "R-1/TR",
        "daya_va": "1300",
        "customer_group": "",
        "pipe_size_mm": "",
        "meter_number": "14123456789",
        "account_status": "active",
        "connected_on": "2019-03-01",
        "data_source": "import",
    }
