"""Who may open a console page, and the 403/404 pages every view answers with.

Every console view carries `@staff_required(Perm.X)`: it needs a logged-in user with a staff
profile (a principal) holding permission X. The decorator records the permission on the view as
`required_permission`, so a test can walk the URL patterns and fail on a view that declares none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.views.decorators.cache import never_cache
from django_htmx.http import HttpResponseClientRedirect

from pelanggan.platform.errors import NotFound, PermissionDenied
from pelanggan.security.roles import ALL_PERMISSIONS
from pelanggan.security.selectors import Principal, principal_for, unit_tree

F = TypeVar("F", bound=Callable[..., HttpResponse])


def forbidden(request: HttpRequest) -> HttpResponse:
    partial = getattr(request, "htmx", False)
    return render(request, "web/errors/_403.html" if partial else "web/403.html", status=403)


def not_found(request: HttpRequest) -> HttpResponse:
    """One page for "does not exist" and "outside your units": nothing tells them apart."""
    partial = getattr(request, "htmx", False)
    return render(request, "web/errors/_404.html" if partial else "404.html", status=404)


def staff_required(permission: str) -> Callable[[F], F]:
    """Require a staff principal with `permission`; sets `request.principal` for the view.

    Anonymous users go to the login page (htmx calls get a client-side redirect). A user
    without a staff profile or without the permission gets the 403 page. `NotFound` and
    `PermissionDenied` raised by a selector or service become the 404 and 403 pages. Pages
    carry personal data, so nothing is cached.
    """
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
                return redirect_to_login(request.get_full_path())
            principal = principal_for(request.user)
            if principal is None or not principal.has(permission):
                return forbidden(request)
            request.principal = principal  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                return not_found(request)
            except PermissionDenied:
                return forbidden(request)

        guarded = never_cache(wrapper)
        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator


def principal_of(request: HttpRequest) -> Principal:
    """The principal `staff_required` attached to the request."""
    principal = getattr(request, "principal", None)
    if not isinstance(principal, Principal):
        raise PermissionDenied("The view is not guarded by staff_required")
    return principal


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    parent_name: str


def visible_ulps(principal: Principal) -> list[UnitChoice]:
    """The ULPs the principal works in (every ULP for national roles), in code order."""
    return [
        UnitChoice(unit.code, unit.name, unit.parent.name if unit.parent else "")
        for unit in unit_tree()
        if unit.kind == "ULP" and (principal.national or unit.pk in principal.ulp_ids)
    ]
