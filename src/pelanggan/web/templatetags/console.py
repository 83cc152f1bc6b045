"""Template filters and tags of the staff console: Indonesian formats, labels, the staff shell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pelanggan.platform.money import format_rupiah
from pelanggan.security.selectors import Principal, principal_for
from pelanggan.web import formats, labels
from pelanggan.web.access import UnitChoice, visible_ulps

register = template.Library()


@register.filter
def tanggal(value: dt.date | dt.datetime | None) -> str:
    """A date in the long form of the active language: `22 November 2026`."""
    return formats.long_date(value)


@register.filter
def waktu(value: dt.datetime | None) -> str:
    """A datetime in WIB: `22 November 2026 14.05 WIB`."""
    return formats.long_datetime(value)


@register.filter
def angka(value: int | Decimal | str | None) -> str:
    """A number with the thousands separator of the active language: `1.300`."""
    return formats.number(value)


@register.filter
def rupiah(value: Decimal | None) -> str:
    return "" if value is None else format_rupiah(value)


@register.filter
def label(value: object, kind: str) -> str:
    """The translated label of a stored code: `{{ record.status|label:"account_status" }}`."""
    return labels.label(kind, value)


@register.filter
def badge_tone(status: str) -> str:
    return labels.BADGE_TONES.get(status, "muted")


@register.filter
def can(principal: Principal | None, permission: str) -> bool:
    return principal is not None and principal.has(permission)


@register.simple_tag
def period(valid_from: dt.date | dt.datetime | None, valid_to: dt.date | dt.datetime | None) -> str:
    """A half-open period `[from, to)`: `1 Maret 2019 – sekarang` while it is still open."""
    end = formats.long_date(valid_to) if valid_to else _("present")
    return f"{formats.long_date(valid_from)} – {end}"


@dataclass(frozen=True)
class StaffShell:
    """What the top bar and the navigation show about the logged-in staff member."""

    principal: Principal | None
    username: str
    role_label: str
    unit_label: str
    ulps: list[UnitChoice]


def _unit_label(principal: Principal, ulps: list[UnitChoice]) -> str:
    if principal.national:
        return _("All units (national)")
    if not ulps:
        return _("No unit assigned")
    if len(ulps) == 1:
        return ulps[0].name
    parents = {u.parent_name for u in ulps}
    if len(parents) == 1 and ulps[0].parent_name:
        return ulps[0].parent_name
    return ngettext("%(count)d ULP", "%(count)d ULPs", len(ulps)) % {"count": len(ulps)}


@register.simple_tag
def staff_shell(request: HttpRequest) -> StaffShell | None:
    """The staff shell for the page's user (also on Django's own 404 page, which has no view)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    principal: Principal | None = getattr(request, "principal", None) or principal_for(user)
    if principal is None:
        return StaffShell(None, user.get_username(), "", "", [])
    ulps = visible_ulps(principal)
    return StaffShell(
        principal,
        principal.username,
        labels.label("role", principal.role),
        _unit_label(principal, ulps),
        ulps,
    )


@register.filter
def item(mapping: Any, key: str) -> Any:
    """`mapping[key]` for templates (Django templates cannot index with a variable)."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
