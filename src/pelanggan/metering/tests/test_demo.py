"""Demo meters on a small synthetic customer master: every live connection gets a meter, the
read history passes through the real validation, and a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pelanggan.customers.models import ServiceConnection
from pelanggan.customers.services import import_dil
from pelanggan.customers.synthetic import generate_dil, write_csv
from pelanggan.metering.demo import build_demo_meters
from pelanggan.metering.models import (
    Installation,
    Meter,
    ModemInstallation,
    Pairing,
    RegisterRead,
    ReviewItem,
)
from pelanggan.metering.selectors import consumption_for_period
from pelanggan.metering.selectors.registry import _sts
from pelanggan.metering.tests.factories import SYSTEM
from pelanggan.platform import clock
from pelanggan.platform.periods import Period
from pelanggan.security.services import ensure_unit

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 22)


def test_demo_meters(tmp_path: Path) -> None:
    from pelanggan.customers.synthetic import DEMO_UNITS

    for unit in DEMO_UNITS:
        ensure_unit(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            parent_code=unit.parent_code,
            idpel_prefix=unit.idpel_prefix or "",
        )
    extract = tmp_path / "dil.csv"
    write_csv(extract, generate_dil(customers=300, seed=7, as_of=AS_OF).rows)
    with clock.frozen(clock.wib(2026, 11, 22, 9)):
        assert import_dil(path=extract, partial=False, actor=SYSTEM).committed
        counts = build_demo_meters(seed=7, actor=SYSTEM, as_of=AS_OF, progress=lambda _: None)
    live = ServiceConnection.objects.filter(disconnected_on__isnull=True)
    assert counts["meters"] == Meter.objects.count() == live.count()
    assert Installation.objects.filter(removed_at__isnull=True).count() == live.count()
    for conn_id, number in live.values_list("id", "meter_number"):
        assert Installation.objects.get(connection_id=conn_id).meter.number == number
    assert counts["reads"] == RegisterRead.objects.count()
    assert counts["modems"] == ModemInstallation.objects.count() > 0
    assert counts["pairings"] == Pairing.objects.count() > 0
    assert counts["sts_key_data"] == counts["modems"]
    smart = Meter.objects.filter(kind="smart_prepaid").first()
    assert smart is not None
    sts = _sts(smart)
    assert sts is not None
    assert (sts["drn"], sts["supply_group_code"], sts["dkga"]) == (smart.number, "999999", "04")
    assert counts["reviews"] == ReviewItem.objects.count() > 0
    for item in ReviewItem.objects.select_related("read"):
        assert item.reasons
        assert item.read.status == "pending_review"
    postpaid = (
        RegisterRead.objects.filter(
            purpose="cycle", status="accepted", read_at=clock.wib(2026, 11, 1)
        )
        .select_related("installation")
        .first()
    )
    assert postpaid is not None
    october = consumption_for_period(
        postpaid.installation.connection_id, Period(clock.wib(2026, 10, 1), clock.wib(2026, 11, 1))
    )
    assert october.complete
    assert october.registers[postpaid.register].quantity > 0
    assert build_demo_meters(seed=7, actor=SYSTEM, as_of=AS_OF, progress=lambda _: None) == {
        "meters": 0
    }
