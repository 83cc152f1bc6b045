"""Read side of security: who the caller is, what they may do, which units they may see."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Q

from pelanggan.platform import clock
from pelanggan.platform.audit import Actor
from pelanggan.platform.bulk import db_value
from pelanggan.platform.errors import NotFound
from pelanggan.security.models import ApiToken, StaffProfile, Unit, UnitKind
from pelanggan.security.roles import ROLES, is_national, is_service_account, permissions_of


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member as the rest of the system sees them."""

    user_id: int
    username: str
    role: str
    permissions: frozenset[str]
    national: bool
    ulp_ids: frozenset[int]
    # A bearer token may be narrowed to some permissions; empty means the role's full set.
    scopes: frozenset[str] = frozenset()

    def has(self, permission: str) -> bool:
        if self.scopes and permission not in self.scopes:
            return False
        return permission in self.permissions

    def can_see_ulp(self, ulp_id: int | None) -> bool:
        return self.national or (ulp_id is not None and ulp_id in self.ulp_ids)

    @property
    def actor(self) -> Actor:
        return Actor("staff", self.user_id, self.username)


_TREE_TTL_SECONDS = 30.0
_tree_cache: tuple[float, dict[int, list[int]], dict[int, str]] | None = None


def forget_unit_tree() -> None:
    """Drop the cached unit tree (called when units change in this process)."""
    global _tree_cache
    _tree_cache = None


def _tree() -> tuple[dict[int, list[int]], dict[int, str]]:
    """Children and kinds of every unit, cached briefly: the organisation changes rarely and
    every authenticated request needs it. Other processes see a change within the TTL."""
    global _tree_cache
    now = time.monotonic()
    if _tree_cache is not None and now - _tree_cache[0] < _TREE_TTL_SECONDS:
        return _tree_cache[1], _tree_cache[2]
    children: dict[int, list[int]] = {}
    kinds: dict[int, str] = {}
    for unit_id, parent_id, kind in Unit.objects.values_list("id", "parent_id", "kind"):
        kinds[unit_id] = kind
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    _tree_cache = (now, children, kinds)
    return children, kinds


def _descendant_ulps(unit_ids: set[int]) -> frozenset[int]:
    children, kinds = _tree()
    found: set[int] = set()
    stack = list(unit_ids)
    while stack:
        current = stack.pop()
        if kinds.get(current) == UnitKind.ULP:
            found.add(current)
        stack.extend(children.get(current, []))
    return frozenset(found)


def principal_for(user: AbstractBaseUser | AnonymousUser | None) -> Principal | None:
    """The principal of an active staff user, or None for anyone without a staff profile."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_pelanggan_principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    # The token lookup joins the profile in already; a session user needs one query for it.
    profile = user._state.fields_cache.get("staff_profile") if hasattr(user, "_state") else None
    if profile is None:
        profile = StaffProfile.objects.filter(user_id=user.pk).first()
    if profile is None or profile.suspended_at is not None or not _is_staff_role(profile.role):
        return None
    if is_service_account(profile.role):
        return None  # machines use bearer tokens only: no console or session principal
    unit_ids = set(
        StaffProfile.units.through.objects.filter(staffprofile_id=profile.pk).values_list(
            "unit_id", flat=True
        )
    )
    principal = Principal(
        user_id=user.pk,
        username=user.get_username(),
        role=profile.role,
        permissions=permissions_of(profile.role),
        national=is_national(profile.role),
        ulp_ids=_descendant_ulps(unit_ids),
    )
    user._pelanggan_principal = principal  # type: ignore[attr-defined]
    return principal


_PRINCIPAL_BY_BEARER_SQL = """
    SELECT t.user_id, u.{username}, p.role, t.scopes, su.unit_id
    FROM security_apitoken t
    JOIN {user_table} u ON u.id = t.user_id
    JOIN security_staffprofile p ON p.user_id = u.id
    LEFT JOIN security_staffprofile_units su ON su.staffprofile_id = p.id
    WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active
      AND p.suspended_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > %s)
"""


def principal_for_token(secret: str) -> Principal | None:
    """The principal behind a bearer token in one query (token, user, profile and units).

    Every API call pays for this, so it skips the ORM's model building; the rules are those of
    `user_for_token` and `principal_for` (unrevoked, unexpired, active user with a profile).
    """
    User = get_user_model()
    sql = _PRINCIPAL_BY_BEARER_SQL.format(
        username=connection.ops.quote_name(User.USERNAME_FIELD),
        user_table=connection.ops.quote_name(User._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(secret), db_value(clock.now())])
        rows = cursor.fetchall()
    if not rows:
        return None
    user_id, username, role, scopes, _ = rows[0]
    if not _is_staff_role(role):
        return None
    units = {unit_id for *_, unit_id in rows if unit_id is not None}
    return Principal(
        user_id=user_id,
        username=username,
        role=role,
        permissions=permissions_of(role),
        national=is_national(role),
        ulp_ids=_descendant_ulps(units),
        scopes=_scopes(scopes),
    )


def _scopes(raw: object) -> frozenset[str]:
    """Token scopes as stored (a JSON list; SQLite hands back its text)."""
    if isinstance(raw, str):
        raw = json.loads(raw or "[]")
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(str(scope) for scope in raw)


def _is_staff_role(role: str) -> bool:
    definition = ROLES.get(role)
    return bool(definition and definition.staff)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str) -> AbstractBaseUser | None:
    """The active user a bearer token belongs to, if the token is valid, unexpired, unrevoked."""
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user", "user__staff_profile")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    profile = getattr(token.user, "staff_profile", None)
    if profile is not None and profile.suspended_at is not None:
        return None
    return token.user


def unit_tree() -> list[Unit]:
    return list(Unit.objects.select_related("parent").order_by("code"))


def ulp_ids_by_code() -> dict[str, int]:
    return dict(Unit.objects.filter(kind=UnitKind.ULP).values_list("code", "id"))


def ulps(*, ulp_ids: frozenset[int] | None = None) -> list[Unit]:
    """ULPs ordered by code; all of them when `ulp_ids` is None."""
    query = Unit.objects.filter(kind=UnitKind.ULP).order_by("code")
    return list(query if ulp_ids is None else query.filter(id__in=ulp_ids))


def ulp_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, kind=UnitKind.ULP).first()


def staff_listing() -> list[dict[str, object]]:
    User = get_user_model()
    rows = []
    for user in User.objects.select_related("staff_profile").order_by("username"):
        profile = getattr(user, "staff_profile", None)
        rows.append(
            {
                "username": user.get_username(),
                "active": user.is_active,
                "role": profile.role if profile else None,
                "units": sorted(profile.units.values_list("code", flat=True)) if profile else [],
                "national": bool(profile and is_national(profile.role)),
            }
        )
    return rows


def has_totp(user_id: int) -> bool:
    """Whether the staff member has an authenticator app enrolled."""
    from allauth.mfa.models import Authenticator

    return bool(
        Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()
    )


def staff_user_id(username: str) -> int:
    """The user id of the staff account named `username`. Raises NotFound (no such account,
    or an account without a staff profile)."""
    user_id = (
        StaffProfile.objects.filter(user__username=username).values_list("user_id", flat=True)
    ).first()
    if user_id is None:
        raise NotFound("No staff account with this username", code="user_not_found")
    return int(user_id)
