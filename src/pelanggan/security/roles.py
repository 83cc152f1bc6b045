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
    PARTNER_CLIENT = "partner_client", "Klien mitra (API)"
    HEAD_END = "head_end", "Sistem head-end AMI (akun layanan)"
    CUSTOMER = "customer", "Pelanggan"


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
    INTERVALS_INGEST = "metering.ingest_intervals"
    READS_REVIEW = "metering.review_reads"
    METERING_VIEW = "metering.view"
    METERING_MANAGE = "metering.manage_meters"
    READS_SUBMIT = "metering.submit_reads"
    PRIVACY_REQUESTS_MANAGE = "privacy.manage_requests"
    BREACH_MANAGE = "privacy.manage_breaches"
    RETENTION_RUN = "privacy.run_retention"
    PII_REVEAL = "customers.reveal_pii"
    ALERTS_MANAGE = "oversight.manage_alerts"
    METER_COMMANDS_SEND = "headend.send_commands"
    METER_COMMANDS_VIEW = "headend.view_commands"


ALL_PERMISSIONS = frozenset(
    value for name, value in vars(Perm).items() if name.isupper() and isinstance(value, str)
)


@dataclass(frozen=True)
class RoleDefinition:
    permissions: frozenset[str]
    national: bool
    # Every role that can see personal data must use a second factor (UU PDP; ASVS V6).
    mfa_required: bool = True
    # Customers sign in to the portal, never to the staff console or the staff API.
    staff: bool = True
    # A machine, not a person: no password, no console session, no interactive second factor;
    # it authenticates only with scoped bearer tokens that expire (`issue_token` insists).
    service_account: bool = False


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
                Perm.PII_REVEAL,
                Perm.METER_COMMANDS_SEND,
                Perm.METER_COMMANDS_VIEW,
                Perm.READS_REVIEW,
                Perm.METERING_VIEW,
                Perm.METERING_MANAGE,
                Perm.READS_SUBMIT,
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
                Perm.METERING_VIEW,
            }
        ),
        national=False,
    ),
    Role.BILLING_OFFICER: RoleDefinition(
        _EVERYONE
        | frozenset({Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_CHANGE_TERMS})
        | frozenset({Perm.READS_REVIEW, Perm.METERING_VIEW}),
        national=False,
    ),
    Role.FIELD_TECHNICIAN: RoleDefinition(
        _EVERYONE
        | frozenset({Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW})
        | frozenset({Perm.METER_COMMANDS_SEND, Perm.METER_COMMANDS_VIEW})
        | frozenset({Perm.METERING_VIEW, Perm.METERING_MANAGE, Perm.READS_SUBMIT}),
        national=False,
    ),
    Role.AUDITOR: RoleDefinition(
        _EVERYONE | frozenset({Perm.AUDIT_VIEW, Perm.CUSTOMERS_QUALITY, Perm.UNITS_VIEW}),
        national=True,
    ),
    Role.PRIVACY_OFFICER: RoleDefinition(
        _EVERYONE
        | frozenset({Perm.AUDIT_VIEW, Perm.CUSTOMERS_SEARCH, Perm.CUSTOMERS_VIEW, Perm.UNITS_VIEW})
        | frozenset({Perm.PRIVACY_REQUESTS_MANAGE, Perm.BREACH_MANAGE, Perm.RETENTION_RUN})
        | frozenset({Perm.PII_REVEAL, Perm.ALERTS_MANAGE}),
        national=True,
    ),
    # A vending partner's API client: machine credentials (bearer token with scopes), no
    # personal data, no console. Partner operations add their permissions here.
    Role.PARTNER_CLIENT: RoleDefinition(_EVERYONE, national=True, mfa_required=False),
    # An AMI head-end system's service account: it pushes interval batches and meter events
    # (`POST /intervals/batches`, `POST /metering/events`), nothing else. National because one
    # head-end serves the meters of every unit and the data it lands names meters, not
    # customers (no personal data); it can read nothing back. MFA does not apply to a machine:
    # its bearer tokens are scoped and expire instead (see `service_account`).
    Role.HEAD_END: RoleDefinition(
        _EVERYONE | frozenset({Perm.INTERVALS_INGEST}),
        national=True,
        mfa_required=False,
        service_account=True,
    ),
    # Portal customers see only their own accounts through the portal's selectors.
    Role.CUSTOMER: RoleDefinition(frozenset(), national=False, mfa_required=False, staff=False),
}


def mfa_required(role: str) -> bool:
    """True when holders of `role` must enrol and use a second factor (unknown roles: True)."""
    definition = ROLES.get(role)
    return definition.mfa_required if definition else True


def is_service_account(role: str) -> bool:
    """True for machine accounts (head-end systems): bearer tokens only, no console."""
    definition = ROLES.get(role)
    return bool(definition and definition.service_account)


# The longest a service account's token may live: a leaked one stops working within this.
SERVICE_TOKEN_MAX_LIFETIME_DAYS = 365


def permissions_of(role: str) -> frozenset[str]:
    definition = ROLES.get(role)
    return definition.permissions if definition else frozenset()


def is_national(role: str) -> bool:
    definition = ROLES.get(role)
    return bool(definition and definition.national)
