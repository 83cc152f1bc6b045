"""Write side of security: staff accounts, units, API tokens. Each write is audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.ids import new_secret_token
from pelanggan.security.models import ApiToken, StaffProfile, Unit, UnitKind
from pelanggan.security.roles import ROLES
from pelanggan.security.selectors import forget_unit_tree, hash_token


def ensure_unit(
    *, code: str, name: str, kind: str, parent_code: str | None, idpel_prefix: str = ""
) -> Unit:
    """Create or update a unit by code (idempotent; used by the demo and unit imports)."""
    parent = Unit.objects.get(code=parent_code) if parent_code else None
    forget_unit_tree()
    unit, _ = Unit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": UnitKind(kind),
            "parent": parent,
            "idpel_prefix": idpel_prefix,
        },
    )
    return unit


def create_staff(
    *,
    username: str,
    password: str,
    role: str,
    unit_codes: list[str],
    actor: audit.Actor,
    email: str = "",
    check_password: bool = True,
) -> AbstractUser:
    """Create a staff account with an argon2-hashed password. Raises ValidationFailed, Conflict."""
    User = get_user_model()
    if role not in ROLES:
        raise ValidationFailed.single("role", "unknown_role", "Unknown role")
    if User.objects.filter(username=username).exists():
        raise Conflict("A staff account with this username already exists", code="username_taken")
    units = list(Unit.objects.filter(code__in=unit_codes))
    if len(units) != len(set(unit_codes)):
        raise ValidationFailed.single(
            "units", "unknown_unit", "One or more unit codes do not exist"
        )
    if check_password:
        try:
            validate_password(password, user=User(username=username))
        except DjangoValidationError as exc:
            raise ValidationFailed(
                "The password is too weak",
                fields={
                    "password": [{"code": "weak_password", "message": m} for m in exc.messages]
                },
            ) from exc
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, email=email)
        profile = StaffProfile.objects.create(user=user, role=role)
        profile.units.set(units)
        audit.record(
            "security.user.created",
            actor=actor,
            subject_type="staff",
            subject_ids=[user.pk],
            changes={
                "role": audit.change(None, role),
                "units": audit.change(None, sorted(unit_codes)),
            },
        )
    return user


def issue_token(
    *,
    username: str,
    name: str,
    actor: audit.Actor,
    valid_for: dt.timedelta | None = dt.timedelta(days=90),
    scopes: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token; returns the stored row and the secret (shown once, never stored)."""
    User = get_user_model()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("No active staff account with this username", code="user_not_found")
    secret = new_secret_token("plg")
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            token_hash=hash_token(secret),
            prefix=secret[:12],
            scopes=scopes or [],
            created_at=now,
            expires_at=now + valid_for if valid_for else None,
        )
        audit.record(
            "security.token.issued",
            actor=actor,
            subject_type="staff",
            subject_ids=[user.pk],
            changes={"token": audit.change(None, token.prefix)},
        )
    return token, secret


def revoke_token(*, prefix: str, actor: audit.Actor) -> int:
    with transaction.atomic():
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        for token in tokens:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                "security.token.revoked",
                actor=actor,
                subject_type="staff",
                subject_ids=[token.user_id],
                changes={"token": audit.change(token.prefix, None)},
            )
    return len(tokens)
