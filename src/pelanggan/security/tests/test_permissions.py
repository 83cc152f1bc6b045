"""Every API operation declares the permission it needs; roles and unit scoping."""

from __future__ import annotations

import pytest

from config.api import api
from conftest import principal_of
from pelanggan.security.api import PUBLIC
from pelanggan.security.roles import ALL_PERMISSIONS, ROLES, Role


def _operations():  # type: ignore[no-untyped-def]
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield f"{'/'.join(operation.methods)} {prefix}{path}", operation.view_func


def test_every_api_operation_declares_a_permission() -> None:
    operations = list(_operations())
    assert len(operations) >= 14
    missing = [
        name for name, func in operations if getattr(func, "required_permission", None) is None
    ]
    assert missing == []
    unknown = [
        name
        for name, func in operations
        if func.required_permission != PUBLIC and func.required_permission not in ALL_PERMISSIONS
    ]
    assert unknown == []


def test_every_role_is_defined() -> None:
    assert set(ROLES) == set(Role.values)
    assert ROLES[Role.ADMINISTRATOR].permissions == ALL_PERMISSIONS


@pytest.mark.django_db
def test_unit_scoping_follows_the_tree(agent_a, supervisor_a, admin, units) -> None:  # type: ignore[no-untyped-def]
    assert principal_of(agent_a).ulp_ids == frozenset({units["ulp_a"].pk})
    assert principal_of(supervisor_a).ulp_ids == frozenset({units["ulp_a"].pk, units["ulp_a2"].pk})
    assert not principal_of(supervisor_a).can_see_ulp(units["ulp_b"].pk)
    assert principal_of(admin).national
    assert principal_of(admin).can_see_ulp(units["ulp_b"].pk)


@pytest.mark.django_db
def test_openapi_and_docs_are_served(agent_a) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/customers/search" in schema.json()["paths"]
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    # Served from the package: a site without internet access still gets working docs.
    assert "/static/ninja/swagger-ui-bundle.js" in docs.content.decode()
    assert "cdn." not in docs.content.decode()
