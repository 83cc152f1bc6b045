"""Remote commands to two-way meters: request, reply, timeout and retry.

`send_command` writes the command log row and an outbox event in one transaction; after commit
the worker's outbox delivery publishes it to ``pelanggan/ami/{meter}/commands`` with QoS 1
(`delivery`). The meter answers on ``.../replies`` with the command id; the listener hands the
reply to `apply_reply`. `sweep_commands` (run by the listener every few seconds, or
`pelanggan ami sweep`) sends a command again when its deadline passed without an answer, up to
`max_attempts` publications, and then marks it timed out. Meters deduplicate by command id, so
sending again is safe.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from pelanggan.metering.headend import ports
from pelanggan.metering.headend.messages import Reply
from pelanggan.metering.headend.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    CommandKind,
    CommandLog,
    CommandStatus,
)
from pelanggan.platform import audit, clock, outbox
from pelanggan.platform.audit import Actor
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

OUTBOX_EVENT = "headend.command.requested"
REPLY_TIMEOUT = dt.timedelta(seconds=30)
DEFAULT_MAX_ATTEMPTS = 3
MAX_POWER_LIMIT_WATTS = 200_000
_TOKEN_DIGITS = re.compile(r"^\d{20}$")
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,80}$")


class ReplyOutcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the command was already final
    UNKNOWN = "unknown"  # no such command for that meter


@dataclass(frozen=True)
class SweepResult:
    retried: int
    timed_out: int


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed.single(field, code, message)


def _validated_payload(
    *, kind: str, payload: dict[str, Any], meter_number: str, now: dt.datetime
) -> dict[str, Any]:
    """What goes to the meter for this kind; tokens are made here. Raises ValidationFailed."""
    from pelanggan.metering.headend.services import tokens

    allowed = {
        CommandKind.DELIVER_TOKEN: {"token"},
        CommandKind.SET_POWER_LIMIT: {"watts"},
    }.get(CommandKind(kind), set())
    extra = sorted(set(payload) - allowed)
    if extra:
        raise _invalid(f"payload.{extra[0]}", "unexpected", f"{kind} takes no field {extra[0]}")
    if kind == CommandKind.DELIVER_TOKEN:
        token = re.sub(r"[\s-]", "", str(payload.get("token", "")))
        if not _TOKEN_DIGITS.match(token):
            raise _invalid("payload.token", "invalid", "a token is 20 digits")
        return {"token": token}
    if kind == CommandKind.SET_POWER_LIMIT:
        watts = payload.get("watts")
        if isinstance(watts, bool) or not isinstance(watts, int):
            raise _invalid("payload.watts", "invalid", "watts must be a whole number")
        if not 1 <= watts <= MAX_POWER_LIMIT_WATTS:
            raise _invalid(
                "payload.watts", "out_of_range", f"watts must be 1..{MAX_POWER_LIMIT_WATTS}"
            )
        token = tokens.power_limit_token(meter_number=meter_number, watts=watts, issued_at=now)
        return {"watts": watts, "token": token}
    if kind == CommandKind.CLEAR_TAMPER:
        return {"token": tokens.clear_tamper_token(meter_number=meter_number, issued_at=now)}
    return {}


def _fingerprint(meter_number: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"meter_number": meter_number, "kind": kind, "request": payload}


def send_command(
    *,
    meter_number: str,
    kind: str,
    payload: dict[str, Any],
    actor: Actor,
    idempotency_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: dt.datetime | None = None,
) -> CommandLog:
    """Queue a command for a two-way meter and schedule its publication.

    The same ``idempotency_key`` with the same request returns the first command; with another
    request it raises `Conflict` (``idempotency_key_reused``). Raises `ValidationFailed` for a
    bad kind or payload, `NotFound` (``meter_not_found``) for an unknown meter, `Conflict`
    (``not_two_way``) for a meter without a modem, and the prepaid
    errors (`NotFound` ``meter_key_data_not_found``, `Conflict`) when a management token cannot
    be made for the meter.
    """
    if kind not in CommandKind.values:
        raise _invalid("kind", "invalid", f"kind must be one of {', '.join(CommandKind.values)}")
    if not isinstance(payload, dict):
        raise _invalid("payload", "invalid", "payload must be an object")
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise _invalid("idempotency_key", "invalid", "8..80 letters, digits or ._:-")
    if not 1 <= max_attempts <= 10:
        raise _invalid("max_attempts", "out_of_range", "max_attempts must be 1..10")
    moment = now or clock.now()
    request = _fingerprint(meter_number, kind, payload)
    if idempotency_key is not None:
        existing = CommandLog.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_request(existing, request)
    if not ports.existing_meter_numbers([meter_number]):
        raise NotFound("No such meter", code="meter_not_found")
    if not ports.is_two_way(meter_number):
        raise Conflict(
            "The meter has no modem: remote commands need a two-way meter", code="not_two_way"
        )
    try:
        with transaction.atomic():
            sent_payload = _validated_payload(
                kind=kind, payload=payload, meter_number=meter_number, now=moment
            )
            log = CommandLog.objects.create(
                meter_number=meter_number,
                kind=kind,
                payload={**sent_payload, "_request": request},
                max_attempts=max_attempts,
                requested_by_kind=actor.kind,
                requested_by_id=actor.id,
                requested_by_label=actor.label[:150],
                idempotency_key=idempotency_key,
                requested_at=moment,
            )
            audit.record(
                "headend.command.requested",
                actor=actor,
                subject_type="metering.meter",
                subject_ids=[meter_number, str(log.command_id)],
                changes={"kind": kind, "watts": sent_payload.get("watts")},
                occurred_at=moment,
            )
            outbox.publish(OUTBOX_EVENT, {"command_id": str(log.command_id), "attempt": 1})
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race.
        existing = CommandLog.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_request(existing, request)
    return log


def _same_request(existing: CommandLog, request: dict[str, Any]) -> CommandLog:
    if existing.payload.get("_request") != json.loads(json.dumps(request)):
        raise Conflict(
            "The idempotency key was used for another request", code="idempotency_key_reused"
        )
    return existing


def command_message(log: CommandLog) -> dict[str, Any]:
    """The JSON the meter receives on its commands topic."""
    body: dict[str, Any] = {
        "command_id": str(log.command_id),
        "kind": log.kind,
        "attempt": log.attempts,
    }
    body.update({k: v for k, v in log.payload.items() if not k.startswith("_")})
    return body


def mark_sent(*, log: CommandLog, now: dt.datetime) -> None:
    """Record a publication (called by the delivery handler with the row locked)."""
    log.attempts += 1
    log.status = CommandStatus.SENT
    log.sent_at = now
    log.deadline_at = now + REPLY_TIMEOUT
    log.save(update_fields=["attempts", "status", "sent_at", "deadline_at"])
    audit.record(
        "headend.command.sent",
        actor=Actor.system("headend"),
        subject_type="metering.meter",
        subject_ids=[log.meter_number, str(log.command_id)],
        changes={"attempt": log.attempts},
        occurred_at=now,
    )


def apply_reply(*, reply: Reply, now: dt.datetime) -> ReplyOutcome:
    """Apply a meter's reply to its command log row (idempotent)."""
    with transaction.atomic():
        log = (
            CommandLog.objects.select_for_update()
            .filter(command_id=reply.command_id, meter_number=reply.meter_number)
            .first()
        )
        if log is None:
            return ReplyOutcome.UNKNOWN
        if log.status in FINAL_STATUSES:
            return ReplyOutcome.DUPLICATE
        if reply.status == "acknowledged" and log.status == CommandStatus.ACKNOWLEDGED:
            return ReplyOutcome.DUPLICATE
        old = log.status
        log.status = CommandStatus(reply.status)
        log.reply = {"status": reply.status, "reason": reply.reason, "result": reply.result}
        log.replied_at = now
        fields = ["status", "reply", "replied_at"]
        if log.status in FINAL_STATUSES:
            log.finished_at = now
            log.failure_reason = reply.reason[:200] if reply.status == "failed" else ""
            fields += ["finished_at", "failure_reason"]
        log.save(update_fields=fields)
        audit.record(
            "headend.command.replied",
            actor=Actor.system("headend"),
            subject_type="metering.meter",
            subject_ids=[log.meter_number, str(log.command_id)],
            changes={"status": audit.change(old, log.status), "reason": reply.reason[:200]},
            occurred_at=now,
        )
    return ReplyOutcome.APPLIED


