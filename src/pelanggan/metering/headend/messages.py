"""Validation of MQTT message bodies from meters (pure: no Django, no clock, no broker).

A message is judged as a whole first (JSON, shape); then each reading or event on its own, so
one bad reading never stops the good ones beside it. Every rejection has a stable reason code;
the codes are counted by the listener and logged without the offending values (a meter's
readings are personal data about a household).

Readings body: ``{"readings": [{"interval_start": ISO-8601, "interval_minutes": 15,
"kwh": 0.123, "kvarh"?: 0.01, "quality"?: "A"}]}``. A timestamp without an offset is read as
WIB, as in head-end files.

Events body: one event ``{"kind": ..., "occurred_at": ..., "event_id"?: ..., "payload"?: {}}``
or ``{"events": [event, ...]}``. ``event_id`` (unique per meter) makes redelivery harmless;
without it the dedup key is the kind and time.

Replies body: ``{"command_id": UUID, "status": "acknowledged|succeeded|failed",
"reason"?: str, "result"?: {}}``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

ALLOWED_INTERVAL_MINUTES = frozenset({5, 10, 15, 30, 60})
ALLOWED_QUALITY = frozenset({"A", "E", "M"})
MAX_READINGS_PER_MESSAGE = 10_000
MAX_EVENTS_PER_MESSAGE = 1_000
#: Energy of one interval above this is not a household or feeder reading but a broken register.
MAX_INTERVAL_ENERGY = 1_000_000.0
WIB = ZoneInfo("Asia/Jakarta")
_EVENT_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
T = TypeVar("T")
Body = bytes | bytearray
REPLY_STATUSES = frozenset({"acknowledged", "succeeded", "failed"})


class Reason:
    """Rejection reasons (counter names)."""

    MALFORMED_JSON = "malformed_json"
    SCHEMA = "schema_violation"
    UNKNOWN_TOPIC = "unknown_topic"
    UNKNOWN_METER = "unknown_meter"
    TOO_MANY = "too_many_items"
    BAD_TIMESTAMP = "invalid_timestamp"
    FUTURE = "future_timestamp"
    BAD_INTERVAL_MINUTES = "invalid_interval_minutes"
    BAD_KWH = "invalid_kwh"
    NEGATIVE = "negative_energy"
    BAD_KVARH = "invalid_kvarh"
    BAD_QUALITY = "invalid_quality"
    BAD_KIND = "invalid_event_kind"
    BAD_PAYLOAD = "invalid_event_payload"
    BAD_COMMAND_ID = "invalid_command_id"
    BAD_STATUS = "invalid_reply_status"


class MessageRejected(Exception):
    """The whole message is unusable; ``reason`` is a `Reason` code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Reading:
    meter_number: str
    interval_start: dt.datetime  # aware, UTC
    interval_minutes: int
    kwh: float
    kvarh: float | None
    quality: str


@dataclass(frozen=True, slots=True)
class Event:
    meter_number: str
    kind: str
    occurred_at: dt.datetime  # aware, UTC
    payload: dict[str, Any]
    dedup_key: str


@dataclass(frozen=True, slots=True)
class Reply:
    meter_number: str
    command_id: uuid.UUID
    status: str
    reason: str
    result: dict[str, Any]


@dataclass
class Parsed(Generic[T]):
    """The good items of a message and the reason of each bad one (by position)."""

    items: list[T] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number in JSON")


def load_json(body: Body) -> Any:
    """Strict JSON (no NaN/Infinity); `MessageRejected(malformed_json)` otherwise."""
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise MessageRejected(Reason.MALFORMED_JSON, type(error).__name__) from None


_instants: dict[str, dt.datetime | None] = {}
_INSTANT_CACHE_SIZE = 50_000


def parse_instant(value: object) -> dt.datetime | None:
    """ISO 8601 → aware UTC; a value without an offset is WIB. None when unparseable.

    Thousands of meters report the same interval starts, so parsed values are memoised."""
    if not isinstance(value, str):
        return None
    if value in _instants:
        return _instants[value]
    moment: dt.datetime | None = None
    if 10 <= len(value) <= 40:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is not None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=WIB)
        moment = moment.astimezone(dt.UTC)
    if len(_instants) >= _INSTANT_CACHE_SIZE:
        _instants.clear()
    _instants[value] = moment
    return moment


def _number(value: object) -> float | None:
    if value.__class__ is float or value.__class__ is int:
        try:
            number = float(value)
        except OverflowError:  # an integer with hundreds of digits
            return None
        return number if -MAX_INTERVAL_ENERGY <= number <= MAX_INTERVAL_ENERGY else None
    return None  # bool, text, null, objects: not a number here (NaN never gets this far)


