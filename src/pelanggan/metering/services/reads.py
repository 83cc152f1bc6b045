"""Register reads: submit (validated, failing reads queued for review), review actions
(accept, correct, order a re-read), estimation of missing reads and their replacement.

Every write runs in one transaction with its audit record. A read with findings is stored as
`pending_review` and does not count for billing until an officer accepts or corrects it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from pelanggan.customers.models import ServiceConnection, ServiceTerms
from pelanggan.metering.models import (
    Installation,
    ReadPurpose,
    ReadSource,
    ReadStatus,
    RegisterRead,
    ReviewItem,
    ReviewStatus,
)
from pelanggan.metering.read_rules import PriorRead, ReadFacts, Verdict, check_read, median
from pelanggan.metering.registers import register_span, shift_months
from pelanggan.metering.selectors.reads import register_advance, scoped_review, thresholds_for
from pelanggan.metering.selectors.registry import live_installation
from pelanggan.metering.services.registry import meter_registers
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.periods import Period
from pelanggan.security.selectors import Principal

SUBMITTABLE_SOURCES = (ReadSource.MANUAL, ReadSource.PHOTO, ReadSource.SELF_READ, ReadSource.AMI)
MAX_PHOTO_BYTES = 8 * 1024 * 1024
_PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
ENERGY = Decimal("0.001")


@dataclass(frozen=True)
class SubmitResult:
    read: RegisterRead
    review: ReviewItem | None
    consumption: Decimal | None
    superseded_estimates: list[int]


def _fail(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed.single(field, code, message)


def _connection(principal: Principal, idpel: str, utility: str) -> ServiceConnection:
    # The live connection of that utility; a disconnected one only when there is none (its
    # final read may arrive after the disconnection).
    query = ServiceConnection.objects.select_related("account").filter(
        account__idpel=idpel, utility=utility
    )
    connection = (
        query.filter(disconnected_on__isnull=True).order_by("id").first()
        or query.order_by("-disconnected_on", "-id").first()
    )
    if connection is None or not principal.can_see_ulp(connection.account.ulp_id):
        raise NotFound("Customer not found", code="customer_not_found")
    return connection


def _photo_suffix(photo: bytes) -> str:
    for magic, suffix in _PHOTO_TYPES.items():
        if photo.startswith(magic):
            return suffix
    raise _fail("photo", "not_an_image", "The photo must be a JPEG or PNG image")


def _store_photo(photo: bytes) -> tuple[str, str]:
    """Content-addressed under PELANGGAN_HOME/media: the same photo is stored once."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise _fail("photo", "too_large", "The photo is larger than 8 MiB")
    suffix = _photo_suffix(photo)
    digest = hashlib.sha256(photo).hexdigest()
    relative = f"metering/reads/{digest[:2]}/{digest}{suffix}"
    target = Path(settings.PELANGGAN_HOME) / "media" / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(photo)
        partial.replace(target)
    return relative, digest


def photo_file(read: RegisterRead) -> Path | None:
    """The stored photo of a read, when it still matches its recorded SHA-256."""
    if not read.photo_path:
        return None
    path = Path(settings.PELANGGAN_HOME) / "media" / read.photo_path
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != read.photo_sha256:
        return None
    return path


def _daya_va(connection: ServiceConnection, at: dt.datetime) -> int | None:
    for terms in ServiceTerms.objects.filter(connection=connection, valid_from__lte=at).order_by(
        "-valid_from"
    ):
        if terms.valid_to is None or terms.valid_to > at:
            return terms.daya_va
    return None


def _real_reads(installation: Installation, register: str) -> list[RegisterRead]:
    return list(
        RegisterRead.objects.filter(
            installation=installation,
            register=register,
            status=ReadStatus.ACCEPTED,
            is_estimated=False,
        ).order_by("read_at", "id")
    )


def history_daily_rates(
    connection_id: int, register: str, *, since: dt.datetime, until: dt.datetime
) -> list[Decimal]:
    """Daily consumption rates between consecutive real accepted reads of each installation
    of the connection, for read intervals ending in `[since, until)`."""
    rates: list[Decimal] = []
    installations = Installation.objects.filter(connection_id=connection_id).select_related("meter")
    for inst in installations:
        limits = thresholds_for(inst.meter.utility)
        reads = [r for r in _real_reads(inst, register) if r.read_at < until]
        for earlier, later in itertools.pairwise(reads):
            if later.read_at < since:
                continue
            seconds = Decimal((later.read_at - earlier.read_at).total_seconds())
            if seconds <= 0:
                continue
            units = register_advance(
                earlier.value,
                later.value,
                digits=inst.meter.register_digits,
                rollover_max_share=limits.rollover_max_share,
            )
            rates.append(units * inst.meter.meter_factor * 86400 / seconds)
    return rates


