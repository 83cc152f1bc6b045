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
from pelanggan.security.roles import ALL_PERMISSIONS, ROLES
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
    """Issue a bearer token; returns the stored row and the secret (shown once, never stored).

    `scopes` narrows the token to some permissions (still within the user's role). Raises
    NotFound, ValidationFailed (unknown scope).
    """
    unknown = sorted(set(scopes or []) - ALL_PERMISSIONS)
    if unknown:
        raise ValidationFailed.single(
            "scopes", "unknown_scope", f"Unknown permission scope(s): {', '.join(unknown)}"
        )
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


def _profile_for_update(user_id: int) -> StaffProfile:
    profile = StaffProfile.objects.select_for_update().filter(user_id=user_id).first()
    if profile is None:
        raise NotFound("No staff account with this id", code="user_not_found")
    return profile


def suspend_staff(user_id: int, *, reason: str, actor: audit.Actor) -> None:
    """Suspend a staff member at once: sessions and tokens stop working on their next use.

    `principal_for` and `principal_for_token` return None while suspended, and the session
    middleware ends every open console session (the session generation moves on). Idempotent:
    suspending a suspended account changes nothing and records nothing. Raises NotFound,
    ValidationFailed (empty reason).
    """
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "A reason is required")
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        if profile.suspended_at is not None:
            return
        profile.suspended_at = clock.now()
        profile.session_generation += 1
        profile.save(update_fields=["suspended_at", "session_generation"])
        audit.record(
            "security.user.suspended",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={"suspended": audit.change(False, True)},
            reason=reason.strip(),
        )


def reinstate_staff(user_id: int, *, reason: str, actor: audit.Actor) -> None:
    """Lift a suspension (idempotent). Old sessions stay ended; the staff member signs in again.

    Raises NotFound, ValidationFailed (empty reason).
    """
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "A reason is required")
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        if profile.suspended_at is None:
            return
        profile.suspended_at = None
        profile.save(update_fields=["suspended_at"])
        audit.record(
            "security.user.reinstated",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={"suspended": audit.change(True, False)},
            reason=reason.strip(),
        )


def logout_everywhere(user_id: int, *, actor: audit.Actor) -> int:
    """End every console session of a staff member (the new session generation).

    Returns the new generation. The caller's own session ends too unless the view stores the
    new generation in it (`pelanggan.security.sessions.adopt_generation`). Raises NotFound.
    """
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        profile.session_generation += 1
        profile.save(update_fields=["session_generation"])
        audit.record(
            "security.session.revoked_all",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={"session_generation": audit.change(None, profile.session_generation)},
        )
    return profile.session_generation


def enrol_totp(*, user_id: int, actor: audit.Actor, secret: str | None = None) -> str:
    """Give a staff member a TOTP authenticator (demo, fixtures, provisioning scripts).

    Returns the secret (base32) for an authenticator app; it is stored encrypted. Staff enrol
    themselves through the console; this is for accounts created by tooling. Raises NotFound,
    Conflict (already has one).
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    from pelanggan.security import totp

    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No staff account with this id", code="user_not_found")
    secret = secret or totp.new_secret()
    with transaction.atomic():
        if Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists():
            raise Conflict("This account already has an authenticator", code="totp_exists")
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
        )
        audit.record(
            "security.mfa.enrolled",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={"type": audit.change(None, "totp")},
        )
    return secret
