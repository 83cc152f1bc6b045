"""Read side of metering. Selectors that take a principal return only what it may see; a
customer of another unit is answered exactly like one that does not exist (NotFound)."""

from __future__ import annotations

from collections.abc import Iterable

from pelanggan.metering.models import Meter
from pelanggan.metering.selectors.events import meter_events_for
from pelanggan.metering.selectors.reads import consumption_for_period
from pelanggan.metering.selectors.registry import (
    connection_for,
    meter_detail,
    meters_for_customer,
)

__all__ = [
    "connection_for",
    "consumption_for_period",
    "existing_meter_numbers",
    "meter_detail",
    "meter_events_for",
    "meters_for_customer",
]


def existing_meter_numbers(numbers: Iterable[str]) -> set[str]:
    """The subset of `numbers` that are registered meters (any utility), in one query.

    For ingestion paths (MQTT listener, HTTP batch API, file import) to reject unknown meters
    before doing any work. Not scoped: it reveals only whether a number exists.
    """
    wanted = {n for n in numbers if n}
    if not wanted:
        return set()
    return set(Meter.objects.filter(number__in=wanted).values_list("number", flat=True))
