"""Head-end API (`/api/v1/headend`): remote commands to two-way meters.

Thin: parse, call one service or selector, map the result back.
"""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from pelanggan.metering.headend import selectors
from pelanggan.metering.headend.schemas import CommandIn, CommandOut
from pelanggan.metering.headend.services import commands
from pelanggan.platform.errors import Unauthenticated
from pelanggan.security.api import requires
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

router = Router()


def _principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise Unauthenticated("Authentication is required")
    return principal


@router.post(
    "/commands",
    response={202: CommandOut},
    summary="Send a command to a two-way meter (answered at once; the meter replies later)",
)
@requires(Perm.METER_COMMANDS_SEND)
def send(request: HttpRequest, body: CommandIn) -> Any:
    principal = _principal(request)
    selectors.require_visible_meter(principal, body.meter_number)
    log = commands.send_command(
        meter_number=body.meter_number,
        kind=body.kind,
        payload=body.payload,
        actor=principal.actor,
        idempotency_key=body.idempotency_key,
    )
    return Status(202, selectors.command_view(log))


@router.get("/commands/{command_id}", response=CommandOut, summary="A command and its reply")
@requires(Perm.METER_COMMANDS_VIEW)
def detail(request: HttpRequest, command_id: uuid.UUID) -> Any:
    return selectors.command_for(_principal(request), command_id)


@router.get(
    "/meters/{meter_number}/commands",
    response=list[CommandOut],
    summary="The latest commands of a meter",
)
@requires(Perm.METER_COMMANDS_VIEW)
def of_meter(request: HttpRequest, meter_number: str) -> Any:
    return selectors.commands_of_meter(_principal(request), meter_number)