def sweep_commands(*, now: dt.datetime, limit: int = 500) -> SweepResult:
    """Send again or time out the commands whose reply deadline passed."""
    retried = timed_out = 0
    with transaction.atomic():
        due = list(
            CommandLog.objects.select_for_update()
            .filter(
                status__in=[CommandStatus.SENT, CommandStatus.ACKNOWLEDGED], deadline_at__lte=now
            )
            .order_by("deadline_at")[:limit]
        )
        for log in due:
            subject = [log.meter_number, str(log.command_id)]
            if log.attempts < log.max_attempts:
                log.status = CommandStatus.QUEUED
                log.deadline_at = None
                log.save(update_fields=["status", "deadline_at"])
                outbox.publish(
                    OUTBOX_EVENT,
                    {"command_id": str(log.command_id), "attempt": log.attempts + 1},
                )
                audit.record(
                    "headend.command.retried",
                    actor=Actor.system("headend"),
                    subject_type="metering.meter",
                    subject_ids=subject,
                    changes={"attempt": log.attempts + 1},
                    occurred_at=now,
                )
                retried += 1
            else:
                log.status = CommandStatus.TIMED_OUT
                log.finished_at = now
                log.failure_reason = "no reply from the meter"
                log.save(update_fields=["status", "finished_at", "failure_reason"])
                audit.record(
                    "headend.command.timed_out",
                    actor=Actor.system("headend"),
                    subject_type="metering.meter",
                    subject_ids=subject,
                    changes={"attempts": log.attempts},
                    occurred_at=now,
                )
                timed_out += 1
    if retried or timed_out:
        logger.info("command sweep: %d sent again, %d timed out", retried, timed_out)
    return SweepResult(retried, timed_out)


__all__ = [
    "OPEN_STATUSES",
    "ReplyOutcome",
    "SweepResult",
    "apply_reply",
    "command_message",
    "mark_sent",
    "send_command",
    "sweep_commands",
]
