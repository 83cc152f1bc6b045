"""HTTP batches of interval readings from head-end systems (ingestion path 2 of issue #4).

A head-end posts up to `MAX_BATCH_ROWS` canonical rows. Every row is checked here (types,
timestamp, interval length, energy, a known meter, not in the future); good rows land in the
Parquet lake through `pipelines.intervals`, bad rows come back with their index and reason.
Contract, as for head-end files: good rows land, bad rows are reported, and the same batch sent
again changes nothing (the lake keeps the first value of a meter and interval; a different value
for a known interval is reported as a `conflict`, never applied).

With an `Idempotency-Key` the caller gets more: the same key with the same body answers the first
result again (`replayed: true`) without touching the lake, and the same key with another body
is refused with 409. Keys live beside the lake (`<lake>/_batches/keys/`), one small JSON file per
key and client, created exclusively so that two racing requests cannot both claim a key.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from django.conf import settings
from django.db import transaction

from pelanggan.platform import audit
from pelanggan.platform.errors import Conflict, DomainError, ValidationFailed
from pipelines.intervals.ingest import ingest_table
from pipelines.intervals.layout import (
    ALLOWED_INTERVAL_MINUTES,
    DEFAULT_TIMEZONE,
    QUALITY_ACTUAL,
    QUALITY_ESTIMATED,
)

#: The documented maximum number of rows in one batch; larger batches are refused with 413.
MAX_BATCH_ROWS = 10_000
#: Energy values carry at most 6 decimals in the lake (DECIMAL(18,6)).
_MAX_ENERGY = Decimal("999999999999")
_METER_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
ACCEPTED_QUALITIES = (QUALITY_ACTUAL, QUALITY_ESTIMATED)
WIB = ZoneInfo(DEFAULT_TIMEZONE)

audit.register(
    "metering.intervals.batch_received",
    "Batch of interval readings received from a head-end over HTTP",
)


class BatchTooLarge(DomainError):
    status = 413
    default_code = "batch_too_large"


@dataclass(frozen=True)
class RejectedRow:
    """A row that did not land: its 0-based position in the batch, the rule and the field."""

    index: int
    reason: str
    field: str
    message: str


@dataclass
class BatchResult:
    batch_id: str
    rows_received: int
    rows_landed: int = 0
    already_in_lake: int = 0
    duplicates_in_batch: int = 0
    rows_rejected: int = 0
    conflicts: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchResult:
        values = dict(data)
        values["rejected"] = [RejectedRow(**row) for row in values.get("rejected", [])]
        return cls(**values)


@dataclass(frozen=True)
class _GoodRow:
    index: int
    meter_number: str
    interval_start: datetime
    interval_minutes: int
    kwh: Decimal
    kvarh: Decimal | None
    quality: str


# Messages name the field and the rule, never the value (a meter number is not personal data,
# but the same habit everywhere keeps logs and answers clean).
_MESSAGES = {
    "not_an_object": "The row is not a JSON object",
    "missing_meter": "meter_number is missing or not a text of 1–20 letters, digits or '-'",
    "unknown_meter": "No meter with this number is registered",
    "unparseable_timestamp": "interval_start is missing or not ISO 8601",
    "invalid_interval_minutes": "interval_minutes must be one of "
    + ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES),
    "missing_or_unparseable_kwh": "kwh is missing or not a finite number with ≤ 6 decimals",
    "negative_kwh": "kwh is negative",
    "unparseable_kvarh": "kvarh is not a finite, non-negative number with ≤ 6 decimals",
    "invalid_quality": "quality must be one of " + ", ".join(ACCEPTED_QUALITIES),
    "future_timestamp": "The interval ends after the time the batch was received",
    "conflict": "Another value is already recorded for this meter and interval",
}
_FIELDS = {
    "not_an_object": "",
    "missing_meter": "meter_number",
    "unknown_meter": "meter_number",
    "unparseable_timestamp": "interval_start",
    "invalid_interval_minutes": "interval_minutes",
    "missing_or_unparseable_kwh": "kwh",
    "negative_kwh": "kwh",
    "unparseable_kvarh": "kvarh",
    "invalid_quality": "quality",
    "future_timestamp": "interval_start",
    "conflict": "kwh",
}


def _reject(index: int, reason: str) -> RejectedRow:
    return RejectedRow(index=index, reason=reason, field=_FIELDS[reason], message=_MESSAGES[reason])


def _energy(value: object) -> Decimal | None:
    """A finite energy value with at most 6 decimals, from a JSON number or numeric text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > _MAX_ENERGY:
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6 and number != number.quantize(Decimal("1e-6")):
        return None
    return number


