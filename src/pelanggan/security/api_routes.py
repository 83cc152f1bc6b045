"""Security endpoints of the API: who am I, units."""

from django.http import HttpRequest
from ninja import Router, Schema

from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal, unit_tree

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
