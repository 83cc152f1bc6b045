"""Helpers for the metering tests: customers through the customer service, meters through
the metering services (real parts, no shortcuts into the tables)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pelanggan.customers.services import register_customer
from pelanggan.metering.models import Installation, Meter
from pelanggan.metering.services.registry import install_meter, register_meter
from pelanggan.platform import clock
from pelanggan.platform.audit import Actor

SYSTEM = Actor.system("tests")
NOW = clock.wib(2026, 11, 22, 10)


def customer_row(
    idpel: str, meter_number: str, *, ulp_code: str = "53110", **overrides: str
) -> dict[str, str]:
    row = {
        "idpel": idpel,
        "ulp_code": ulp_code,
        "full_name": "Siti Nurhaliza Rahmawati",
        "nik": "3273055207850003",
        "birth_date": "1985-07-12",
        "gender": "F",
        "phone": "0812-3456-7890",
        "street": "Jl. Rajawali Timur No. 21",
        "rt": "3",
        "rw": "7",
        "village_code": "3273051001",
        "utility": "electricity",
        "payment_mode": "postpaid",
        "tariff_group": "R-1/TR",
        "daya_va": "1300",
        "meter_number": meter_number,
        "connected_on": "2019-03-01",
        "data_source": "import",
    }
    row.update(overrides)
    return row


def make_customer(principal: Any, idpel: str, meter_number: str, **overrides: str) -> str:
    with clock.frozen(clock.wib(2025, 1, 1)):
        register_customer(data=customer_row(idpel, meter_number, **overrides), principal=principal)
    return idpel


def make_meter(number: str, kind: str = "postpaid_1p", **fields: Any) -> Meter:
    return register_meter(
        number=number, kind=kind, actor=SYSTEM, now=clock.wib(2025, 1, 1), **fields
    )


def installed(
    principal: Any,
    idpel: str,
    number: str,
    *,
    at: dt.datetime,
    reads: dict[str, Any] | None = None,
    kind: str = "postpaid_1p",
    **fields: Any,
) -> Installation:
    make_meter(number, kind, **fields)
    return install_meter(
        principal=principal,
        idpel=idpel,
        meter_number=number,
        installed_at=at,
        initial_reads=reads or {"kwh_total": Decimal("1000")},
        now=NOW,
    )


def luhn_complete(body: str) -> str:
    """`body` with its Luhn check digit appended."""
    for digit in "0123456789":
        from pelanggan.metering.validation import luhn_valid

        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable")