def _timestamp(value: object) -> datetime | None:
    """ISO 8601 with an offset, or without one read as WIB."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=WIB) if moment.tzinfo is None else moment


def parse_row(index: int, raw: object, *, as_of: datetime) -> _GoodRow | RejectedRow:
    """Check one row; the first failed rule (in the file path's order) is its reason."""
    if not isinstance(raw, Mapping):
        return _reject(index, "not_an_object")
    meter = raw.get("meter_number")
    if not isinstance(meter, str) or not _METER_PATTERN.match(meter.strip()):
        return _reject(index, "missing_meter")
    start = _timestamp(raw.get("interval_start"))
    if start is None:
        return _reject(index, "unparseable_timestamp")
    minutes = raw.get("interval_minutes")
    if isinstance(minutes, str) and minutes.strip().isdigit():
        minutes = int(minutes.strip())
    if isinstance(minutes, bool) or minutes not in ALLOWED_INTERVAL_MINUTES:
        return _reject(index, "invalid_interval_minutes")
    assert isinstance(minutes, int)  # noqa: S101 - narrowed by the membership test above
    kwh = _energy(raw.get("kwh"))
    if kwh is None:
        return _reject(index, "missing_or_unparseable_kwh")
    if kwh < 0:
        return _reject(index, "negative_kwh")
    kvarh_raw = raw.get("kvarh")
    kvarh = None
    if kvarh_raw is not None and kvarh_raw != "":
        kvarh = _energy(kvarh_raw)
        if kvarh is None or kvarh < 0:
            return _reject(index, "unparseable_kvarh")
    quality_raw = raw.get("quality")
    quality = QUALITY_ACTUAL
    if quality_raw is not None and quality_raw != "":
        quality = quality_raw.strip().upper() if isinstance(quality_raw, str) else ""
        if quality not in ACCEPTED_QUALITIES:
            return _reject(index, "invalid_quality")
    if start + timedelta(minutes=minutes) > as_of:
        return _reject(index, "future_timestamp")
    return _GoodRow(index, meter.strip(), start, minutes, kwh, kvarh, quality)


def body_fingerprint(rows: Sequence[object]) -> str:
    """SHA-256 of the rows in canonical JSON: the identity of a batch for its idempotency key."""
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lake_dir() -> Path:
    return Path(settings.PELANGGAN_LAKE_DIR)


def _known_meters(numbers: set[str]) -> set[str]:
    from pelanggan.metering import selectors

    return set(selectors.existing_meter_numbers(numbers))


@contextlib.contextmanager
def _lake_lock(lake: Path) -> Iterator[None]:
    """One HTTP batch at a time between "is this key known?" and "remember the key", so two
    racing requests with one Idempotency-Key cannot both land (the lake's own writer lock,
    taken inside `ingest_table`, only serialises the writes)."""
    folder = lake / "_batches"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key_path(lake: Path, client_id: int, key: str) -> Path:
    digest = hashlib.sha256(f"{client_id}:{key}".encode()).hexdigest()
    return lake / "_batches" / "keys" / f"{digest}.json"


def _replay(path: Path, fingerprint: str) -> BatchResult | None:
    if not path.is_file():
        return None
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored["fingerprint"] != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different batch",
            code="idempotency_key_reused",
        )
    result = BatchResult.from_dict(stored["result"])
    result.replayed = True
    return result


def _remember(path: Path, fingerprint: str, result: BatchResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"fingerprint": fingerprint, "result": result.as_dict()})
    with contextlib.suppress(FileExistsError), open(path, "x", encoding="utf-8") as handle:
        handle.write(payload)


def _to_table(rows: list[_GoodRow]) -> pa.Table:
    """Text columns, as a head-end file would carry them: the lake's own parser reads them."""
    return pa.table(
        {
            "meter_number": [r.meter_number for r in rows],
            "interval_start": [r.interval_start.isoformat() for r in rows],
            "interval_minutes": [str(r.interval_minutes) for r in rows],
            "kwh": [str(r.kwh) for r in rows],
            "kvarh": [None if r.kvarh is None else str(r.kvarh) for r in rows],
            "quality": [r.quality for r in rows],
        },
        schema=pa.schema(
            [
                (name, pa.string())
                for name in (
                    "meter_number",
                    "interval_start",
                    "interval_minutes",
                    "kwh",
                    "kvarh",
                    "quality",
                )
            ]
        ),
    )


