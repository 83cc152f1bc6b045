"""The demo's meter data: interval history in the lake (with gaps VEE fills), the live feed
(in-process without a broker, over the real Mosquitto with one), lake compaction (job, periodic
check, CLI) and the erasure of the customer phone on meter pairings."""

# The lake queries here are our own text; file names are quoted by engine.lake_relation_sql.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pelanggan.customers.synthetic import DEMO_UNITS, generate_dil, write_csv
from pelanggan.metering.demo import build_demo_meters
from pelanggan.metering.demo_history import (
    build_demo_history,
    generate,
    history_meters,
)
from pelanggan.metering.demo_live import (
    MODE_IN_PROCESS,
    MODE_MQTT,
    live_fleet,
    start_live_feed,
)
from pelanggan.metering.headend.broker import BrokerAddress
from pelanggan.metering.headend.simulator.inprocess import InProcessSimulator
from pelanggan.metering.load_profiles import Window, build_profile
from pelanggan.metering.models import MeterEvent, Pairing
from pelanggan.metering.models.choices import TWO_WAY_KINDS
from pelanggan.metering.services.erasure import erase_customer_phone
from pelanggan.metering.tasks import PeriodicCompaction, compact_lake
from pelanggan.metering.tests.factories import SYSTEM
from pelanggan.platform import clock
from pelanggan.platform.errors import ValidationFailed
from pelanggan.platform.models import AuditEvent
from pipelines.intervals import engine
from pipelines.intervals.ingest import ingest_table
from pipelines.intervals.lake import day_parts
from pipelines.intervals.vee import METHOD_LINEAR, METHOD_PROFILE

NOW = dt.datetime(2026, 11, 22, 3, 7, tzinfo=dt.UTC)  # 10:07 WIB
AS_OF = dt.date(2026, 11, 22)


def _demo(tmp_path: Path, customers: int = 150) -> None:
    from pelanggan.customers.services import import_dil
    from pelanggan.security.services import ensure_unit

    for unit in DEMO_UNITS:
        ensure_unit(code=unit.code, name=unit.name, kind=unit.kind,
                    parent_code=unit.parent_code, idpel_prefix=unit.idpel_prefix or "")  # fmt: skip
    extract = tmp_path / "dil.csv"
    write_csv(extract, generate_dil(customers=customers, seed=7, as_of=AS_OF).rows)
    with clock.frozen(clock.wib(2026, 11, 22, 9)):
        assert import_dil(path=extract, partial=False, actor=SYSTEM).committed
        build_demo_meters(seed=7, actor=SYSTEM, as_of=AS_OF, progress=lambda _: None)


def _lake_keys(lake: Path, source: str | None = None) -> list[tuple[str, str, float]]:
    files = engine.lake_files(lake)
    if not files:
        return []
    where = f"WHERE source_name = '{source}'" if source else ""
    with contextlib.closing(engine.connect(threads=1)) as con:
        rows = con.sql(
            "SELECT meter_number, strftime(interval_start, '%Y-%m-%dT%H:%M'), kwh::DOUBLE "
            f"FROM {engine.lake_relation_sql(files)} {where} ORDER BY 1, 2"
        ).fetchall()
    return [(str(m), str(s), float(k)) for m, s, k in rows]


def _slots(start: dt.datetime, end: dt.datetime, minutes: int) -> int:
    step = dt.timedelta(minutes=minutes)
    count, moment = 0, start
    while moment + step <= end:
        count, moment = count + 1, moment + step
    return count


