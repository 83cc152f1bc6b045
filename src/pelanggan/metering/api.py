"""Metering API (`/api/v1/metering`): meters and their history, install/exchange/remove/seal,
modems, SIM cards and pairing, register reads (JSON or a photo upload), the review queue,
consumption of a period, meter events.

Thin: parse, call one service or selector, map the result back. Everything about a customer is
unit-scoped: a customer of another unit answers 404 exactly like a missing one.
"""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from pelanggan.metering import schemas, selectors
from pelanggan.metering.selectors.reads import reads_for, review_queue, review_view
from pelanggan.metering.services import events as event_services
from pelanggan.metering.services import pairing, reads, registry
from pelanggan.platform.errors import Unauthenticated, ValidationFailed
from pelanggan.platform.periods import InvalidPeriod, Period
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

router = Router()


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


def _seals(items: list[schemas.SealIn]) -> list[registry.SealIn]:
    return [registry.SealIn(s.number, s.location) for s in items]


# ---- meters ------------------------------------------------------------------------------


@router.post("/meters", response={201: schemas.CreatedOut}, summary="Add a meter to the registry")
@requires(Perm.METERING_MANAGE)
def register_meter(request: HttpRequest, payload: schemas.MeterIn) -> Any:
    meter = registry.register_meter(actor=_principal(request).actor, **payload.dict())
    return Status(201, {"id": meter.pk})


@router.get("/meters/{number}", response=schemas.MeterOut, summary="A meter with its history")
@requires(Perm.METERING_VIEW)
def meter_detail(request: HttpRequest, number: str) -> Any:
    return selectors.meter_detail(_principal(request), number)


@router.get(
    "/customers/{idpel}/meters",
    response=list[schemas.CustomerMeterOut],
    summary="Meters installed (now or before) at a customer",
)
@requires(Perm.METERING_VIEW)
def customer_meters(request: HttpRequest, idpel: str) -> Any:
    return selectors.meters_for_customer(_principal(request), idpel)


@router.post(
    "/customers/{idpel}/installations",
    response={201: schemas.CreatedOut},
    summary="Install a meter on the customer's connection",
)
@requires(Perm.METERING_MANAGE)
def install(request: HttpRequest, idpel: str, payload: schemas.InstallIn) -> Any:
    installation = registry.install_meter(
        principal=_principal(request),
        idpel=idpel,
        meter_number=payload.meter_number,
        installed_at=payload.installed_at,
        initial_reads=payload.initial_reads,
        seals=_seals(payload.seals),
        reason=payload.reason,
    )
    return Status(201, {"id": installation.pk})


@router.post(
    "/customers/{idpel}/exchange",
    response={201: schemas.CreatedOut},
    summary="Exchange the customer's meter (final and initial reads, atomically)",
)
@requires(Perm.METERING_MANAGE)
def exchange(request: HttpRequest, idpel: str, payload: schemas.ExchangeIn) -> Any:
    installation = registry.exchange_meter(
        principal=_principal(request),
        idpel=idpel,
        new_meter_number=payload.new_meter_number,
        exchanged_at=payload.exchanged_at,
        final_reads=payload.final_reads,
        initial_reads=payload.initial_reads,
        reason=payload.reason,
        seals=_seals(payload.seals),
    )
    return Status(201, {"id": installation.pk})


@router.post(
    "/customers/{idpel}/removal",
    response=schemas.CreatedOut,
    summary="Remove the customer's meter with its final reads",
)
@requires(Perm.METERING_MANAGE)
def remove(request: HttpRequest, idpel: str, payload: schemas.RemoveIn) -> Any:
    installation = registry.remove_meter(
        principal=_principal(request),
        idpel=idpel,
        utility=payload.utility,
        removed_at=payload.removed_at,
        final_reads=payload.final_reads,
        reason=payload.reason,
    )
    return {"id": installation.pk}


@router.post(
    "/customers/{idpel}/seals",
    response={201: schemas.CreatedOut},
    summary="Apply (or replace) a seal on the customer's meter",
)
@requires(Perm.METERING_MANAGE)
def apply_seal(request: HttpRequest, idpel: str, payload: schemas.SealApplyIn) -> Any:
    seal = registry.apply_seal(
        principal=_principal(request),
        idpel=idpel,
        utility=payload.utility,
        seal=registry.SealIn(payload.seal.number, payload.seal.location),
        applied_at=payload.applied_at,
        replaces_number=payload.replaces_number,
        reason=payload.reason,
    )
    return Status(201, {"id": seal.pk})