def _reading(
    meter_number: str, item: object, latest_start: dict[int, dt.datetime]
) -> Reading | str:
    """One reading, or its rejection reason. ``latest_start`` maps an interval length to the
    latest start whose interval has ended at the time of judging."""
    if item.__class__ is not dict:
        return Reason.SCHEMA
    get = item.get
    start = parse_instant(get("interval_start"))
    if start is None:
        return Reason.BAD_TIMESTAMP
    minutes = get("interval_minutes")
    if minutes.__class__ is not int or minutes not in ALLOWED_INTERVAL_MINUTES:
        return Reason.BAD_INTERVAL_MINUTES
    kwh = _number(get("kwh"))
    if kwh is None:
        return Reason.BAD_KWH
    raw_kvarh = get("kvarh")
    kvarh = None if raw_kvarh is None else _number(raw_kvarh)
    if raw_kvarh is not None and kvarh is None:
        return Reason.BAD_KVARH
    if kwh < 0 or (kvarh is not None and kvarh < 0):
        return Reason.NEGATIVE
    quality = get("quality", "A")
    if quality not in ALLOWED_QUALITY:
        return Reason.BAD_QUALITY
    if start > latest_start[minutes]:
        return Reason.FUTURE
    return Reading(meter_number, start, minutes, kwh, kvarh, quality)


def parse_readings(meter_number: str, body: Body, *, as_of: dt.datetime) -> Parsed[Reading]:
    """The readings of one message. Raises `MessageRejected` for a message that is not JSON or
    not shaped as documented; a bad reading is listed in ``rejected`` and the others kept."""
    document = load_json(body)
    if not isinstance(document, dict) or not isinstance(document.get("readings"), list):
        raise MessageRejected(Reason.SCHEMA, "expected an object with a 'readings' list")
    items = document["readings"]
    if len(items) > MAX_READINGS_PER_MESSAGE:
        raise MessageRejected(Reason.TOO_MANY, f"more than {MAX_READINGS_PER_MESSAGE} readings")
    parsed: Parsed[Reading] = Parsed()
    latest = {m: as_of - dt.timedelta(minutes=m) for m in ALLOWED_INTERVAL_MINUTES}
    for index, item in enumerate(items):
        outcome = _reading(meter_number, item, latest)
        if isinstance(outcome, str):
            parsed.rejected.append((index, outcome))
        else:
            parsed.items.append(outcome)
    return parsed


def _event(meter_number: str, item: object, as_of: dt.datetime) -> Event | str:
    if not isinstance(item, dict):
        return Reason.SCHEMA
    kind = item.get("kind")
    if not isinstance(kind, str) or not _EVENT_KIND.match(kind):
        return Reason.BAD_KIND
    occurred_at = parse_instant(item.get("occurred_at"))
    if occurred_at is None:
        return Reason.BAD_TIMESTAMP
    if occurred_at > as_of:
        return Reason.FUTURE
    payload = item.get("payload", {})
    if not isinstance(payload, dict) or len(json.dumps(payload)) > 2_000:
        return Reason.BAD_PAYLOAD
    event_id = item.get("event_id")
    if event_id is not None and (not isinstance(event_id, str) or not 0 < len(event_id) <= 64):
        return Reason.SCHEMA
    dedup_key = (
        f"{meter_number}:{event_id}"
        if event_id
        else f"{meter_number}:{kind}:{occurred_at.isoformat()}"
    )
    return Event(meter_number, kind, occurred_at, payload, dedup_key)


def parse_events(meter_number: str, body: Body, *, as_of: dt.datetime) -> Parsed[Event]:
    """The events of one message (one event object or ``{"events": [...]}``)."""
    document = load_json(body)
    if isinstance(document, dict) and "events" in document:
        items = document["events"]
        if not isinstance(items, list):
            raise MessageRejected(Reason.SCHEMA, "'events' must be a list")
    elif isinstance(document, dict):
        items = [document]
    else:
        raise MessageRejected(Reason.SCHEMA, "expected an event object")
    if len(items) > MAX_EVENTS_PER_MESSAGE:
        raise MessageRejected(Reason.TOO_MANY, f"more than {MAX_EVENTS_PER_MESSAGE} events")
    parsed: Parsed[Event] = Parsed()
    for index, item in enumerate(items):
        outcome = _event(meter_number, item, as_of)
        if isinstance(outcome, str):
            parsed.rejected.append((index, outcome))
        else:
            parsed.items.append(outcome)
    return parsed


def parse_reply(meter_number: str, body: Body) -> Reply:
    """A meter's reply to a command. Raises `MessageRejected`."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise MessageRejected(Reason.SCHEMA, "expected a reply object")
    try:
        command_id = uuid.UUID(str(document.get("command_id")))
    except ValueError:
        raise MessageRejected(Reason.BAD_COMMAND_ID) from None
    status = document.get("status")
    if status not in REPLY_STATUSES:
        raise MessageRejected(Reason.BAD_STATUS)
    reason = document.get("reason", "")
    result = document.get("result", {})
    if not isinstance(reason, str) or not isinstance(result, dict) or len(reason) > 200:
        raise MessageRejected(Reason.SCHEMA, "reason must be text, result an object")
    if len(json.dumps(result)) > 4_000:
        raise MessageRejected(Reason.SCHEMA, "result too large")
    return Reply(meter_number, command_id, str(status), reason, result)
