"""Write side of security: staff accounts, units, API tokens. Each write is audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from pelanggan.platform import audit, clock
from pelanggan.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from pelanggan.platform.ids import new_secret_token
from pelanggan.security.models import ApiToken, StaffProfile, Unit, UnitKind
from pelanggan.security.roles import (
    ALL_PERMISSIONS,
    ROLES,
    SERVICE_TOKEN_MAX_LIFETIME_DAYS,
    is_service_account,
    permissions_of,
)
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
    """Create a staff account with an argon2-hashed password. Raises ValidationFailed, Conflict.

    A service account (`head_end`) gets no usable password whatever is passed: it can never
    sign in to the console and authenticates only with the expiring, scoped bearer tokens of
    `issue_token`. Its role is national, so unit codes are refused for it.
    """
    User = get_user_model()
    if role not in ROLES:
        raise ValidationFailed.single("role", "unknown_role", "Unknown role")
    service = is_service_account(role)
    if service and unit_codes:
        raise ValidationFailed.single(
            "units", "national_role", "A head-end service account serves every unit: no units"
        )
    if User.objects.filter(username=username).exists():
        raise Conflict("A staff account with this username already exists", code="username_taken")
    units = list(Unit.objects.filter(code__in=unit_codes))
    if len(units) != len(set(unit_codes)):
        raise ValidationFailed.single(
            "units", "unknown_unit", "One or more unit codes do not exist"
        )
    if check_password and not service:
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
        user = User.objects.create_user(
            username=username, password=None if service else password, email=email
        )
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

    `scopes` narrows the token to some permissions (still within the user's role). A service
    account's token always expires (at most `SERVICE_TOKEN_MAX_LIFETIME_DAYS`) and always
    carries scopes (the role's permissions when none are given). Raises NotFound,
    ValidationFailed (unknown scope, a scope outside a service account's role, no or too long
    a lifetime for a service account).
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
    role = StaffProfile.objects.filter(user=user).values_list("role", flat=True).first() or ""
    if is_service_account(role):
        scopes = _service_scopes(role, scopes, valid_for)
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


def _service_scopes(
    role: str, scopes: list[str] | None, valid_for: dt.timedelta | None
) -> list[str]:
    if valid_for is None or valid_for > dt.timedelta(days=SERVICE_TOKEN_MAX_LIFETIME_DAYS):
        raise ValidationFailed.single(
            "valid_for",
            "must_expire",
            f"A service account's token expires within {SERVICE_TOKEN_MAX_LIFETIME_DAYS} days",
        )
    allowed = permissions_of(role)
    outside = sorted(set(scopes or []) - allowed)
    if outside:
        raise ValidationFailed.single(
            "scopes", "outside_role", f"Not permissions of the role: {', '.join(outside)}"
        )
    return sorted(scopes or allowed)


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


def suspend_staff(user_id: int, *, reason: str, actor: audit.Actor) -> bool:
    """Suspend a staff member at once: sessions and tokens stop working on their next use.

    `principal_for` and `principal_for_token` return None while suspended, and the session
    middleware ends every open console session (the session generation moves on). Idempotent:
    suspending a suspended account changes nothing and records nothing (returns False). Raises
    NotFound, ValidationFailed (empty reason).
    """
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "A reason is required")
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        if profile.suspended_at is not None:
            return False
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
    return True


def reinstate_staff(user_id: int, *, reason: str, actor: audit.Actor) -> bool:
    """Lift a suspension (idempotent). Old sessions stay ended; the staff member signs in again.

    Raises NotFound, ValidationFailed (empty reason).
    """
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "A reason is required")
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        if profile.suspended_at is None:
            return False
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
    return True


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
    role = StaffProfile.objects.filter(user_id=user_id).values_list("role", flat=True).first()
    if role is not None and is_service_account(role):
        raise ValidationFailed.single(
            "user", "service_account", "A service account has no second factor: it uses tokens"
        )
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


def change_staff_role(
    user_id: int, *, role: str, unit_codes: list[str], reason: str, actor: audit.Actor
) -> bool:
    """Give a staff member another role and/or other units (administrators, after step-up).

    A unit-scoped role needs at least one unit and a national role takes none. Nobody changes
    their own role, and service accounts (machines) and people never swap kinds: create a
    separate account instead. Every console session of the member ends (the new role applies
    from the next sign-in); bearer tokens carry on under the new role, still within their
    scopes. Returns False when nothing changed (nothing recorded). Raises NotFound,
    ValidationFailed (unknown role or unit, units that do not fit the role, empty reason),
    PermissionDenied (one's own account).
    """
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "A reason is required")
    definition = ROLES.get(role)
    if definition is None or not definition.staff:
        raise ValidationFailed.single("role", "unknown_role", "Unknown staff role")
    codes = sorted(set(unit_codes))
    if definition.national and codes:
        raise ValidationFailed.single("units", "national_role", "A national role takes no units")
    if not definition.national and not codes:
        raise ValidationFailed.single("units", "required", "A unit-scoped role needs a unit")
    units = list(Unit.objects.filter(code__in=codes))
    if len(units) != len(codes):
        raise ValidationFailed.single("units", "unknown_unit", "Unknown unit code(s)")
    if actor.kind == "staff" and actor.id == user_id:
        raise PermissionDenied("Nobody changes their own role", code="own_account")
    with transaction.atomic():
        profile = _profile_for_update(user_id)
        if is_service_account(profile.role) != definition.service_account:
            raise ValidationFailed.single(
                "role",
                "account_kind",
                "Service accounts and staff members do not swap roles: create another account",
            )
        old_codes = sorted(profile.units.values_list("code", flat=True))
        if profile.role == role and old_codes == codes:
            return False
        old_role = profile.role
        profile.role = role
        profile.session_generation += 1
        profile.save(update_fields=["role", "session_generation"])
        profile.units.set(units)
        audit.record(
            "security.user.role_changed",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={
                "role": audit.change(old_role, role),
                "units": audit.change(old_codes, codes),
            },
            reason=reason.strip(),
        )
    return True