def _land(rows: list[_GoodRow], *, lake: Path, batch_id: str, as_of: datetime,
          known: set[str], result: BatchResult) -> None:
    """Append the good rows through the lake's batch ingestion; map its findings back to the
    rows' batch indexes (its "line" is the 1-based row of the table we hand it)."""
    report = ingest_table(
        _to_table(rows), lake_dir=lake, source_name=f"http-batch-{batch_id}", as_of=as_of,
        known_meters=known,
    )
    result.rows_landed = report.rows_landed
    result.already_in_lake = report.already_in_lake
    result.duplicates_in_batch = report.duplicates_in_file
    for finding in report.rejected:
        code = finding.reason if finding.reason in _MESSAGES else "conflict"
        result.rejected.append(_reject(rows[finding.line - 1].index, code))
    # The lake lists at most MAX_REPORTED_ROWS findings; the counts are always complete.
    result.rows_rejected += report.rows_rejected
    result.conflicts = report.conflicts


def receive_batch(
    *,
    rows: Sequence[object],
    actor: audit.Actor,
    client_id: int,
    as_of: datetime,
    idempotency_key: str | None = None,
    lake: Path | None = None,
) -> BatchResult:
    """Validate a head-end batch and land its good rows in the interval lake.

    Returns the counts and every rejected row with its index and reason. Raises `BatchTooLarge`
    beyond `MAX_BATCH_ROWS` rows, `ValidationFailed` for a malformed idempotency key and
    `Conflict` when the key was used before for another body; none of them changes anything.
    """
    if len(rows) > MAX_BATCH_ROWS:
        raise BatchTooLarge(
            f"A batch holds at most {MAX_BATCH_ROWS} rows; split it",
            details={"max_rows": MAX_BATCH_ROWS, "rows": len(rows)},
        )
    if idempotency_key is not None and not _KEY_PATTERN.match(idempotency_key):
        raise ValidationFailed.single(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "The Idempotency-Key must be 1–100 letters, digits or . _ : -",
            "Idempotency-Key harus 1–100 huruf, angka, atau . _ : -",
        )
    lake = lake or lake_dir()
    lake.mkdir(parents=True, exist_ok=True)
    fingerprint = body_fingerprint(rows)
    key_path = _key_path(lake, client_id, idempotency_key) if idempotency_key else None
    if key_path is not None and (replayed := _replay(key_path, fingerprint)) is not None:
        return replayed

    result = BatchResult(batch_id=uuid.uuid4().hex, rows_received=len(rows))
    parsed = [parse_row(i, raw, as_of=as_of) for i, raw in enumerate(rows)]
    candidates = [p for p in parsed if isinstance(p, _GoodRow)]
    known = _known_meters({p.meter_number for p in candidates}) if candidates else set()
    good: list[_GoodRow] = []
    for item in parsed:
        if isinstance(item, RejectedRow):
            result.rejected.append(item)
        elif item.meter_number not in known:
            result.rejected.append(_reject(item.index, "unknown_meter"))
        else:
            good.append(item)
    result.rows_rejected = len(result.rejected)

    with _lake_lock(lake):
        if key_path is not None and (replayed := _replay(key_path, fingerprint)) is not None:
            return replayed  # a racing request with the same key finished first
        if good:
            _land(good, lake=lake, batch_id=result.batch_id, as_of=as_of, known=known,
                  result=result)
        result.rejected.sort(key=lambda r: r.index)
        with transaction.atomic():
            audit.record(
                "metering.intervals.batch_received",
                actor=actor,
                subject_type="interval_batch",
                subject_ids=[result.batch_id],
                changes={
                    "rows_received": result.rows_received,
                    "rows_landed": result.rows_landed,
                    "already_in_lake": result.already_in_lake,
                    "duplicates_in_batch": result.duplicates_in_batch,
                    "rows_rejected": result.rows_rejected,
                    "conflicts": result.conflicts,
                    "rejected_by_reason": _count_reasons(result.rejected),
                },
            )
        if key_path is not None:
            _remember(key_path, fingerprint, result)
    return result


def _count_reasons(rejected: list[RejectedRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rejected:
        counts[row.reason] = counts.get(row.reason, 0) + 1
    return dict(sorted(counts.items()))
