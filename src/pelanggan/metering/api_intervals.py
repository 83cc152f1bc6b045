"""Interval data API (`/api/v1/intervals`): head-end batches in, load profiles out.

Thin: parse, call one service or selector, map the result back.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Router

from pelanggan.metering import interval_batches, load_profiles
from pelanggan.metering.interval_schemas import BatchIn, BatchOut, LoadProfileOut
from pelanggan.platform import clock
from pelanggan.platform.errors import Unauthenticated
from pelanggan.security.api import BearerTokenAuth, requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

router = Router()


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


@router.post(
    "/batches",
    response=BatchOut,
    url_name="intervals_batches",
    # Head-ends are machines: bearer tokens only, no console session (and so no CSRF dance).
    auth=BearerTokenAuth(),
    summary="Receive a batch of interval readings from a head-end system",
    description=(
        f"At most {interval_batches.MAX_BATCH_ROWS} canonical rows (`meter_number`, "
        "`interval_start`, `interval_minutes`, `kwh`, optional `kvarh` and `quality`). Good rows "
        "land in the interval lake, bad rows come back with their index and reason; sending the "
        "same rows again lands nothing new. With `Idempotency-Key` the same key and body answer "
        "the first result again, and the same key with another body is refused (409)."
    ),
)
@requires(Perm.INTERVALS_INGEST)
def receive_batch(
    request: HttpRequest,
    body: BatchIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    principal = _principal(request)
    result = interval_batches.receive_batch(
        rows=body.rows,
        actor=principal.actor,
        client_id=principal.user_id,
        as_of=clock.now(),
        idempotency_key=idempotency_key,
    )
    return result.as_dict()


def _profile_out(profile: load_profiles.LoadProfile) -> dict[str, Any]:
    return {
        "subject": profile.subject,
        "meter_numbers": profile.meter_numbers,
        "resolution": profile.resolution,
        "start": profile.start,
        "end": profile.end,
        "timezone": profile.timezone,
        "unit": profile.unit,
        "total_kwh": profile.total_kwh,
        "estimated_kwh": profile.estimated_kwh,
        "points": profile.points,
    }


@router.get(
    "/meters/{meter_number}/profile",
    response=LoadProfileOut,
    url_name="intervals_meter_profile",
    summary="Load profile of a meter (interval, daily or monthly)",
    description=(
        "`start`/`end`: a date (00:00 WIB) or an ISO 8601 date and time; the period is "
        "half-open. Defaults: the last 7 days (interval), 30 days (daily), 12 months "
        "(monthly). Estimates carry `estimated` and their `methods`; missing intervals "
        "(outages) have no value."
    ),
)
@requires(Perm.METERING_VIEW)
def meter_profile(
    request: HttpRequest,
    meter_number: str,
    start: str | None = None,
    end: str | None = None,
    resolution: str = "interval",
) -> Any:
    return _profile_out(
        load_profiles.load_profile_for_meter(
            principal=_principal(request),
            meter_number=meter_number,
            start=load_profiles.parse_bound(start, "start"),
            end=load_profiles.parse_bound(end, "end"),
            resolution=resolution,
            as_of=clock.now(),
        )
    )


@router.get(
    "/customers/{idpel}/profile",
    response=LoadProfileOut,
    url_name="intervals_customer_profile",
    summary="Load profile of a customer, across meter exchanges",
)
@requires(Perm.METERING_VIEW)
def customer_profile(
    request: HttpRequest,
    idpel: str,
    start: str | None = None,
    end: str | None = None,
    resolution: str = "interval",
    utility: str = "electricity",
) -> Any:
    return _profile_out(
        load_profiles.load_profile_for_customer(
            principal=_principal(request),
            idpel=idpel,
            start=load_profiles.parse_bound(start, "start"),
            end=load_profiles.parse_bound(end, "end"),
            resolution=resolution,
            utility=utility,
            as_of=clock.now(),
        )
    )
