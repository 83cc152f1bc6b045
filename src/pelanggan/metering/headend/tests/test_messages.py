"""Message validation (pure): each bad input gets its own reason; good items are kept."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from pelanggan.metering.headend import topics
from pelanggan.metering.headend.messages import (
    MessageRejected,
    parse_events,
    parse_readings,
    parse_reply,
)

AS_OF = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def _body(*readings: dict[str, object]) -> bytes:
    return json.dumps({"readings": list(readings)}).encode()


def _reading(**overrides: object) -> dict[str, object]:
    return {"interval_start": "2026-11-22T10:00:00+07:00", "interval_minutes": 15, "kwh": 0.5,
            **overrides}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "malformed_json"),
        (b'{"readings": [', "malformed_json"),
        (b'{"readings": [{"kwh": NaN}]}', "malformed_json"),
        (b"[]", "schema_violation"),
        (b'{"readings": {}}', "schema_violation"),
        (json.dumps({"readings": [_reading()] * 10_001}).encode(), "too_many_items"),
    ],
)
def test_message_level_rejections(body: bytes, reason: str) -> None:
    with pytest.raises(MessageRejected) as caught:
        parse_readings("14123456789", body, as_of=AS_OF)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"interval_start": "22/11/2026 10:00"}, "invalid_timestamp"),
        ({"interval_start": 1700000000}, "invalid_timestamp"),
        ({"interval_minutes": 7}, "invalid_interval_minutes"),
        ({"interval_minutes": True}, "invalid_interval_minutes"),
        ({"interval_minutes": "15"}, "invalid_interval_minutes"),
        ({"kwh": "0.5"}, "invalid_kwh"),
        ({"kwh": None}, "invalid_kwh"),
        ({"kwh": 1e12}, "invalid_kwh"),
        ({"kwh": 10**400}, "invalid_kwh"),
        ({"kwh": True}, "invalid_kwh"),
        ({"kwh": -0.1}, "negative_energy"),
        ({"kvarh": "x"}, "invalid_kvarh"),
        ({"kvarh": -1}, "negative_energy"),
        ({"quality": "Z"}, "invalid_quality"),
        # 18:50 WIB + 15 min ends after 12:00 UTC (19:00 WIB): not measured yet.
        ({"interval_start": "2026-11-22T18:50:00+07:00"}, "future_timestamp"),
    ],
)
def test_reading_level_rejections_keep_the_good_ones(
    overrides: dict[str, object], reason: str
) -> None:
    parsed = parse_readings("14123456789", _body(_reading(), _reading(**overrides)), as_of=AS_OF)
    assert parsed.rejected == [(1, reason)]
    assert len(parsed.items) == 1
    good = parsed.items[0]
    assert good.interval_start == dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
    assert (good.interval_minutes, good.kwh, good.kvarh, good.quality) == (15, 0.5, None, "A")


def test_naive_timestamp_is_wib_and_the_interval_may_end_exactly_now() -> None:
    parsed = parse_readings(
        "m1", _body(_reading(interval_start="2026-11-22T18:45:00", kvarh=0.1, quality="E")),
        as_of=AS_OF,
    )
    assert parsed.rejected == []
    assert parsed.items[0].interval_start == dt.datetime(2026, 11, 22, 11, 45, tzinfo=dt.UTC)
    assert (parsed.items[0].kvarh, parsed.items[0].quality) == (0.1, "E")


def test_events_and_replies() -> None:
    event = {"kind": "power_off_last_gasp", "occurred_at": "2026-11-22T11:00:00Z"}
    parsed = parse_events("m1", json.dumps({"events": [event, {**event, "kind": "Boom"},
                                                        {**event, "occurred_at": "2027-01-01"}]})
                          .encode(), as_of=AS_OF)  # fmt: skip
    assert parsed.rejected == [(1, "invalid_event_kind"), (2, "future_timestamp")]
    assert parsed.items[0].dedup_key == "m1:power_off_last_gasp:2026-11-22T11:00:00+00:00"
    single = parse_events("m1", json.dumps({**event, "event_id": "e9"}).encode(), as_of=AS_OF)
    assert single.items[0].dedup_key == "m1:e9"

    command_id = uuid.uuid4()
    reply = parse_reply("m1", json.dumps({"command_id": str(command_id), "status": "failed",
                                          "reason": "Used"}).encode())  # fmt: skip
    assert (reply.command_id, reply.status, reply.reason, reply.result) == (
        command_id, "failed", "Used", {}
    )
    for bad, reason in [({"command_id": "x", "status": "failed"}, "invalid_command_id"),
                        ({"command_id": str(command_id), "status": "done"},
                         "invalid_reply_status")]:  # fmt: skip
        with pytest.raises(MessageRejected) as caught:
            parse_reply("m1", json.dumps(bad).encode())
        assert caught.value.reason == reason


def test_topics() -> None:
    assert topics.topic("14123456789", "readings") == "pelanggan/ami/14123456789/readings"
    assert topics.parse("pelanggan/ami/14123456789/replies") == ("14123456789", "replies")
    assert topics.parse("pelanggan/ami/a+b/readings") is None
    assert topics.parse("other/ami/1/readings") is None
    assert topics.subscriptions() == [
        "pelanggan/ami/+/readings", "pelanggan/ami/+/events", "pelanggan/ami/+/replies"
    ]
