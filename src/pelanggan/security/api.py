"""API authentication (bearer tokens and console sessions) and per-operation permissions.

Every API operation declares the permission it needs with `@requires(...)` (or `@public` for the
few that need none); a test walks the router and fails on an operation that declares neither.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from ninja.security import HttpBearer, SessionAuth

from pelanggan.platform.errors import PermissionDenied
from pelanggan.security.roles import ALL_PERMISSIONS
from pelanggan.security.selectors import Principal, principal_for, principal_for_token

PUBLIC = "public"
F = TypeVar("F", bound=Callable[..., Any])


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        principal = principal_for_token(token)
        if principal is None:
            return None
        # Django's user object only if something asks for it: the API works with the principal.
        user_id = principal.user_id
        request.user = SimpleLazyObject(  # type: ignore[assignment]
            lambda: get_user_model().objects.get(pk=user_id)
        )
        return principal


class StaffSessionAuth(SessionAuth):
    """The web console's session, for htmx calls into the API (CSRF-checked by Ninja)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = super().authenticate(request, key)
        return principal_for(user) if user else None


API_AUTH = [BearerTokenAuth(), StaffSessionAuth()]


def requires(permission: str) -> Callable[[F], F]:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            principal = getattr(request, "auth", None)
            if not isinstance(principal, Principal) or not principal.has(permission):
                raise PermissionDenied("You do not have permission for this operation")
            return func(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public(func: F) -> F:
    func.required_permission = PUBLIC  # type: ignore[attr-defined]
    return func