def _verdict(
    connection: ServiceConnection,
    installation: Installation,
    register: str,
    value: Decimal,
    read_at: dt.datetime,
) -> Verdict:
    meter = installation.meter
    limits = thresholds_for(meter.utility)
    prior = [r for r in _real_reads(installation, register) if r.read_at < read_at]
    previous = prior[-1] if prior else None
    account_active = connection.account.status == "active" and connection.disconnected_on is None
    facts = ReadFacts(
        register=register,
        value=value,
        read_at=read_at,
        previous=PriorRead(previous.value, previous.read_at) if previous else None,
        register_digits=meter.register_digits,
        meter_factor=meter.meter_factor,
        connection_active=account_active,
        daya_va=_daya_va(connection, read_at) if meter.utility == "electricity" else None,
        recent_values=[r.value for r in reversed(prior)],
        history_daily=history_daily_rates(
            connection.pk,
            register,
            since=shift_months(read_at, -limits.history_months),
            until=read_at,
        ),
    )
    return check_read(facts, limits)


def _clean_value(value: Decimal | str | int, digits: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _fail("value", "not_a_number", "The value is not a number") from None
    if not number.is_finite() or number < 0:
        raise _fail("value", "negative", "A register value is never negative")
    if number >= register_span(digits):
        raise _fail("value", "too_many_digits", "The value has more digits than the register")
    return number.quantize(ENERGY)


def submit_read(
    *,
    principal: Principal,
    idpel: str,
    register: str,
    read_at: dt.datetime,
    value: Decimal | str | int,
    source: str,
    utility: str = "electricity",
    photo: bytes | None = None,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Validate and store a monthly register read of the meter installed on the customer's
    connection at `read_at`.

    Any estimates after the previous real read are superseded by it (the read `replaces` the
    latest). Findings (negative consumption, rollover, spike, dip, zero, hours of use, stuck
    register) put it in the review queue. Raises NotFound (customer outside the caller's units,
    no meter installed at that moment), ValidationFailed (bad value/register/source/photo,
    future or naive time), Conflict (a read of that register at that moment exists, or a later
    real read exists).
    """
    moment = now or clock.now()
    if source not in SUBMITTABLE_SOURCES:
        raise _fail("source", "unknown_source", "Source must be manual, photo, self_read or ami")
    if read_at.tzinfo is None:
        raise _fail("read_at", "naive_time", "The time needs an offset")
    if read_at > moment:
        raise _fail("read_at", "in_future", "The read lies in the future")
    if source == ReadSource.PHOTO and not photo:
        raise _fail("photo", "required", "A photo read needs the photo")
    with transaction.atomic():
        connection = _connection(principal, idpel, utility)
        installation = live_installation(connection.pk, read_at)
        if installation is None or read_at <= installation.installed_at:
            raise NotFound("No meter was installed at that moment", code="no_installation_at")
        meter = installation.meter
        if register not in meter_registers(meter):
            raise _fail("register", "no_such_register", "The meter has no such register")
        number = _clean_value(value, meter.register_digits)
        later = RegisterRead.objects.filter(
            installation=installation,
            register=register,
            read_at__gte=read_at,
            is_estimated=False,
            status__in=[ReadStatus.ACCEPTED, ReadStatus.PENDING_REVIEW],
        )
        if later.exists():
            raise Conflict(
                "A read at or after that moment exists for this register", code="read_out_of_order"
            )
        photo_path, photo_sha = _store_photo(photo) if photo else ("", "")
        verdict = _verdict(connection, installation, register, number, read_at)
        estimates = list(
            RegisterRead.objects.select_for_update()
            .filter(
                installation=installation,
                register=register,
                is_estimated=True,
                status=ReadStatus.ACCEPTED,
            )
            .filter(read_at__gt=_last_real_at(installation, register))
            .order_by("read_at")
        )
        RegisterRead.objects.filter(pk__in=[e.pk for e in estimates]).update(
            status=ReadStatus.SUPERSEDED
        )
        status = ReadStatus.PENDING_REVIEW if verdict.needs_review else ReadStatus.ACCEPTED
        try:
            with transaction.atomic():
                read = RegisterRead.objects.create(
                    installation=installation,
                    register=register,
                    read_at=read_at,
                    value=number,
                    source=source,
                    purpose=ReadPurpose.CYCLE,
                    status=status,
                    replaces=estimates[-1] if estimates else None,
                    photo_path=photo_path,
                    photo_sha256=photo_sha,
                    submitted_by=principal.username,
                    created_at=moment,
                )
        except IntegrityError:
            raise Conflict(
                "A read of that register at that moment exists", code="read_exists"
            ) from None
        review = None
        if verdict.needs_review:
            review = ReviewItem.objects.create(
                read=read,
                reasons=[{"code": f.code, "detail": f.detail} for f in verdict.findings],
                created_at=moment,
            )
        audit.record(
            "metering.read.submitted",
            actor=principal.actor,
            subject_type="metering.read",
            subject_ids=[read.pk, installation.pk, connection.pk],
            changes={
                "register": register,
                "value": str(number),
                "source": source,
                "status": status,
                "findings": [f.code for f in verdict.findings],
                "superseded_estimates": [e.pk for e in estimates],
            },
            occurred_at=moment,
        )
    return SubmitResult(read, review, verdict.consumption, [e.pk for e in estimates])


def _last_real_at(installation: Installation, register: str) -> dt.datetime:
    last = (
        RegisterRead.objects.filter(
            installation=installation,
            register=register,
            is_estimated=False,
            status=ReadStatus.ACCEPTED,
        )
        .order_by("-read_at")
        .values_list("read_at", flat=True)
        .first()
    )
    return last or installation.installed_at


# ---- review actions ----------------------------------------------------------------------


def _open_review(principal: Principal, review_id: int) -> ReviewItem:
    item = scoped_review(principal, review_id)
    item = (
        ReviewItem.objects.select_for_update()
        .select_related("read__installation__connection__account")
        .get(pk=item.pk)
    )
    if item.status != ReviewStatus.OPEN:
        raise Conflict("The review item is already resolved", code="review_resolved")
    return item


def _resolve(
    item: ReviewItem, status: str, principal: Principal, note: str, now: dt.datetime
) -> None:
    item.status = status
    item.resolved_at = now
    item.resolved_by = principal.username
    item.resolution_note = note[:300]
    item.save(
        update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "corrected_read"]
    )


def accept_review(
    *, principal: Principal, review_id: int, note: str = "", now: dt.datetime | None = None
) -> ReviewItem:
    """Accept the read as it is (e.g. a confirmed rollover, a genuinely empty house).
    Raises NotFound (outside the caller's units), Conflict (already resolved)."""
    moment = now or clock.now()
    with transaction.atomic():
        item = _open_review(principal, review_id)
        read = item.read
        read.status = ReadStatus.ACCEPTED
        read.save(update_fields=["status"])
        _resolve(item, ReviewStatus.ACCEPTED, principal, note, moment)
        audit.record(
            "metering.review.accepted",
            actor=principal.actor,
            subject_type="metering.read",
            subject_ids=[read.pk, item.pk],
            changes={"reasons": [r["code"] for r in item.reasons]},
            reason=note,
            occurred_at=moment,
        )
    return item


def correct_review(
    *,
    principal: Principal,
    review_id: int,
    value: Decimal | str | int,
    reason: str,
    now: dt.datetime | None = None,
) -> ReviewItem:
    """Replace the read's value (a misread digit, a photo showing another value): the original
    is superseded by a corrected read that replaces it. A reason is required and audited with
    the old and new values. Raises NotFound, ValidationFailed, Conflict."""
    moment = now or clock.now()
    if not reason.strip():
        raise _fail("reason", "required", "A correction needs a reason")
    with transaction.atomic():
        item = _open_review(principal, review_id)
        original = item.read
        number = _clean_value(value, original.installation.meter.register_digits)
        original.status = ReadStatus.SUPERSEDED
        original.save(update_fields=["status"])
        corrected = RegisterRead.objects.create(
            installation=original.installation,
            register=original.register,
            read_at=original.read_at,
            value=number,
            source=original.source,
            purpose=original.purpose,
            status=ReadStatus.ACCEPTED,
            replaces=original,
            photo_path=original.photo_path,
            photo_sha256=original.photo_sha256,
            submitted_by=principal.username,
            created_at=moment,
        )
        item.corrected_read = corrected
        _resolve(item, ReviewStatus.CORRECTED, principal, reason, moment)
        audit.record(
            "metering.review.corrected",
            actor=principal.actor,
            subject_type="metering.read",
            subject_ids=[original.pk, corrected.pk, item.pk],
            changes={"value": audit.change(str(original.value), str(number))},
            reason=reason,
            occurred_at=moment,
        )
    return item


def order_reread(
    *, principal: Principal, review_id: int, note: str = "", now: dt.datetime | None = None
) -> ReviewItem:
    """Reject the read and ask for the meter to be read again; publishes
    `metering.reread_ordered` for service requests to raise a work order."""
    moment = now or clock.now()
    with transaction.atomic():
        item = _open_review(principal, review_id)
        read = item.read
        read.status = ReadStatus.REREAD_ORDERED
        read.save(update_fields=["status"])
        _resolve(item, ReviewStatus.REREAD_ORDERED, principal, note, moment)
        connection = read.installation.connection
        outbox.publish(
            "metering.reread_ordered",
            {
                "review_id": item.pk,
                "read_id": read.pk,
                "connection_id": connection.pk,
                "idpel": connection.account.idpel,
                "meter_id": read.installation.meter_id,
                "register": read.register,
            },
        )
        audit.record(
            "metering.review.reread_ordered",
            actor=principal.actor,
            subject_type="metering.read",
            subject_ids=[read.pk, item.pk],
            changes={"reasons": [r["code"] for r in item.reasons]},
            reason=note,
            occurred_at=moment,
        )
    return item


# ---- estimation --------------------------------------------------------------------------


def _estimate_rate(
    connection_id: int, register: str, *, period: Period[dt.datetime], history_months: int
) -> tuple[Decimal, str] | None:
    """Average daily consumption of comparable periods: the same period a year earlier when
    reads cover it, otherwise the median daily rate of the recent months."""
    assert period.end is not None  # noqa: S101 - checked by the caller
    year_ago = history_daily_rates(
        connection_id,
        register,
        since=shift_months(period.start, -12),
        until=shift_months(period.end, -12) + dt.timedelta(days=1),
    )
    if year_ago:
        return sum(year_ago, Decimal(0)) / len(year_ago), "same_period_last_year"
    recent = history_daily_rates(
        connection_id,
        register,
        since=shift_months(period.end, -history_months),
        until=period.end,
    )
    if recent:
        return median(recent), "recent_median_daily"
    return None


def estimate_missing_reads(
    *,
    connection_id: int,
    period: Period[dt.datetime],
    actor: audit.Actor,
    now: dt.datetime | None = None,
) -> list[RegisterRead]:
    """For each register of the meter installed at the end of `period` that has no accepted
    read inside the period, write an estimated read at the period's end (flagged, with its
    method) so billing can proceed; a real read later supersedes it. Returns the estimates
    written (none when every register has a read). Raises ValidationFailed for a period not
    yet over, Conflict when there is no history to estimate from.
    """
    moment = now or clock.now()
    if period.end is None or period.end > moment:
        raise _fail("period", "not_over", "Only a period that is over can be estimated")
    end = period.end
    written: list[RegisterRead] = []
    with transaction.atomic():
        installation = live_installation(connection_id, end - dt.timedelta(microseconds=1))
        if installation is None:
            raise NotFound("No meter installed in that period", code="no_installation_at")
        meter = installation.meter
        limits = thresholds_for(meter.utility)
        for register in meter_registers(meter):
            usable = RegisterRead.objects.filter(
                installation=installation,
                register=register,
                status__in=[ReadStatus.ACCEPTED, ReadStatus.PENDING_REVIEW],
            )
            if usable.filter(read_at__gt=period.start, read_at__lte=end).exists():
                continue
            last = (
                usable.filter(status=ReadStatus.ACCEPTED, read_at__lte=end)
                .order_by("-read_at")
                .first()
            )
            if last is None:
                continue
            rate = _estimate_rate(
                connection_id, register, period=period, history_months=limits.history_months
            )
            if rate is None:
                raise Conflict("No history to estimate from", code="no_history_for_estimate")
            daily, method = rate
            days = Decimal((end - last.read_at).total_seconds()) / 86400
            units = (daily * days / meter.meter_factor).quantize(ENERGY)
            value = (last.value + units) % register_span(meter.register_digits)
            read = RegisterRead.objects.create(
                installation=installation,
                register=register,
                read_at=end,
                value=value,
                source=ReadSource.ESTIMATED,
                purpose=ReadPurpose.CYCLE,
                status=ReadStatus.ACCEPTED,
                is_estimated=True,
                estimation_method=method,
                submitted_by=actor.label,
                created_at=moment,
            )
            written.append(read)
            audit.record(
                "metering.read.estimated",
                actor=actor,
                subject_type="metering.read",
                subject_ids=[read.pk, installation.pk, connection_id],
                changes={
                    "register": register,
                    "value": str(value),
                    "method": method,
                    "daily": f"{daily:.3f}",
                },
                occurred_at=moment,
            )
    return written
