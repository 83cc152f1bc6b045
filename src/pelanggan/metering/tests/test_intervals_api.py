"""Interval API over a real HTTP server: head-end batches and load profiles.

Batches: good rows land, bad rows come back with index and reason, the same batch twice changes
nothing, an Idempotency-Key replays, too-large batches are refused. Profiles: unit scoping,
interval/daily/monthly, estimates flagged with their method. Each module test runs on SQLite and,
with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from conftest import Persona, principal_of
from pelanggan.metering.interval_batches import MAX_BATCH_ROWS
from pelanggan.metering.tests.load_profile_data import (
    NOW,
    WIB,
    build_lake,
    hourly_rows,
    register_customer_with_meter,
)
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

METER = "14123456789"
BATCHES = "/api/v1/intervals/batches"


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "lake"
    with override_settings(PELANGGAN_LAKE_DIR=str(folder)), clock.frozen(NOW):
        yield folder


@pytest.fixture
def head_end(make_persona: Callable[..., Persona]) -> Persona:
    """The head-end's service account. Only administrators hold `metering.ingest_intervals`
    until a dedicated head-end role exists (it needs a security migration)."""
    return make_persona("headend.ami", "administrator", [])


@pytest.fixture
def customer(agent_a: Persona, valid_row: dict[str, str]) -> dict[str, str]:
    register_customer_with_meter(valid_row, principal_of(agent_a))
    return valid_row


def call(
    live_server: Any,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        live_server.url + path, data=data, method="POST" if data is not None else "GET"
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def row(start: str, kwh: Any = "0.250", meter: str = METER, minutes: Any = 15) -> dict[str, Any]:
    return {"meter_number": meter, "interval_start": start, "interval_minutes": minutes, "kwh": kwh}


def lake_rows(lake: Path) -> list[tuple[Any, ...]]:
    import duckdb

    files = sorted(str(p) for p in (lake / "intervals").glob("day=*/*.parquet"))
    if not files:
        return []
    return duckdb.connect().execute(
        "SELECT meter_number, strftime(timezone('Asia/Jakarta', interval_start), "
        "'%Y-%m-%d %H:%M'), interval_minutes, kwh::VARCHAR, quality "
        "FROM read_parquet(?) ORDER BY 1, 2",
        [files],
    ).fetchall()


def lake_bytes(lake: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(lake)): p.read_bytes()
        for p in sorted((lake / "intervals").glob("day=*/*.parquet"))
    }


# -- batches ---------------------------------------------------------------------------------


def test_batch_lands_good_rows_and_reports_bad_ones(
    live_server: Any, lake: Path, head_end: Persona, customer: dict[str, str]
) -> None:
    batch = [
        row("2026-11-21T17:00:00+07:00", "0.812"),
        row("2026-11-21T17:15:00", 1.5),  # no offset: WIB
        row("2026-11-21T10:30:00Z", "0.100"),  # 17:30 WIB
        row("2026-11-21T17:45:00+07:00", "-0.1"),
        row("2026-11-21T18:00:00+07:00", "0.2", meter="99999999999"),
        row("not a time"),
        row("2026-11-21T18:15:00+07:00", minutes=7),
        row("2026-11-22T12:00:00+07:00"),  # ends after "now"
        {"meter_number": METER, "interval_start": "2026-11-21T18:30:00+07:00",
         "interval_minutes": 15, "kwh": "0.3", "quality": "X"},
        "not an object",
        row("2026-11-21T18:45:00+07:00", "abc"),
    ]
    status, answer = call(live_server, BATCHES, token=head_end.token, body={"rows": batch})
    assert status == 200, answer
    assert answer["rows_received"] == 11
    assert answer["rows_landed"] == 3
    assert answer["rows_rejected"] == 8
    assert answer["conflicts"] == 0
    assert answer["replayed"] is False
    assert [(r["index"], r["reason"], r["field"]) for r in answer["rejected"]] == [
        (3, "negative_kwh", "kwh"),
        (4, "unknown_meter", "meter_number"),
        (5, "unparseable_timestamp", "interval_start"),
        (6, "invalid_interval_minutes", "interval_minutes"),
        (7, "future_timestamp", "interval_start"),
        (8, "invalid_quality", "quality"),
        (9, "not_an_object", ""),
        (10, "missing_or_unparseable_kwh", "kwh"),
    ]
    assert lake_rows(lake) == [
        (METER, "2026-11-21 17:00", 15, "0.812000", "A"),
        (METER, "2026-11-21 17:15", 15, "1.500000", "A"),
        (METER, "2026-11-21 17:30", 15, "0.100000", "A"),
    ]
    event = AuditEvent.objects.get(event_type="metering.intervals.batch_received")
    assert event.actor_label == "headend.ami"
    assert event.subject_ids == [answer["batch_id"]]
    assert event.changes["rows_landed"] == 3
    assert event.changes["rejected_by_reason"]["unknown_meter"] == 1


def test_the_same_batch_twice_changes_nothing_and_conflicts_are_reported(
    live_server: Any, lake: Path, head_end: Persona, customer: dict[str, str]
) -> None:
    batch = [row("2026-11-21T00:00:00+07:00"), row("2026-11-21T00:15:00+07:00", "0.5")]
    first = call(live_server, BATCHES, token=head_end.token, body={"rows": batch})
    assert first[0] == 200
    assert first[1]["rows_landed"] == 2
    before = lake_bytes(lake)

    again = call(live_server, BATCHES, token=head_end.token, body={"rows": batch})
    assert again[0] == 200
    assert (again[1]["rows_landed"], again[1]["already_in_lake"]) == (0, 2)
    assert lake_bytes(lake) == before

    changed = [row("2026-11-21T00:00:00+07:00", "9.999"), row("2026-11-21T00:30:00+07:00")]
    status, answer = call(live_server, BATCHES, token=head_end.token, body={"rows": changed})
    assert status == 200
    assert answer["rows_landed"] == 1
    assert answer["conflicts"] == 1
    assert [(r["index"], r["reason"]) for r in answer["rejected"]] == [(0, "conflict")]
    assert lake_rows(lake)[0] == (METER, "2026-11-21 00:00", 15, "0.250000", "A")
    assert len(lake_rows(lake)) == 3


def test_idempotency_key_replays_and_refuses_another_body(
    live_server: Any, lake: Path, head_end: Persona, customer: dict[str, str]
) -> None:
    batch = {"rows": [row("2026-11-20T08:00:00+07:00")]}
    key = {"Idempotency-Key": "he-7f3a:000123"}
    status, first = call(live_server, BATCHES, token=head_end.token, body=batch, headers=key)
    assert status == 200
    assert first["rows_landed"] == 1
    status, replay = call(live_server, BATCHES, token=head_end.token, body=batch, headers=key)
    assert status == 200
    assert replay == {**first, "replayed": True}
    assert AuditEvent.objects.filter(event_type="metering.intervals.batch_received").count() == 1

    other = {"rows": [row("2026-11-20T08:15:00+07:00")]}
    status, refused = call(live_server, BATCHES, token=head_end.token, body=other, headers=key)
    assert status == 409
    assert refused["code"] == "idempotency_key_reused"
    assert len(lake_rows(lake)) == 1

    status, bad_key = call(
        live_server, BATCHES, token=head_end.token, body=other,
        headers={"Idempotency-Key": "spaces are not allowed"},
    )
    assert status == 422
    assert bad_key["details"]["fields"]["Idempotency-Key"][0]["code"] == "invalid_idempotency_key"
    assert len(lake_rows(lake)) == 1


def test_too_large_or_malformed_batches_change_nothing(
    live_server: Any, lake: Path, head_end: Persona, customer: dict[str, str]
) -> None:
    start = dt.datetime(2026, 10, 1, tzinfo=WIB)
    too_many = [
        row((start + dt.timedelta(minutes=15 * i)).isoformat(), "0.1")
        for i in range(MAX_BATCH_ROWS + 1)
    ]
    status, answer = call(live_server, BATCHES, token=head_end.token, body={"rows": too_many})
    assert status == 413
    assert answer["code"] == "batch_too_large"
    assert answer["details"] == {"max_rows": MAX_BATCH_ROWS, "rows": MAX_BATCH_ROWS + 1}

    # A body beyond Django's upload limit gets the same error shape (not an HTML 400).
    padded = [{**row("2026-10-01T00:00:00+07:00"), "note": "x" * 400}] * 7000
    status, answer = call(live_server, BATCHES, token=head_end.token, body={"rows": padded})
    assert (status, answer["code"]) == (413, "request_too_large")

    status, answer = call(live_server, BATCHES, token=head_end.token, body={"readings": []})
    assert status == 422
    assert answer["code"] == "validation_failed"
    assert lake_rows(lake) == []
    assert not AuditEvent.objects.filter(event_type="metering.intervals.batch_received").exists()

    # The documented maximum, with every optional field, fits and lands whole.
    start = dt.datetime(2026, 8, 1, tzinfo=WIB)  # 10.000 quarter hours: until 13 November
    full = [
        {**row((start + dt.timedelta(minutes=15 * i)).isoformat(), "0.125000"),
         "kvarh": "0.012500", "quality": "A"}
        for i in range(MAX_BATCH_ROWS)
    ]
    status, answer = call(live_server, BATCHES, token=head_end.token, body={"rows": full})
    assert status == 200, answer
    assert (answer["rows_landed"], answer["rows_rejected"]) == (MAX_BATCH_ROWS, 0)


def test_batch_authorization_matrix(
    live_server: Any, lake: Path, agent_a: Persona, auditor: Persona, customer: dict[str, str]
) -> None:
    batch = {"rows": [row("2026-11-21T00:00:00+07:00")]}
    assert call(live_server, BATCHES, body=batch) == (
        401, {"code": "unauthenticated", "message": "Authentication is required", "details": {}}
    )
    assert call(live_server, BATCHES, token="plg_not-a-token", body=batch)[0] == 401
    assert call(live_server, BATCHES, token=agent_a.token, body=batch)[0] == 403
    assert call(live_server, BATCHES, token=auditor.token, body=batch)[0] == 403
    assert lake_rows(lake) == []
    assert not AuditEvent.objects.filter(event_type="metering.intervals.batch_received").exists()


# -- load profiles ---------------------------------------------------------------------------


@pytest.fixture
def profile_lake(lake: Path, customer: dict[str, str]) -> Path:
    """19–21 November 2026, hourly, with a 2-hour gap (interpolated) on the 20th at 03:00 WIB
    and a 10-hour gap (comparable-day profile) on the 21st from 06:00 WIB."""
    first = dt.datetime(2026, 11, 14, 0, 0, tzinfo=WIB)
    gap_short = {6 * 24 + 3, 6 * 24 + 4}
    gap_long = set(range(7 * 24 + 6, 7 * 24 + 16))
    build_lake(lake, hourly_rows(METER, first, 8 * 24, skip=gap_short | gap_long))
    return lake


def profile(live_server: Any, persona: Persona, query: str, subject: str = METER) -> Any:
    kind = "meters" if subject == METER else "customers"
    return call(live_server, f"/api/v1/intervals/{kind}/{subject}/profile?{query}",
                token=persona.token)


def test_interval_profile_flags_estimates_with_their_method(
    live_server: Any, profile_lake: Path, agent_a: Persona
) -> None:
    status, answer = profile(
        live_server, agent_a, "start=2026-11-20&end=2026-11-22&resolution=interval"
    )
    assert status == 200, answer
    assert answer["meter_numbers"] == [METER]
    assert answer["start"] == "2026-11-20T00:00:00+07:00"
    points = answer["points"]
    assert len(points) == 48
    assert points[0]["start"] == "2026-11-20T00:00:00+07:00"
    assert points[0]["end"] == "2026-11-20T01:00:00+07:00"
    assert (Decimal(points[0]["kwh"]), points[0]["quality"], points[0]["estimated"]) == (
        Decimal("0.3"), "A", False
    )
    linear = [p for p in points if "linear_interpolation" in p["methods"]]
    assert [p["start"][11:16] for p in linear] == ["03:00", "04:00"]
    assert all(p["estimated"] and p["quality"] == "E" for p in linear)
    assert [Decimal(p["kwh"]) for p in linear] == [Decimal("0.3"), Decimal("0.3")]
    profiled = [p for p in points if "comparable_day_profile" in p["methods"]]
    assert [p["start"][11:16] for p in profiled] == [f"{h:02d}:00" for h in range(6, 16)]
    assert all(Decimal(p["kwh"]) == Decimal("0.3") for p in profiled)
    assert Decimal(answer["estimated_kwh"]) == Decimal("3.6")
    # 2 days: each 19 × 0.3 + 5 × 0.9 = 10.2 kWh
    assert Decimal(answer["total_kwh"]) == Decimal("20.4")


def test_daily_and_monthly_profiles_come_from_the_aggregates(
    live_server: Any, profile_lake: Path, agent_a: Persona
) -> None:
    status, daily = profile(
        live_server, agent_a, "start=2026-11-19&end=2026-11-22&resolution=daily"
    )
    assert status == 200, daily
    got = [
        (p["start"][:10], Decimal(p["kwh"]), Decimal(p["kwh_wbp"]), Decimal(p["kwh_lwbp"]),
         p["estimated"], p["estimated_intervals"], Decimal(p["max_demand_kw"]))
        for p in daily["points"]
    ]
    assert got == [
        ("2026-11-19", Decimal("10.2"), Decimal("4.5"), Decimal("5.7"), False, 0, Decimal("0.9")),
        ("2026-11-20", Decimal("10.2"), Decimal("4.5"), Decimal("5.7"), True, 2, Decimal("0.9")),
        ("2026-11-21", Decimal("10.2"), Decimal("4.5"), Decimal("5.7"), True, 10, Decimal("0.9")),
    ]
    assert daily["points"][2]["methods"] == ["comparable_day_profile"]

    status, monthly = profile(live_server, agent_a, "start=2026-11-01&resolution=monthly")
    assert status == 200, monthly
    assert monthly["start"] == "2026-11-01T00:00:00+07:00"
    # 8 whole days of 10.2 kWh, and the 12 hours of today until "now" without readings,
    # estimated from the comparable (weekend) days: 12 × 0.3 kWh.
    assert [(p["start"][:7], Decimal(p["kwh"]), p["estimated_intervals"])
            for p in monthly["points"]] == [("2026-11", Decimal("85.2"), 24)]


def test_customer_profile_stitches_the_meters_of_the_connection(
    live_server: Any, profile_lake: Path, supervisor_a: Persona, customer: dict[str, str]
) -> None:
    status, answer = profile(
        live_server, supervisor_a, "start=2026-11-21&end=2026-11-22&resolution=daily",
        subject=customer["idpel"],
    )
    assert status == 200, answer
    assert answer["subject"] == customer["idpel"]
    assert answer["meter_numbers"] == [METER]
    assert [Decimal(p["kwh"]) for p in answer["points"]] == [Decimal("10.2")]


def test_profile_scoping_and_bad_periods(
    live_server: Any,
    profile_lake: Path,
    agent_b: Persona,
    auditor: Persona,
    admin: Persona,
    customer: dict[str, str],
) -> None:
    query = "start=2026-11-21&end=2026-11-22&resolution=daily"
    not_found = profile(live_server, agent_b, query)
    unknown = call(live_server, f"/api/v1/intervals/meters/00000000000/profile?{query}",
                   token=admin.token)
    assert not_found[0] == unknown[0] == 404
    assert not_found[1]["code"] == unknown[1]["code"] == "meter_not_found"
    assert profile(live_server, agent_b, query, subject=customer["idpel"])[0] == 404
    assert profile(live_server, auditor, query)[0] == 403  # no customers.view
    assert call(live_server, f"/api/v1/intervals/meters/{METER}/profile?{query}")[0] == 401
    assert not AuditEvent.objects.filter(event_type="metering.load_profile.viewed").exists()
    assert profile(live_server, admin, query)[0] == 200
    assert AuditEvent.objects.filter(event_type="metering.load_profile.viewed").count() == 1

    status, answer = profile(live_server, admin, "start=2026-01-01&end=2026-11-01")
    assert status == 422
    assert answer["details"]["fields"]["end"][0]["code"] == "period_too_long"
    status, answer = profile(live_server, admin, "resolution=hourly")
    assert answer["details"]["fields"]["resolution"][0]["code"] == "invalid_resolution"
    status, answer = profile(live_server, admin, "start=yesterday")
    assert answer["details"]["fields"]["start"][0]["code"] == "invalid_datetime"


def test_a_meter_exchange_is_stitched_for_the_customer_and_cut_for_the_meter(
    live_server: Any,
    profile_lake: Path,
    supervisor_a: Persona,
    admin: Persona,
    customer: dict[str, str],
) -> None:
    from pelanggan.metering.services.registry import exchange_meter, register_meter
    from pelanggan.platform.audit import Actor

    new_meter = "14987654321"
    exchanged_at = dt.datetime(2026, 11, 18, 0, 0, tzinfo=WIB)
    register_meter(number=new_meter, kind="smart_prepaid", actor=Actor.system("tests"),
                   now=exchanged_at - dt.timedelta(days=1))
    exchange_meter(
        principal=principal_of(supervisor_a), idpel=customer["idpel"], new_meter_number=new_meter,
        exchanged_at=exchanged_at, final_reads={"kwh_total": "1500"},
        initial_reads={"kwh_total": "0"}, reason="Meter rusak", now=NOW,
    )
    # The new meter reports 0.5 kWh an hour from the exchange; the old one's readings after the
    # exchange (still in the lake from the seed) belong to nobody's profile.
    new_rows = [(new_meter, exchanged_at + dt.timedelta(hours=h), 60, Decimal("0.500"))
                for h in range(4 * 24)]
    status, answer = call(live_server, BATCHES, token=admin.token, body={"rows": [
        {"meter_number": m, "interval_start": s.isoformat(), "interval_minutes": n, "kwh": str(k)}
        for m, s, n, k in new_rows
    ]})
    assert (status, answer["rows_landed"]) == (200, 96)

    query = "start=2026-11-16&end=2026-11-22&resolution=daily"
    status, stitched = profile(live_server, supervisor_a, query, subject=customer["idpel"])
    assert status == 200, stitched
    assert stitched["meter_numbers"] == [METER, new_meter]
    assert [(p["start"][:10], Decimal(p["kwh"])) for p in stitched["points"]] == [
        ("2026-11-16", Decimal("10.2")),
        ("2026-11-17", Decimal("10.2")),
        ("2026-11-18", Decimal("12")),
        ("2026-11-19", Decimal("12")),
        ("2026-11-20", Decimal("12")),
        ("2026-11-21", Decimal("12")),
    ]
    status, old_only = profile(live_server, supervisor_a, query)
    assert [p["start"][:10] for p in old_only["points"]] == ["2026-11-16", "2026-11-17"]