# ---- two-way: modems, SIM cards, pairing ---------------------------------------------------


@router.post("/modems", response={201: schemas.CreatedOut}, summary="Add a modem")
@requires(Perm.METERING_MANAGE)
def register_modem(request: HttpRequest, payload: schemas.ModemIn) -> Any:
    modem = pairing.register_modem(actor=_principal(request).actor, **payload.dict())
    return Status(201, {"id": modem.pk})


@router.post("/sims", response={201: schemas.CreatedOut}, summary="Add a SIM card")
@requires(Perm.METERING_MANAGE)
def register_sim(request: HttpRequest, payload: schemas.SimIn) -> Any:
    sim = pairing.register_sim(actor=_principal(request).actor, **payload.dict())
    return Status(201, {"id": sim.pk})


@router.post(
    "/meters/{number}/modem",
    response={201: schemas.CreatedOut},
    summary="Fit a modem to a two-way meter, with seals",
)
@requires(Perm.METERING_MANAGE)
def install_modem(request: HttpRequest, number: str, payload: schemas.ModemInstallIn) -> Any:
    fitted = pairing.install_modem(
        principal=_principal(request),
        meter_number=number,
        modem_serial=payload.modem_serial,
        installed_at=payload.installed_at,
        seals=_seals(payload.seals),
    )
    return Status(201, {"id": fitted.pk})


@router.post(
    "/meters/{number}/pairings",
    response={201: schemas.CreatedOut},
    summary="Pair a two-way meter with a SIM card and the customer's phone",
)
@requires(Perm.METERING_MANAGE)
def pair(request: HttpRequest, number: str, payload: schemas.PairingIn) -> Any:
    row = pairing.pair_meter(
        principal=_principal(request),
        meter_number=number,
        iccid=payload.iccid,
        customer_phone=payload.customer_phone,
        paired_by=payload.paired_by,
        paired_by_label=payload.paired_by_label,
        paired_from=payload.paired_from,
    )
    return Status(201, {"id": row.pk})


# ---- register reads and review -----------------------------------------------------------


def _submit_out(result: reads.SubmitResult) -> dict[str, Any]:
    return {
        "read": reads_view(result.read),
        "review_id": result.review.pk if result.review else None,
        "reasons": result.review.reasons if result.review else [],
        "consumption": result.consumption,
        "superseded_estimates": result.superseded_estimates,
    }


def reads_view(read: Any) -> dict[str, Any]:
    from pelanggan.metering.selectors.reads import _read_view

    return _read_view(read)


@router.post(
    "/customers/{idpel}/reads",
    response={201: schemas.SubmitOut},
    summary="Submit a register read (validated; failing reads go to the review queue)",
)
@requires(Perm.READS_SUBMIT)
def submit_read(request: HttpRequest, idpel: str, payload: schemas.ReadIn) -> Any:
    result = reads.submit_read(
        principal=_principal(request),
        idpel=idpel,
        register=payload.register_code,
        read_at=payload.read_at,
        value=payload.value,
        source=payload.source,
        utility=payload.utility,
    )
    return Status(201, _submit_out(result))


@router.post(
    "/customers/{idpel}/reads/photo",
    response={201: schemas.SubmitOut},
    summary="Submit a register read with its photo (multipart form with a JPEG/PNG `photo`)",
)
@requires(Perm.READS_SUBMIT)
def submit_photo_read(
    request: HttpRequest,
    idpel: str,
    register_code: Form[str],
    read_at: Form[dt.datetime],
    value: Form[Decimal],
    photo: File[UploadedFile],
    utility: Form[str] = "electricity",
) -> Any:
    if photo.size is not None and photo.size > reads.MAX_PHOTO_BYTES:
        raise ValidationFailed.single("photo", "too_large", "The photo is larger than 8 MiB")
    result = reads.submit_read(
        principal=_principal(request),
        idpel=idpel,
        register=register_code,
        read_at=read_at,
        value=value,
        source="photo",
        utility=utility,
        photo=photo.read(reads.MAX_PHOTO_BYTES + 1),
    )
    return Status(201, _submit_out(result))