@pytest.mark.django_db
def test_history_sample_shape_gaps_and_rerun(tmp_path: Path) -> None:
    _demo(tmp_path)
    meters = history_meters(two_way_limit=5, first_accounts_per_ulp=2)
    from pelanggan.customers.models import Account
    from pelanggan.metering.models import Installation

    first = Account.objects.filter(ulp__code="53110").order_by("idpel").first()
    assert first is not None
    first_meters = set(
        Installation.objects.filter(
            connection__account=first, removed_at__isnull=True, meter__utility="electricity"
        ).values_list("meter__number", flat=True)
    )
    numbers = [m.number for m in meters]
    assert len(numbers) == len(set(numbers))
    assert first_meters <= set(numbers)
    assert meters[0].featured
    assert not any(m.featured for m in meters[1:])
    smart = [m for m in meters if m.interval_minutes == 15]
    assert 0 < len(smart) <= 5 + 8  # five two-way, plus any among the first accounts
    lake = tmp_path / "lake"
    with clock.frozen(NOW):
        result = build_demo_history(lake=lake, seed=7, now=NOW, days=10, meters=meters,
                                    progress=lambda _: None)  # fmt: skip
    window = dt.datetime(2026, 11, 12, tzinfo=dt.UTC)
    expected = sum(
        _slots(max(window, m.installed_at), NOW, m.interval_minutes) for m in meters
    )
    assert result.readings_landed + result.gaps == expected
    assert result.gaps > 0
    assert result.rejected == 0
    keys = _lake_keys(lake)
    assert len(keys) == result.readings_landed
    assert max(k[1] for k in keys) == "2026-11-22T02:45"  # the last whole interval before now
    # The evening peak of the SGSC profile shows: 18–22 WIB uses more than 01–05 WIB.
    by_hour: dict[int, list[float]] = {}
    for _, start, kwh in keys:
        hour = (int(start[11:13]) + 7) % 24
        by_hour.setdefault(hour, []).append(kwh)
    evening = sum(sum(by_hour[h]) / len(by_hour[h]) for h in range(18, 22))
    night = sum(sum(by_hour[h]) / len(by_hour[h]) for h in range(1, 5))
    assert evening > 1.3 * night
    # Running the demo again writes nothing and contradicts nothing.
    with clock.frozen(NOW):
        again = build_demo_history(lake=lake, seed=7, now=NOW, days=10, meters=meters,
                                   progress=lambda _: None)  # fmt: skip
    assert (again.readings_landed, again.already_in_lake, again.rejected) == (0, 0, 0)
    assert _lake_keys(lake) == keys
    # A day later it catches up with exactly the same values for the overlap.
    later = NOW + dt.timedelta(days=1)
    table, _ = generate(meters, seed=7, start=window, end=NOW, after={}, now=NOW)
    regenerated = sorted(
        (r["meter_number"], r["interval_start"].strftime("%Y-%m-%dT%H:%M"), r["kwh"])
        for r in table.to_pylist()
    )
    assert regenerated == keys
    with clock.frozen(later):
        caught_up = build_demo_history(lake=lake, seed=7, now=later, days=10, meters=meters,
                                       progress=lambda _: None)  # fmt: skip
    assert caught_up.rejected == 0
    assert caught_up.readings_landed + caught_up.gaps == sum(
        _slots(NOW, later, m.interval_minutes) for m in meters
    )
    # The featured meter's forced gaps come back as VEE estimates of both kinds.
    featured = meters[0]
    profile = build_profile(
        subject=featured.number,
        windows=[Window(featured.number, None, None)],
        start=NOW - dt.timedelta(days=7),
        end=NOW,
        resolution="interval",
        as_of=NOW,
        lake=lake,
    )
    methods = {m for p in profile.points if p.estimated for m in p.methods}
    assert methods == {METHOD_LINEAR, METHOD_PROFILE}


@pytest.mark.django_db(transaction=True)
def test_in_process_live_feed_lands_readings_and_events(tmp_path: Path) -> None:
    _demo(tmp_path)
    lake = tmp_path / "lake"
    with clock.frozen(NOW):
        fleet = live_fleet(seed=7)
        from pelanggan.metering.models import Meter

        assert {m.number for m in fleet} == set(
            Meter.objects.filter(kind__in=list(TWO_WAY_KINDS)).values_list("number", flat=True)
        )
        fleet[0].credit_kwh = 0.2  # low credit at once, exhausted within the hour
        start = NOW - dt.timedelta(hours=3)
        simulator = InProcessSimulator(fleet, lake_dir=lake, start_at=start, speed=1e6, seed=7)
        simulator.run(until_now=True)
    intervals = _slots(dt.datetime(2026, 11, 22, 0, 0, tzinfo=dt.UTC), NOW, 15)
    assert intervals == 12
    assert simulator.readings_landed == len(fleet) * intervals
    assert dict(simulator.rejected) == {}
    keys = _lake_keys(lake, source="simulator")
    assert len(keys) == len(fleet) * intervals
    kinds = list(
        MeterEvent.objects.filter(meter__number=fleet[0].number)
        .order_by("occurred_at", "pk")
        .values_list("kind", "source")
    )
    assert kinds[:3] == [("low_credit", "simulator"), ("credit_exhausted", "simulator"),
                         ("relay_open", "simulator")]  # fmt: skip
    exhausted_rows = [k for k in keys if k[0] == fleet[0].number]
    assert exhausted_rows[-1][2] == 0.0  # no supply once the relay opened


