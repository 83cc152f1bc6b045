"""Meter registry: install, remove, exchange, seals, and the period constraints."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from conftest import Persona, principal_of
from pelanggan.customers.models import ServiceConnection
from pelanggan.metering.models import Installation, Meter, RegisterRead, Seal
from pelanggan.metering.selectors import meter_detail
from pelanggan.metering.services.registry import (
    SealIn,
    apply_seal,
    exchange_meter,
    install_meter,
    remove_meter,
)
from pelanggan.metering.tests.factories import NOW, installed, make_customer, make_meter
from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
JAN = clock.wib(2026, 1, 1)


@pytest.fixture
def principal(agent_a: Persona, make_persona: object) -> object:
    return principal_of(make_persona("tech.a", "supervisor", ["53110"]))  # type: ignore[operator]


def test_register_meter_validates_number_kind_and_registers() -> None:
    meter = make_meter("5512345678", "postpaid_3p", is_two_rate=True, has_kvarh_register=True)
    assert (meter.utility, meter.phases, meter.status) == ("electricity", 3, "in_stock")
    with pytest.raises(Conflict):
        make_meter("5512345678")
    with pytest.raises(ValidationFailed) as bad:
        make_meter("1234567890", "prepaid_sts")  # prepaid numbers have 11 digits
    assert "number" in bad.value.fields
    with pytest.raises(ValidationFailed):
        make_meter("PDAM-01", "water", is_two_rate=True)
    with pytest.raises(ValidationFailed):
        make_meter("5512345679", "postpaid_1p", phases=3)
    assert Meter.objects.count() == 1


def test_install_records_reads_seals_and_connection_meter(principal: object) -> None:
    make_customer(principal, IDPEL, "123456789")
    make_meter("987654321")
    inst = install_meter(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        meter_number="987654321",
        installed_at=JAN,
        initial_reads={"kwh_total": "12.5"},
        seals=[SealIn("ab-001", "terminal_cover"), SealIn("AB-002", "mcb")],
        now=NOW,
    )
    assert inst.meter.status == "installed"
    assert ServiceConnection.objects.get().meter_number == "987654321"
    read = RegisterRead.objects.get()
    assert (read.purpose, read.value, read.read_at) == ("install", Decimal("12.500"), JAN)
    assert sorted(Seal.objects.values_list("number", flat=True)) == ["AB-001", "AB-002"]
    event = AuditEvent.objects.get(event_type="metering.meter.installed")
    assert event.changes["initial_reads"] == {"kwh_total": "12.500"}
    detail = meter_detail(principal, "987654321")  # type: ignore[arg-type]
    assert detail["installations"][0]["initial_reads"] == {"kwh_total": Decimal("12.500")}
    assert [s["number"] for s in detail["installations"][0]["seals"]] == ["AB-001", "AB-002"]


def test_second_live_meter_on_a_connection_or_connection_for_a_meter_is_refused(
    principal: object,
) -> None:
    make_customer(principal, IDPEL, "123456789")
    make_customer(principal, "531100000002", "123456780")
    installed(principal, IDPEL, "123456789", at=JAN)
    make_meter("111111111")
    with pytest.raises(Conflict) as busy_connection:
        install_meter(
            principal=principal,  # type: ignore[arg-type]
            idpel=IDPEL,
            meter_number="111111111",
            installed_at=clock.wib(2026, 2, 1),
            initial_reads={"kwh_total": 0},
            now=NOW,
        )
    assert busy_connection.value.code == "connection_has_meter"
    with pytest.raises(Conflict) as busy_meter:
        install_meter(
            principal=principal,  # type: ignore[arg-type]
            idpel="531100000002",
            meter_number="123456789",
            installed_at=clock.wib(2026, 2, 1),
            initial_reads={"kwh_total": 0},
            now=NOW,
        )
    assert busy_meter.value.code == "meter_installed_elsewhere"
    assert Installation.objects.count() == 1
    assert RegisterRead.objects.count() == 1


def test_database_forbids_two_live_installations_of_one_meter(principal: object) -> None:
    make_customer(principal, IDPEL, "123456789")
    make_customer(principal, "531100000002", "123456780")
    inst = installed(principal, IDPEL, "123456789", at=JAN)
    other = ServiceConnection.objects.get(account__idpel="531100000002")
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(
            meter=inst.meter, connection=other, installed_at=JAN, installed_by="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(
            meter=make_meter("222222222"),
            connection=inst.connection,
            installed_at=JAN,
            installed_by="x",
        )


def test_installation_may_not_overlap_history(principal: object) -> None:
    make_customer(principal, IDPEL, "123456789")
    installed(principal, IDPEL, "123456789", at=JAN)
    remove_meter(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        utility="electricity",
        removed_at=clock.wib(2026, 3, 1),
        final_reads={"kwh_total": "1300"},
        reason="rusak",
        now=NOW,
    )
    make_meter("333333333")
    with pytest.raises(Conflict) as overlap:
        install_meter(
            principal=principal,  # type: ignore[arg-type]
            idpel=IDPEL,
            meter_number="333333333",
            installed_at=clock.wib(2026, 2, 1),
            initial_reads={"kwh_total": 0},
            now=NOW,
        )
    assert overlap.value.code == "installation_overlaps_connection"
    # Half-open: a new installation may start exactly where the old one ended.
    install_meter(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        meter_number="333333333",
        installed_at=clock.wib(2026, 3, 1),
        initial_reads={"kwh_total": 0},
        now=NOW,
    )


def test_exchange_is_atomic_and_closes_old_seals(principal: object) -> None:
    make_customer(principal, IDPEL, "123456789")
    installed(principal, IDPEL, "123456789", at=JAN)
    apply_seal(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        utility="electricity",
        seal=SealIn("S-1", "terminal_cover"),
        applied_at=JAN,
        now=NOW,
    )
    make_meter("444444444")
    at = clock.wib(2026, 6, 15, 10)
    # An invalid initial read refuses the whole exchange: the old meter stays.
    with pytest.raises(ValidationFailed):
        exchange_meter(
            principal=principal,  # type: ignore[arg-type]
            idpel=IDPEL,
            new_meter_number="444444444",
            exchanged_at=at,
            final_reads={"kwh_total": "1500"},
            initial_reads={"kwh_wbp": "0"},
            reason="meter rusak",
            now=NOW,
        )
    assert Installation.objects.get().removed_at is None
    assert RegisterRead.objects.count() == 1
    new = exchange_meter(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        new_meter_number="444444444",
        exchanged_at=at,
        final_reads={"kwh_total": "1500"},
        initial_reads={"kwh_total": "0"},
        reason="meter rusak",
        seals=[SealIn("S-2", "terminal_cover")],
        now=NOW,
    )
    old = Installation.objects.exclude(pk=new.pk).get()
    assert old.removed_at == at == new.installed_at
    assert old.meter.status == "removed"
    assert Seal.objects.get(number="S-1").removed_at == at
    assert ServiceConnection.objects.get().meter_number == "444444444"
    assert AuditEvent.objects.filter(event_type="metering.meter.exchanged").count() == 1


def test_other_unit_cannot_install(principal: object, agent_b: Persona) -> None:
    make_customer(principal, IDPEL, "123456789")
    make_meter("555555555")
    with pytest.raises(NotFound):
        install_meter(
            principal=principal_of(agent_b),
            idpel=IDPEL,
            meter_number="555555555",
            installed_at=JAN,
            initial_reads={"kwh_total": 0},
            now=NOW,
        )
    assert not Installation.objects.exists()


def test_postgresql_forbids_overlapping_history(principal: object) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only; the service check is tested")
    make_customer(principal, IDPEL, "123456789")
    inst = installed(principal, IDPEL, "123456789", at=JAN)
    remove_meter(
        principal=principal,  # type: ignore[arg-type]
        idpel=IDPEL,
        utility="electricity",
        removed_at=clock.wib(2026, 3, 1),
        final_reads={"kwh_total": "1300"},
        reason="rusak",
        now=NOW,
    )
    spare = make_meter("666666666")
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(
            meter=spare,
            connection=inst.connection,
            installed_at=clock.wib(2026, 2, 1),
            removed_at=clock.wib(2026, 2, 15),
            installed_by="x",
        )
    # Touching ends are fine: [Jan, Mar) then [Mar, Apr).
    Installation.objects.create(
        meter=spare,
        connection=inst.connection,
        installed_at=clock.wib(2026, 3, 1),
        removed_at=clock.wib(2026, 4, 1),
        installed_by="x",
    )
