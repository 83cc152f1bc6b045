"""Keeps `ServiceConnection.meter_number` in step with the meter the metering context installs.

Metering owns meters and installations; the customer master keeps the number of the live meter
on the connection because search, import and the 360° record look connections up by it. The
metering services call this inside their own transaction (which writes the audit record).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from pelanggan.customers.models import ServiceConnection
from pelanggan.platform.errors import Conflict, NotFound


def set_connection_meter(*, connection_id: int, meter_number: str) -> str:
    """Record `meter_number` as the connection's meter; returns the previous number.

    Raises NotFound for an unknown connection, Conflict when another live connection of the
    same utility already carries that number.
    """
    with transaction.atomic():
        connection = ServiceConnection.objects.select_for_update().filter(pk=connection_id).first()
        if connection is None:
            raise NotFound("Connection not found", code="connection_not_found")
        previous = connection.meter_number
        if previous == meter_number:
            return previous
        connection.meter_number = meter_number
        try:
            with transaction.atomic():
                connection.save(update_fields=["meter_number"])
        except IntegrityError:
            raise Conflict(
                "Another live connection carries that meter number", code="meter_number_in_use"
            ) from None
        return previous
