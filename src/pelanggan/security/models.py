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
    # Set while the account is suspended (anomaly detection or an administrator): its sessions
    # and tokens stop working at once; the reason is in the audit trail.
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Bumped by "logout everywhere" and suspension: a session signed in under an older
    # generation is ended on its next request.
    session_generation = models.PositiveIntegerField(default=0)


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


class ThrottleKind(models.TextChoices):
    ACCOUNT = "account", "Akun"
    ADDRESS = "address", "Alamat klien"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per account (user id) and per client address (keyed hash).

    Past the configured number of failures within the window the account or address is
    locked until `locked_until`; an administrator can unlock earlier. Addresses are stored
    only as a keyed hash (they are personal data).
    """

    kind = models.CharField(max_length=10, choices=ThrottleKind.choices)
    key = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="login_throttle_unique_key"),
        ]


class CustomerAccount(models.Model):
    """A customer's portal sign-in, linked to their person in the customer master.

    `person_ref` is the person's id as an opaque string: security does not know the customer
    master; the portal resolves contacts and accounts through it. Customers have no password:
    they sign in with a one-time code sent to their registered phone or e-mail.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_account"
    )
    person_ref = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()


class CustomerLoginCode(models.Model):
    """One one-time sign-in code: only its keyed hash is kept; short-lived, few attempts.

    `sealed_message` holds the destination and code encrypted with the data keys until the
    delivery handler has sent it, then it is emptied.
    """

    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, related_name="login_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=10)
    sealed_message = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="login_code_recent_idx")]
