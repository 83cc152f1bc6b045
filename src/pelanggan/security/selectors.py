"""Read side of security: who the caller is, what they may do, which units they may see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from pelanggan.platform import clock
from pelanggan.platform.audit import Actor
from pelanggan.security.models import ApiToken, StaffProfile, Unit, UnitKind
from pelanggan.security.roles import is_national, permissions_of


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member as the rest of the system sees them."""

    user_id: int
    username: str
    role: str
    permissions: frozenset[str]
    national: bool
    ulp_ids: frozenset[int]

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def can_see_ulp(self, ulp_id: int | None) -> bool:
        return self.national or (ulp_id is not None and ulp_id in self.ulp_ids)

    @property
    def actor(self) -> Actor:
        return Actor("staff", self.user_id, self.username)


def _descendant_ulps(unit_ids: set[int]) -> frozenset[int]:
    units = list(Unit.objects.values_list("id", "parent_id", "kind"))
    children: dict[int, list[int]] = {}
    kinds = {}
    for unit_id, parent_id, kind in units:
        kinds[unit_id] = kind
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
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
    profile = StaffProfile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return None
    unit_ids = set(profile.units.values_list("id", flat=True))
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


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str) -> AbstractBaseUser | None:
    """The active user a bearer token belongs to, if the token is valid, unexpired, unrevoked."""
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
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
