"""Property-based API testing with schemathesis against `/api/v1/openapi.json`.

Every operation of the one NinjaAPI gets generated requests (valid and invalid bodies, paths and
queries) sent in-process to the WSGI application, authenticated as the administrator (a bearer
token) against a seeded database: the unit tree, staff, and a few customers. Checked on every
response: no 5xx, a JSON content type where JSON is declared, and a body that matches the
schema documented for its status code. 40 examples per operation, over 60 operations: more
than 2,000 requests per run, in about two minutes on the CI machine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from conftest import SYSTEM, Persona

EXAMPLES_PER_OPERATION = 40
MINIMUM_REQUESTS = 2000
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
sent = {"requests": 0, "operations": 0}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests go to the WSGI application directly, not through Django's test client, so
    `close_old_connections` would run at each request's end and close the test's connection once
    it is older than CONN_MAX_AGE (PostgreSQL settings keep connections for 60 s). Django's test
    client disconnects it for the same reason; so does this module."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(admin: Persona, agent_a: Persona, valid_row: dict[str, str], tmp_path: Path) -> str:
    """Customers of ULP A (one hand-made, a few generated); returns the admin's bearer token."""
    from conftest import principal_of
    from pelanggan.customers.services import import_dil, register_customer
    from pelanggan.customers.synthetic import generate_dil, write_csv

    register_customer(data=valid_row, principal=principal_of(agent_a))
    rows = generate_dil(customers=5, seed=11, as_of=dt.date(2026, 11, 22)).rows
    for row in rows:
        row["ulp_code"] = "53110"
    write_csv(tmp_path / "dil.csv", rows)
    import_dil(path=tmp_path / "dil.csv", partial=False, actor=SYSTEM)
    return admin.token


def _load_schema() -> Any:
    """The schema as the running application serves it (no database needed to render it)."""
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


schema = _load_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure in CI reproduces locally
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case: Any, seeded: str) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded}"}, checks=CHECKS
    )
    sent["requests"] += 1
    assert response.status_code < 500


def test_enough_requests_were_generated(request: pytest.FixtureRequest) -> None:
    selected = [item.name for item in request.session.items]
    if not any(name.startswith("test_api_operation") for name in selected):
        pytest.skip("the schemathesis operations were not selected in this run")
    assert sent["requests"] >= MINIMUM_REQUESTS
