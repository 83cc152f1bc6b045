"""Read side of the head-end: command logs, scoped to the meters the caller may see."""

from __future__ import annotations

import uuid
from typing import Any

from pelanggan.metering.headend.models import CommandLog
from pelanggan.metering.selectors.registry import visible_meter
from pelanggan.platform.errors import NotFound
from pelanggan.security.selectors import Principal


def command_view(log: CommandLog) -> dict[str, Any]:
    """A command as the API shows it (tokens are not shown: they are secrets of the meter)."""
    return {
        "command_id": log.command_id,
        "meter_number": log.meter_number,
        "kind": log.kind,
        "status": log.status,
        "attempts": log.attempts,
        "max_attempts": log.max_attempts,
        "watts": log.payload.get("watts"),
        "requested_by": log.requested_by_label,
        "requested_at": log.requested_at,
        "sent_at": log.sent_at,
        "replied_at": log.replied_at,
        "finished_at": log.finished_at,
        "failure_reason": log.failure_reason,
        "reply": {k: v for k, v in log.reply.items() if k != "token"},
    }


def require_visible_meter(principal: Principal, meter_number: str) -> None:
    """`NotFound` unless the caller may see the meter (its unit's customers, or national)."""
    visible_meter(principal, meter_number)


def command_for(principal: Principal, command_id: uuid.UUID) -> dict[str, Any]:
    log = CommandLog.objects.filter(command_id=command_id).first()
    if log is None:
        raise NotFound("Command not found", code="command_not_found")
    try:
        visible_meter(principal, log.meter_number)
    except NotFound:
        raise NotFound("Command not found", code="command_not_found") from None
    return command_view(log)


def commands_of_meter(
    principal: Principal, meter_number: str, *, limit: int = 50
) -> list[dict[str, Any]]:
    visible_meter(principal, meter_number)
    logs = CommandLog.objects.filter(meter_number=meter_number).order_by("-requested_at", "-id")
    return [command_view(log) for log in logs[:limit]]