@pytest.mark.django_db(transaction=True)
def test_live_feed_without_broker_runs_in_process_and_stops(tmp_path: Path) -> None:
    _demo(tmp_path, customers=60)
    lake = tmp_path / "lake"
    feed = start_live_feed(
        lake_dir=lake, address=BrokerAddress("127.0.0.1", 1), seed=7,
        now=clock.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    assert feed is not None
    assert feed.mode == MODE_IN_PROCESS
    assert "no MQTT broker at mqtt://127.0.0.1:1" in feed.description
    deadline = time.monotonic() + 30
    while not _lake_keys(lake) and time.monotonic() < deadline:
        time.sleep(0.2)
    feed.stop()
    assert not feed.alive
    assert feed.errors == []
    assert {k[0] for k in _lake_keys(lake)} == {m.number for m in live_fleet(seed=7)}


def _broker_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_live_feed_over_mqtt_with_the_real_broker(tmp_path: Path) -> None:
    if not _broker_up() and not os.environ.get("PELANGGAN_REQUIRE_MQTT"):
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    _demo(tmp_path, customers=60)
    lake = tmp_path / "lake"
    fleet = {m.number for m in live_fleet(seed=7)}
    feed = start_live_feed(
        lake_dir=lake, address=BrokerAddress("127.0.0.1", 1883), seed=7,
        now=clock.now() - dt.timedelta(hours=1),
        client_id=f"pelanggan-test-{secrets.token_hex(4)}",
    )  # fmt: skip
    assert feed is not None
    assert feed.mode == MODE_MQTT
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            landed = {k[0] for k in _lake_keys(lake, source="mqtt")}
            if fleet <= landed:
                break
            time.sleep(0.5)
    finally:
        feed.stop()
    assert fleet <= {k[0] for k in _lake_keys(lake, source="mqtt")}
    assert not feed.alive
    assert feed.errors == []


def _batch(meter: str, day: dt.date, hours: range) -> pa.Table:
    starts = [dt.datetime.combine(day, dt.time(h), tzinfo=dt.UTC) for h in hours]
    return pa.table({
        "meter_number": [meter] * len(starts),
        "interval_start": pa.array(starts, pa.timestamp("us", tz="UTC")),
        "interval_minutes": pa.array([60] * len(starts), pa.int32()),
        "kwh": [0.5 + h / 100 for h in hours],
    })  # fmt: skip


@pytest.fixture
def lake(tmp_path: Path, settings: Any) -> Path:
    lake = tmp_path / "lake"
    settings.PELANGGAN_LAKE_DIR = str(lake)
    day = dt.date(2026, 11, 20)
    for first in (0, 6, 12):  # three parts on the 20th
        ingest_table(_batch("M1", day, range(first, first + 6)), lake_dir=lake,
                     source_name="t", as_of=NOW)  # fmt: skip
    ingest_table(_batch("M1", dt.date(2026, 11, 21), range(4)), lake_dir=lake,
                 source_name="t", as_of=NOW)  # fmt: skip
    return lake


def test_compaction_threshold_keeps_every_reading(lake: Path) -> None:
    before = _lake_keys(lake)
    assert day_parts(lake) == {"2026-11-20": 3, "2026-11-21": 1}
    assert compact_lake(lake=lake, min_parts=4).days == []
    result = compact_lake(lake=lake, min_parts=3)
    assert (result.days, result.parts_before) == (["2026-11-20"], 3)
    assert day_parts(lake) == {"2026-11-20": 1, "2026-11-21": 1}
    assert _lake_keys(lake) == before
    with pytest.raises(ValueError, match="not a day"):
        compact_lake(lake=lake, days=["20-11-2026"])


@pytest.mark.django_db
def test_periodic_check_enqueues_the_job_only_when_due(lake: Path) -> None:
    import threading

    check = PeriodicCompaction(stop=threading.Event(), lake=lake, min_parts=3)
    assert check.check() is True  # the test settings run tasks at once
    assert day_parts(lake)["2026-11-20"] == 1
    assert check.check() is False
    assert check.enqueued == 1


@pytest.mark.django_db
def test_readings_compact_command(lake: Path) -> None:
    from pelanggan.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["readings", "compact", "--day", "2026-11-31"])
    assert bad.exit_code == 1
    assert day_parts(lake)["2026-11-20"] == 3
    done = runner.invoke(app, ["readings", "compact", "--day", "2026-11-20", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["days"] == ["2026-11-20"]
    assert day_parts(lake) == {"2026-11-20": 1, "2026-11-21": 1}


@pytest.mark.django_db
def test_erase_customer_phone_on_the_accounts_pairings(make_persona: Any) -> None:
    from conftest import principal_of
    from pelanggan.metering.services.pairing import pair_meter, register_sim
    from pelanggan.metering.tests.factories import NOW as TEST_NOW
    from pelanggan.metering.tests.factories import installed, luhn_complete, make_customer

    staff = principal_of(make_persona("tech.e", "supervisor", ["53110"]))
    make_customer(staff, "531100000011", "45012340011", payment_mode="prepaid")
    make_customer(staff, "531100000012", "45012340012", payment_mode="prepaid")
    installed(staff, "531100000011", "45012340011", at=clock.wib(2026, 1, 1), kind="smart_prepaid")
    installed(staff, "531100000012", "45012340012", at=clock.wib(2026, 1, 1), kind="smart_prepaid")
    sims = [luhn_complete(f"89621001234567{n:04d}") for n in (1, 2, 3)]
    for iccid, msisdn in zip(sims, ["0811-2233-4401", "0811-2233-4402", "0811-2233-4403"],
                             strict=True):  # fmt: skip
        register_sim(iccid=iccid, msisdn=msisdn, operator="telkomsel", actor=SYSTEM, now=TEST_NOW)
    common = {"principal": staff, "paired_by": "technician", "now": TEST_NOW}
    first = pair_meter(meter_number="45012340011", iccid=sims[0], customer_phone="0812-1111-2222",
                       paired_from=clock.wib(2026, 1, 3), **common)  # fmt: skip
    second = pair_meter(meter_number="45012340011", iccid=sims[1],
                        customer_phone="0812-1111-3333", paired_from=clock.wib(2026, 3, 1),
                        **common)  # fmt: skip
    other = pair_meter(meter_number="45012340012", iccid=sims[2], customer_phone="0812-9999-8888",
                       paired_from=clock.wib(2026, 1, 3), **common)  # fmt: skip
    with pytest.raises(ValidationFailed):
        erase_customer_phone(idpels=["531100000011"], actor=SYSTEM, reason=" ")
    assert Pairing.objects.exclude(customer_phone_index="").count() == 3
    result = erase_customer_phone(
        idpels=["531100000011"], actor=SYSTEM, reason="DSR-1", request_ref="DSR-1"
    )
    assert sorted(result.pairing_ids) == sorted([first.pk, second.pk])
    for pairing in (first, second):
        pairing.refresh_from_db()
        assert (pairing.customer_phone, pairing.customer_phone_index) == ("", "")
        assert pairing.sim_id is not None  # the pairing history stays
    other.refresh_from_db()
    assert other.customer_phone == "+6281299998888"
    row = AuditEvent.objects.get(event_type="metering.pairing.phone_erased")
    assert sorted(row.subject_ids) == sorted([str(first.pk), str(second.pk)])
    assert "1111" not in json.dumps(row.changes)
    assert erase_customer_phone(idpels=["531100000011"], actor=SYSTEM, reason="DSR-1").erased == 0
    by_phone = erase_customer_phone(idpels=[], actor=SYSTEM, reason="DSR-2",
                                    phones=["0812 9999 8888"])  # fmt: skip
    assert by_phone.pairing_ids == [other.pk]


@pytest.mark.django_db
def test_in_process_delivery_failure_keeps_the_readings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pelanggan.metering.headend import ports
    from pelanggan.metering.headend.simulator.fleet import (
        FleetOptions,
        generated_fleet,
        register_fleet,
    )

    fleet = generated_fleet(FleetOptions(count=3, seed=5, prefix="LIVE", credit_kwh=50))
    register_fleet(fleet)
    lake = tmp_path / "lake"
    simulator = InProcessSimulator(
        fleet, lake_dir=lake, start_at=NOW - dt.timedelta(hours=1), speed=1e6, seed=5
    )
    real = ports.land_readings
    calls: list[int] = []

    def flaky(readings: Any, **kwargs: Any) -> Any:
        calls.append(len(readings))
        if len(calls) == 1:
            raise OSError("disk busy")
        return real(readings, **kwargs)

    monkeypatch.setattr(ports, "land_readings", flaky)
    with clock.frozen(NOW):
        simulator.run(until_now=True)
    assert len(calls) == 2
    assert calls[1] >= calls[0]  # the failed batch was kept and sent again
    assert simulator.readings_landed == 3 * 4 == len(_lake_keys(lake))
