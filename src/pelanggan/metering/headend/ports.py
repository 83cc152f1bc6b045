"""What the head-end needs from other parts, behind one small seam each.

* known meters and meter events: the metering context's selector and bulk service;
* the interval lake: ``pipelines.intervals.ingest`` (``ingest_table`` when the pipelines offer
  it, else a temporary Parquet file through ``ingest_file``, with the same validation and
  idempotency).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pelanggan.metering.headend.messages import Event, Reading

LAKE_SCHEMA = pa.schema(
    [
        ("meter_number", pa.string()),
        ("interval_start", pa.string()),
        ("interval_minutes", pa.int32()),
        ("kwh", pa.float64()),
        ("kvarh", pa.float64()),
        ("quality", pa.string()),
    ]
)


def existing_meter_numbers(numbers: Iterable[str]) -> set[str]:
    """The numbers among ``numbers`` of meters the metering context knows."""
    from pelanggan.metering import selectors

    return set(selectors.existing_meter_numbers(numbers))


def is_two_way(meter_number: str) -> bool:
    """Whether the meter is a two-way (smart) meter, i.e. has a modem to receive commands."""
    from pelanggan.metering.models import Meter
    from pelanggan.metering.models.choices import TWO_WAY_KINDS

    return Meter.objects.filter(number=meter_number, kind__in=list(TWO_WAY_KINDS)).exists()


def record_events(events: Sequence[Event], *, source: str = "mqtt") -> Any:
    """Hand meter events to the metering context; returns its ``RecordResult``."""
    from pelanggan.metering.services.events import MeterEventIn, record_meter_events

    return record_meter_events(
        [
            MeterEventIn(
                meter_number=event.meter_number,
                kind=event.kind,
                occurred_at=event.occurred_at,
                source=source,
                payload=event.payload,
                dedup_key=event.dedup_key,
            )
            for event in events
        ]
    )


def readings_table(readings: Sequence[Reading]) -> pa.Table:
    """Readings in the canonical interval layout (timestamps as ISO 8601 with offset)."""
    texts: dict[dt.datetime, str] = {}
    starts = []
    for reading in readings:
        text = texts.get(reading.interval_start)
        if text is None:
            text = texts[reading.interval_start] = reading.interval_start.isoformat()
        starts.append(text)
    return pa.table(
        {
            "meter_number": [r.meter_number for r in readings],
            "interval_start": starts,
            "interval_minutes": [r.interval_minutes for r in readings],
            "kwh": [r.kwh for r in readings],
            "kvarh": [r.kvarh for r in readings],
            "quality": [r.quality for r in readings],
        },
        schema=LAKE_SCHEMA,
    )


def land_readings(
    readings: Sequence[Reading],
    *,
    lake_dir: Path,
    source_name: str,
    as_of: dt.datetime,
    known_meters: set[str] | None = None,
) -> Any:
    """Land a batch in the lake and return the pipelines' ``IngestReport``. Idempotent: a
    reading already in the lake with the same values is counted as such, not written again."""
    from pipelines.intervals import ingest

    table = readings_table(readings)
    ingest_table = getattr(ingest, "ingest_table", None)
    if ingest_table is not None:
        return ingest_table(
            table,
            lake_dir=lake_dir,
            source_name=source_name,
            as_of=as_of,
            known_meters=known_meters,
        )
    with tempfile.TemporaryDirectory(prefix="headend-") as folder:
        path = Path(folder) / "batch.parquet"
        pq.write_table(table, path)
        return ingest.ingest_file(path, lake_dir=lake_dir, source_name=source_name, as_of=as_of)