@router.get(
    "/customers/{idpel}/reads", response=list[schemas.ReadOut], summary="A customer's reads"
)
@requires(Perm.METERING_VIEW)
def customer_reads(
    request: HttpRequest, idpel: str, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> Any:
    return reads_for(_principal(request), idpel, limit=limit)


@router.get(
    "/customers/{idpel}/consumption",
    response=schemas.ConsumptionOut,
    summary="Consumption per register over [period_start, period_end), with the reads behind it",
)
@requires(Perm.METERING_VIEW)
def consumption(
    request: HttpRequest,
    idpel: str,
    period_start: dt.datetime,
    period_end: dt.datetime,
    utility: str = "electricity",
) -> Any:
    period = _period(period_start, period_end)
    connection = selectors.connection_for(_principal(request), idpel, utility)
    result = selectors.consumption_for_period(connection, period)
    return {
        "connection_id": result.connection_id,
        "period_start": result.period_start,
        "period_end": result.period_end,
        "complete": result.complete,
        "registers": [asdict(r) for r in result.registers.values()],
    }


def _period(start: dt.datetime, end: dt.datetime) -> Period[dt.datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed.single("period_start", "naive_time", "Times need an offset")
    try:
        return Period(start, end)
    except InvalidPeriod:
        raise ValidationFailed.single(
            "period_end", "before_start", "The period must end after it starts"
        ) from None


@router.post(
    "/customers/{idpel}/estimates",
    response={201: list[schemas.ReadOut]},
    summary="Estimate the missing reads of a period that is over (flagged as estimates)",
)
@requires(Perm.READS_REVIEW)
def estimate(
    request: HttpRequest,
    idpel: str,
    period_start: dt.datetime,
    period_end: dt.datetime,
    utility: str = "electricity",
) -> Any:
    principal = _principal(request)
    connection = selectors.connection_for(principal, idpel, utility)
    written = reads.estimate_missing_reads(
        connection_id=connection.pk, period=_period(period_start, period_end), actor=principal.actor
    )
    return Status(201, [reads_view(r) for r in written])


@router.get(
    "/reviews", response=schemas.ReviewPageOut, summary="The read review queue (oldest first)"
)
@requires(Perm.READS_REVIEW)
def reviews(
    request: HttpRequest,
    status: str = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    return review_queue(_principal(request), status=status, page=page, page_size=page_size)


@router.post(
    "/reviews/{review_id}/accept", response=schemas.ReviewOut, summary="Accept a read as it is"
)
@requires(Perm.READS_REVIEW)
def accept(request: HttpRequest, review_id: int, payload: schemas.ReviewAcceptIn) -> Any:
    item = reads.accept_review(
        principal=_principal(request), review_id=review_id, note=payload.note
    )
    return review_view(item)


@router.post(
    "/reviews/{review_id}/correct",
    response=schemas.ReviewOut,
    summary="Correct a read's value (a reason is required and audited)",
)
@requires(Perm.READS_REVIEW)
def correct(request: HttpRequest, review_id: int, payload: schemas.ReviewCorrectIn) -> Any:
    item = reads.correct_review(
        principal=_principal(request),
        review_id=review_id,
        value=payload.value,
        reason=payload.reason,
    )
    return review_view(item)


@router.post("/reviews/{review_id}/reread", response=schemas.ReviewOut, summary="Order a re-read")
@requires(Perm.READS_REVIEW)
def reread(request: HttpRequest, review_id: int, payload: schemas.ReviewAcceptIn) -> Any:
    item = reads.order_reread(principal=_principal(request), review_id=review_id, note=payload.note)
    return review_view(item)


# ---- events ------------------------------------------------------------------------------


@router.get(
    "/customers/{idpel}/events",
    response=list[schemas.MeterEventOut],
    summary="Events of the customer's meters, newest first",
)
@requires(Perm.METERING_VIEW)
def customer_events(
    request: HttpRequest,
    idpel: str,
    kind: str | None = None,
    occurred_from: dt.datetime | None = None,
    occurred_to: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    return selectors.meter_events_for(
        _principal(request),
        idpel,
        kinds=[kind] if kind else None,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
    )


@router.post(
    "/events",
    response=schemas.EventBatchOut,
    summary="Head-end batch of meter events (up to 5000; idempotent by dedup key)",
)
@requires(Perm.INTERVALS_INGEST)
def post_events(request: HttpRequest, payload: schemas.EventBatchIn) -> Any:
    result = event_services.record_meter_events(
        [
            event_services.MeterEventIn(
                meter_number=e.meter_number,
                kind=e.kind,
                occurred_at=e.occurred_at,
                source="http",
                payload=e.payload,
                dedup_key=e.dedup_key,
            )
            for e in payload.events
        ],
        actor=_principal(request).actor,
    )
    return {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "rejected": [asdict(r) for r in result.rejected],
    }
