"""Two-way pairing: ICCID/IMEI/MSISDN validation, modem install with seals, SIM pairing."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Persona, principal_of
from pelanggan.metering.models import Pairing, Seal
from pelanggan.metering.selectors import meter_detail
from pelanggan.metering.services.pairing import (
    end_pairing,
    install_modem,
    pair_meter,
    register_modem,
    register_sim,
)
from pelanggan.metering.services.registry import SealIn
from pelanggan.metering.tests.factories import (
    NOW,
    SYSTEM,
    installed,
    luhn_complete,
    make_customer,
)
from pelanggan.metering.validation import (
    IdentifierInvalid,
    luhn_valid,
    normalize_iccid,
    normalize_imei,
    normalize_msisdn,
)
from pelanggan.platform import clock
from pelanggan.platform.errors import Conflict, NotFound, ValidationFailed
from pelanggan.platform.models import AuditEvent

ICCID = luhn_complete("896210012345678901")  # 19 digits, Telkomsel-style prefix
ICCID_2 = luhn_complete("896210012345678902")
IMEI = luhn_complete("35693803564380")


def test_luhn_known_values() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert luhn_valid("490154203237518")  # a published example IMEI
    assert not luhn_valid("")
    assert not luhn_valid("12a4")


def test_iccid_rules() -> None:
    assert normalize_iccid(ICCID[:6] + " " + ICCID[6:]) == ICCID
    wrong_check = ICCID[:-1] + str((int(ICCID[-1]) + 1) % 10)
    for bad, code in (
        (wrong_check, "iccid_bad_check_digit"),
        ("12" + ICCID[2:], "iccid_not_telecom"),
        (ICCID[:15], "iccid_bad_length"),
        ("89ABC", "iccid_not_digits"),
    ):
        with pytest.raises(IdentifierInvalid) as error:
            normalize_iccid(bad)
        assert error.value.code == code


def test_msisdn_and_imei_rules() -> None:
    assert normalize_msisdn("0812-3456-7890") == "+6281234567890"
    assert normalize_msisdn("6281234567890") == "+6281234567890"
    for bad, code in (
        ("+12025550100", "msisdn_not_indonesian"),
        ("021-5551234", "msisdn_not_mobile"),
        ("0812", "msisdn_invalid"),
        ("hello", "msisdn_invalid"),
    ):
        with pytest.raises(IdentifierInvalid) as error:
            normalize_msisdn(bad)
        assert error.value.code == code, bad
    assert normalize_imei(IMEI) == IMEI
    with pytest.raises(IdentifierInvalid):
        normalize_imei(IMEI[:-1] + str((int(IMEI[-1]) + 1) % 10))


@pytest.fixture
def technician(make_persona: Any) -> Any:
    return principal_of(make_persona("tech.a", "supervisor", ["53110"]))


@pytest.fixture
def smart_meter(technician: Any) -> str:
    make_customer(technician, "531100000001", "45012345678", payment_mode="prepaid")
    installed(
        technician,
        "531100000001",
        "45012345678",
        at=clock.wib(2026, 1, 1),
        kind="smart_prepaid",
    )
    return "45012345678"


@pytest.mark.django_db
def test_modem_install_with_seal_and_pairing_history(technician: Any, smart_meter: str) -> None:
    register_modem(serial="hx-0001", imei=IMEI, actor=SYSTEM, now=NOW)
    install_modem(
        principal=technician,
        meter_number=smart_meter,
        modem_serial="HX-0001",
        installed_at=clock.wib(2026, 1, 2),
        seals=[SealIn("M-77", "modem")],
        now=NOW,
    )
    assert Seal.objects.get().modem_installation is not None
    register_sim(iccid=ICCID, msisdn="0811-2233-4455", operator="telkomsel", actor=SYSTEM, now=NOW)
    register_sim(iccid=ICCID_2, msisdn="0857-1122-3344", operator="indosat", actor=SYSTEM, now=NOW)
    first = pair_meter(
        principal=technician,
        meter_number=smart_meter,
        iccid=ICCID,
        customer_phone="0812-3456-7890",
        paired_by="operator_api",
        paired_by_label="Telkomsel M2M",
        paired_from=clock.wib(2026, 1, 3),
        now=NOW,
    )
    second = pair_meter(
        principal=technician,
        meter_number=smart_meter,
        iccid=ICCID_2,
        customer_phone="0813-9999-0000",
        paired_by="technician",
        paired_from=clock.wib(2026, 5, 1),
        now=NOW,
    )
    first.refresh_from_db()
    assert first.paired_to == second.paired_from == clock.wib(2026, 5, 1)
    assert second.paired_by_label == "tech.a"
    detail = meter_detail(technician, smart_meter)
    assert [(p["iccid"], p["customer_phone"]) for p in detail["pairings"]] == [
        (ICCID, "+628****7890"),
        (ICCID_2, "+628****0000"),
    ]
    assert detail["modems"][0]["seals"][0]["number"] == "M-77"
    # The phone is personal data: the audit row only says it changed.
    audit_row = AuditEvent.objects.filter(event_type="metering.pairing.created").first()
    assert audit_row is not None
    assert audit_row.changes["customer_phone"] == {"changed": True}
    end_pairing(principal=technician, meter_number=smart_meter, at=clock.wib(2026, 6, 1), now=NOW)
    assert not Pairing.objects.filter(paired_to__isnull=True).exists()


@pytest.mark.django_db
def test_sim_of_another_meter_and_bad_input_are_refused(
    technician: Any, smart_meter: str, agent_b: Persona
) -> None:
    register_sim(iccid=ICCID, msisdn="0811-2233-4455", operator="telkomsel", actor=SYSTEM, now=NOW)
    with pytest.raises(Conflict):
        register_sim(iccid=ICCID, msisdn="0811-2233-4456", operator="xl", actor=SYSTEM, now=NOW)
    with pytest.raises(ValidationFailed):
        register_sim(iccid=ICCID_2, msisdn="021-5551234", operator="xl", actor=SYSTEM, now=NOW)
    make_customer(technician, "531100000002", "45012345679", payment_mode="prepaid")
    installed(
        technician, "531100000002", "45012345679", at=clock.wib(2026, 1, 1), kind="smart_prepaid"
    )
    common = {
        "principal": technician,
        "customer_phone": "0812-3456-7890",
        "paired_by": "operator_api",
        "paired_from": clock.wib(2026, 2, 1),
        "now": NOW,
    }
    pair_meter(meter_number=smart_meter, iccid=ICCID, **common)
    with pytest.raises(Conflict):
        pair_meter(meter_number="45012345679", iccid=ICCID, **common)
    with pytest.raises(ValidationFailed):
        pair_meter(
            meter_number="45012345679", iccid=ICCID, **{**common, "customer_phone": "022-123456"}
        )
    with pytest.raises(NotFound):
        pair_meter(
            meter_number=smart_meter, iccid=ICCID, **{**common, "principal": principal_of(agent_b)}
        )
    assert Pairing.objects.count() == 1


@pytest.mark.django_db
def test_only_two_way_meters_pair(technician: Any) -> None:
    make_customer(technician, "531100000001", "123456789")
    installed(technician, "531100000001", "123456789", at=clock.wib(2026, 1, 1))
    register_sim(iccid=ICCID, msisdn="0811-2233-4455", operator="telkomsel", actor=SYSTEM, now=NOW)
    with pytest.raises(ValidationFailed) as error:
        pair_meter(
            principal=technician,
            meter_number="123456789",
            iccid=ICCID,
            customer_phone="0812-3456-7890",
            paired_by="technician",
            paired_from=clock.wib(2026, 2, 1),
            now=NOW,
        )
    assert "meter_number" in error.value.fields
