"""Customer master API (`/api/v1/customers`).

Thin: parse, call one service or selector, map the result back.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from pelanggan.customers import selectors, services
from pelanggan.customers.schemas import (
    AddressIn,
    AssetIn,
    ConsentIn,
    CreatedOut,
    CustomerIn,
    PersonPatch,
    ProgrammeIn,
    RecordOut,
    RevealIn,
    RevealOut,
    SearchIn,
    SearchPageOut,
    StatusIn,
    TermsIn,
    UnitQualityOut,
)
from pelanggan.platform.errors import Unauthenticated
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal
from pelanggan.security.stepup import ensure_step_up

REASON_HEADER = "X-Access-Reason"

router = Router()


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


def _record(request: HttpRequest, idpel: str) -> dict[str, Any]:
    return selectors.customer_record(idpel=idpel, principal=_principal(request))


@router.get(
    "", response=SearchPageOut, summary="Search by IDPEL or meter number (no personal data in URLs)"
)
@requires(Perm.CUSTOMERS_SEARCH)
def search_by_identifier(
    request: HttpRequest,
    q: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    return selectors.search_customers(
        query=q, principal=_principal(request), page=page, page_size=page_size, allow_personal=False
    )


@router.post(
    "/search",
    response=SearchPageOut,
    summary="Search by IDPEL, meter number, NIK, phone or name words",
)
@requires(Perm.CUSTOMERS_SEARCH)
def search(request: HttpRequest, body: SearchIn) -> Any:
    return selectors.search_customers(
        query=body.q, principal=_principal(request), page=body.page, page_size=body.page_size
    )


@router.post("", response={201: CreatedOut}, summary="Register a customer")
@requires(Perm.CUSTOMERS_CREATE)
def create(request: HttpRequest, body: CustomerIn) -> Any:
    data = {k: ("" if v is None else str(v)) for k, v in body.dict().items()}
    account = services.register_customer(data=data, principal=_principal(request))
    return Status(201, CreatedOut(idpel=account.idpel))


@router.get("/quality", response=list[UnitQualityOut], summary="Data-quality report per ULP")
@requires(Perm.CUSTOMERS_QUALITY)
def quality(request: HttpRequest) -> Any:
    principal = _principal(request)
    report = services.quality_report(ulp_ids=None if principal.national else principal.ulp_ids)
    return [
        UnitQualityOut(
            ulp_code=u.ulp_code,
            ulp_name=u.ulp_name,
            accounts=u.accounts,
            completeness=u.completeness,
            completeness_overall=u.completeness_overall,
            findings=u.findings,
            consistency=u.consistency,
        )
        for u in report.units
    ]


@router.get(
    "/{idpel}",
    response=RecordOut,
    summary="The 360° customer record (masked); audited, with the X-Access-Reason header if sent",
)
@requires(Perm.CUSTOMERS_VIEW)
def record(request: HttpRequest, idpel: str) -> Any:
    reason = request.headers.get(REASON_HEADER, "").strip()[:300]
    return selectors.customer_record(idpel=idpel, principal=_principal(request), reason=reason)


@router.post(
    "/{idpel}/reveal",
    response=RevealOut,
    exclude_none=True,
    summary="Show personal data unmasked: needs the permission, a reason and step-up (OTP)",
)
@requires(Perm.PII_REVEAL)
def reveal(request: HttpRequest, idpel: str, body: RevealIn) -> Any:
    ensure_step_up(request)
    return selectors.reveal_personal_data(
        idpel=idpel,
        principal=_principal(request),
        fields=body.fields,
        reason_code=body.reason_code,
        reason_text=body.reason,
    )


@router.patch("/{idpel}/person", response=RecordOut, summary="Change the owner's personal data")
@requires(Perm.CUSTOMERS_UPDATE)
def update_person(request: HttpRequest, idpel: str, body: PersonPatch) -> Any:
    fields = body.dict(exclude={"reason"})
    services.update_person(
        idpel=idpel,
        change=services.PersonChange(**fields),
        principal=_principal(request),
        reason=body.reason,
    )
    return _record(request, idpel)


@router.put("/{idpel}/address", response=RecordOut, summary="Change the premise address")
@requires(Perm.CUSTOMERS_UPDATE)
def change_address(request: HttpRequest, idpel: str, body: AddressIn) -> Any:
    change = services.AddressChange(**body.dict(exclude={"reason"}))
    services.change_address(
        idpel=idpel, change=change, principal=_principal(request), reason=body.reason
    )
    return _record(request, idpel)


@router.post(
    "/{idpel}/terms", response=RecordOut, summary="Change tariff, power or payment mode from a date"
)
@requires(Perm.CUSTOMERS_CHANGE_TERMS)
def change_terms(request: HttpRequest, idpel: str, body: TermsIn) -> Any:
    ensure_step_up(request)  # a tariff change moves money: a fresh second factor (issue #3)
    services.change_terms(
        idpel=idpel, change=services.TermsChange(**body.dict()), principal=_principal(request)
    )
    return _record(request, idpel)


@router.put("/{idpel}/status", response=RecordOut, summary="Change the account status")
@requires(Perm.CUSTOMERS_UPDATE)
def set_status(request: HttpRequest, idpel: str, body: StatusIn) -> Any:
    services.set_account_status(
        idpel=idpel, status=body.status, principal=_principal(request), reason=body.reason
    )
    return _record(request, idpel)


@router.post("/{idpel}/consents", response=RecordOut, summary="Record a consent")
@requires(Perm.CUSTOMERS_UPDATE)
def give_consent(request: HttpRequest, idpel: str, body: ConsentIn) -> Any:
    services.give_consent(
        idpel=idpel,
        purpose=body.purpose,
        channel=body.channel,
        evidence=body.evidence,
        principal=_principal(request),
    )
    return _record(request, idpel)


@router.delete("/{idpel}/consents/{purpose}", response=RecordOut, summary="Withdraw a consent")
@requires(Perm.CUSTOMERS_UPDATE)
def withdraw_consent(request: HttpRequest, idpel: str, purpose: str) -> Any:
    services.withdraw_consent(idpel=idpel, purpose=purpose, principal=_principal(request))
    return _record(request, idpel)


@router.post("/{idpel}/assets", response=RecordOut, summary="Record an asset such as rooftop PV")
@requires(Perm.CUSTOMERS_UPDATE)
def add_asset(request: HttpRequest, idpel: str, body: AssetIn) -> Any:
    services.add_asset(idpel=idpel, principal=_principal(request), **body.dict())
    return _record(request, idpel)


@router.post(
    "/{idpel}/programmes", response=RecordOut, summary="Enrol in an energy-efficiency programme"
)
@requires(Perm.CUSTOMERS_UPDATE)
def enrol(request: HttpRequest, idpel: str, body: ProgrammeIn) -> Any:
    services.enrol_programme(idpel=idpel, principal=_principal(request), **body.dict())
    return _record(request, idpel)
