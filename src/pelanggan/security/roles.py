"""Roles and the permissions they carry (least privilege).

Permissions are dotted strings `context.action`. A role is national when its holders work across
every unit (administrators, auditors, privacy officers); the others see only the customers of
the units they are assigned to. The security issue adds MFA requirements per role here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENT = "agent", "Agen layanan"
    BILLING_OFFICER = "billing_officer", "Petugas billing"
    FIELD_TECHNICIAN = "field_technician", "Teknisi lapangan"
    AUDITOR = "auditor", "Auditor"
    PRIVACY_OFFICER = "privacy_officer", "Petugas pelindungan data"


class Perm:
    CUSTOMERS_SEARCH = "customers.search"
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_CREATE = "customers.create"
    CUSTOMERS_UPDATE = "customers.update"
    CUSTOMERS_CHANGE_TERMS = "customers.change_terms"
    CUSTOMERS_IMPORT = "customers.import"
    CUSTOMERS_QUALITY = "customers.quality"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "security.manage_users"
    UNITS_VIEW = "security.view_units"
    SELF_VIEW = "security.view_self"


ALL_PERMISSIONS = frozenset(
    value for name, value in vars(Perm).items() if name.isupper() and isinstance(value, str)
)


@dataclass(frozen=True)
class RoleDefinition:
    permissions: frozenset[str]
    national: bool


_EVERYONE = frozenset({Perm.SELF_VIEW})

ROLES: dict[str, RoleDefinition] = {
    Role.ADMINISTRATOR: RoleDefinition(ALL_PERMISSIONS, national=True),
    Role.SUPERVISOR: RoleDefinition(
        _EVERYONE
        | frozenset(
            {
                Perm.CUSTOMERS_SEARCH,
                Perm.CUSTOMERS_VIEW,
                Perm.CUSTOMERS_CREATE,
                Perm.CUSTOMERS_UPDATE,
                Perm.CUSTOMERS_CHANGE_TERMS,
                Perm.CUSTOMERS_QUALITY,
                Perm.UNITS_VIEW,
            }
        ),
        national=False,
    ),
    Role.AGENT: RoleDefinition(
        _EVERYONE
        | frozenset(
            {
                Perm.CUSTOMERS_SEARCH,
                Perm.CUSTOMERS_VIEW,
                Perm.CUSTOMERS_CREATE,
                Perm.CUSTOMERS_UPDATE,
            }
        ),
        national=False,
    ),
    Role.BILLING_OFFICER: RoleDefinition(
        _EVERYONE
        | frozenset({Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_CHANGE_TERMS}),
        national=False,
    ),
    Role.FIELD_TECHNICIAN: RoleDefinition(
        _EVERYONE | frozenset({Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW}), national=False
    ),
    Role.AUDITOR: RoleDefinition(
        _EVERYONE | frozenset({Perm.AUDIT_VIEW, Perm.CUSTOMERS_QUALITY, Perm.UNITS_VIEW}),
        national=True,
    ),
    Role.PRIVACY_OFFICER: RoleDefinition(
        _EVERYONE
        | frozenset({Perm.AUDIT_VIEW, Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW, Perm.UNITS_VIEW}),
        national=True,
    ),
}


def permissions_of(role: str) -> frozenset[str]:
    definition = ROLES.get(role)
    return definition.permissions if definition else frozenset()


def is_national(role: str) -> bool:
    definition = ROLES.get(role)
    return bool(definition and definition.national)
