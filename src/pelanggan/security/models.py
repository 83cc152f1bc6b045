"""Units of the utility, staff profiles and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pelanggan.security.roles import Role


class UnitKind(models.TextChoices):
    UID = "UID", "Unit Induk Distribusi"
    UP3 = "UP3", "Unit Pelaksana Pelayanan Pelanggan"
    ULP = "ULP", "Unit Layanan Pelanggan"


class Unit(models.Model):
    """A node of the organisation tree UID → UP3 → ULP. Customers belong to a ULP."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=3, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    idpel_prefix = models.CharField(
        max_length=5, blank=True, help_text="First digits of IDPELs this ULP assigns"
    )
    time_zone = models.CharField(max_length=40, default="Asia/Jakarta")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="UID", parent__isnull=True)
                | models.Q(kind__in=["UP3", "ULP"], parent__isnull=False),
                name="unit_parent_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class StaffProfile(models.Model):
    """A staff member's role and the units they serve (their scope, unless the role is national)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    units = models.ManyToManyField(Unit, blank=True, related_name="staff")
    preferred_language = models.CharField(max_length=5, default="id")


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the secret is shown once when issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
