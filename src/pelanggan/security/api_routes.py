"""Security endpoints of the API: who am I, units, and administering staff accounts
(unlock, suspend/reinstate, logout everywhere, role and units).

Thin: parse, call one service, map the result back. Suspension, reinstatement and role changes
ask for a fresh second factor (`ensure_step_up`: a recent console MFA or an `X-Pelanggan-OTP`
code) before anything changes.
"""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from pelanggan.platform.errors import Unauthenticated
from pelanggan.security import lockout, services
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal, staff_user_id, unit_tree
from pelanggan.security.stepup import ensure_step_up

router = Router()


class MeOut(Schema):
    username: str
    role: str
    national: bool
    permissions: list[str]
    ulp_count: int


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None


@router.get("/me", response=MeOut, summary="The authenticated staff member")
@requires(Perm.SELF_VIEW)
def me(request: HttpRequest) -> MeOut:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    return MeOut(
        username=principal.username,
        role=principal.role,
        national=principal.national,
        permissions=sorted(principal.permissions),
        ulp_count=len(principal.ulp_ids),
    )


@router.get("/units", response=list[UnitOut], summary="The unit tree UID → UP3 → ULP")
@requires(Perm.UNITS_VIEW)
def units(request: HttpRequest) -> list[UnitOut]:
    return [
        UnitOut(
            code=u.code, name=u.name, kind=u.kind, parent_code=u.parent.code if u.parent else None
        )
        for u in unit_tree()
    ]


# ---- administering staff accounts (administrators) ----------------------------------------


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class OptionalReasonIn(Schema):
    reason: str = Field("", max_length=300)


class RoleIn(Schema):
    role: str = Field(..., max_length=30)
    units: list[str] = Field(default_factory=list, max_length=50, description="Unit codes")
    reason: str = Field(..., min_length=1, max_length=300)


class StaffActionOut(Schema):
    username: str
    changed: bool = Field(..., description="False when the account was already in that state")


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


@router.post(
    "/staff/{username}/unlock",
    response=StaffActionOut,
    summary="Lift a sign-in lock after repeated failed attempts",
)
@requires(Perm.USERS_MANAGE)
def unlock(request: HttpRequest, username: str, payload: OptionalReasonIn) -> StaffActionOut:
    user_id = staff_user_id(username)
    changed = lockout.unlock_account(
        user_id=user_id, actor=_principal(request).actor, reason=payload.reason.strip()
    )
    return StaffActionOut(username=username, changed=changed)


@router.post(
    "/staff/{username}/suspend",
    response=StaffActionOut,
    summary="Suspend a staff account at once (a reason and a fresh second factor are required)",
)
@requires(Perm.USERS_MANAGE)
def suspend(request: HttpRequest, username: str, payload: ReasonIn) -> StaffActionOut:
    principal = _principal(request)
    user_id = staff_user_id(username)
    ensure_step_up(request)
    changed = services.suspend_staff(user_id, reason=payload.reason, actor=principal.actor)
    return StaffActionOut(username=username, changed=changed)


@router.post(
    "/staff/{username}/reinstate",
    response=StaffActionOut,
    summary="Lift a suspension (a reason and a fresh second factor are required)",
)
@requires(Perm.USERS_MANAGE)
def reinstate(request: HttpRequest, username: str, payload: ReasonIn) -> StaffActionOut:
    principal = _principal(request)
    user_id = staff_user_id(username)
    ensure_step_up(request)
    changed = services.reinstate_staff(user_id, reason=payload.reason, actor=principal.actor)
    return StaffActionOut(username=username, changed=changed)


@router.post(
    "/staff/{username}/logout-everywhere",
    response=StaffActionOut,
    summary="End every console session of a staff member",
)
@requires(Perm.USERS_MANAGE)
def logout_everywhere(request: HttpRequest, username: str) -> StaffActionOut:
    user_id = staff_user_id(username)
    services.logout_everywhere(user_id, actor=_principal(request).actor)
    return StaffActionOut(username=username, changed=True)


@router.put(
    "/staff/{username}/role",
    response=StaffActionOut,
    summary="Change a staff member's role and units (a fresh second factor is required)",
)
@requires(Perm.USERS_MANAGE)
def change_role(request: HttpRequest, username: str, payload: RoleIn) -> StaffActionOut:
    principal = _principal(request)
    user_id = staff_user_id(username)
    ensure_step_up(request)
    changed = services.change_staff_role(
        user_id,
        role=payload.role,
        unit_codes=payload.units,
        reason=payload.reason,
        actor=principal.actor,
    )
    return StaffActionOut(username=username, changed=changed)
