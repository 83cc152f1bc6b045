"""Fixtures of the privacy tests: a privacy officer and a registered customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Persona, principal_of


@pytest.fixture
def officer(make_persona: Callable[..., Persona]) -> Persona:
    return make_persona("dpo", "privacy_officer", [])


@pytest.fixture
def customer(agent_a: Persona, valid_row: dict[str, str]) -> dict[str, Any]:
    """Siti (valid_row) registered by agent A, with a marketing consent and an emergency contact."""
    from pelanggan.customers.services import (
        PersonChange,
        give_consent,
        register_customer,
        update_person,
    )

    principal = principal_of(agent_a)
    account = register_customer(data=valid_row, principal=principal)
    give_consent(idpel=account.idpel, purpose="marketing", channel="counter", principal=principal)
    update_person(
        idpel=account.idpel,
        change=PersonChange(
            emergency_contacts=[
                {"name": "Budi Santoso", "phone": "081298765432", "relationship": "suami"}
            ]
        ),
        principal=principal,
    )
    return {"idpel": account.idpel, "person_id": account.owner_id}
