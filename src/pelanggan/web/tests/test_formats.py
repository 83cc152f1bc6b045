"""Indonesian formats and display labels of the console (no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from pelanggan.customers.models import choices as customer_choices
from pelanggan.security.roles import Role
from pelanggan.web import formats, labels


@pytest.fixture(params=["id", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    with translation.override(request.param):
        yield request.param


EXPECTED = {
    "id": {
        "date": "22 November 2026",
        "datetime": "22 November 2026 14.05 WIB",
        "midnight_utc": "1 Maret 2019 07.00 WIB",
        "power": "1.300",
        "capacity": "3,3",
        "period": "1 Maret 2019 – sekarang",
        "closed": "1 Maret 2019 – 1 November 2026",
    },
    "en": {
        "date": "November 22, 2026",
        "datetime": "November 22, 2026 14:05 WIB",
        "midnight_utc": "March 1, 2019 07:00 WIB",
        "power": "1,300",
        "capacity": "3.3",
        "period": "March 1, 2019 – present",
        "closed": "March 1, 2019 – November 1, 2026",
    },
}


def test_dates_times_and_numbers_follow_the_language(language: str) -> None:
    expected = EXPECTED[language]
    wib = dt.timezone(dt.timedelta(hours=7))
    assert formats.long_date(dt.date(2026, 11, 22)) == expected["date"]
    assert (
        formats.long_datetime(dt.datetime(2026, 11, 22, 7, 5, tzinfo=dt.UTC))
        == expected["datetime"]
    )
    assert (
        formats.long_datetime(dt.datetime(2019, 3, 1, 0, 0, tzinfo=dt.UTC))
        == expected["midnight_utc"]
    )
    assert formats.number(1300) == expected["power"]
    assert formats.number(Decimal("3.300")) == expected["capacity"]
    template = Template("{% load console %}{% period start end %}")
    start = dt.datetime(2019, 3, 1, tzinfo=wib)
    assert template.render(Context({"start": start, "end": None})) == expected["period"]
    end = dt.datetime(2026, 11, 1, tzinfo=wib)
    assert template.render(Context({"start": start, "end": end})) == expected["closed"]


def test_a_utc_instant_late_in_the_day_is_the_next_day_in_wib() -> None:
    with translation.override("id"):
        assert (
            formats.long_date(dt.datetime(2026, 11, 21, 17, 30, tzinfo=dt.UTC))
            == "22 November 2026"
        )


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        formats.number(1300.0)  # type: ignore[arg-type]


def test_rupiah_filter_uses_the_platform_format() -> None:
    rendered = Template("{% load console %}{{ value|rupiah }}").render(
        Context({"value": Decimal("1444.7")})
    )
    assert rendered == "Rp1.444,70"


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        ("account_status", customer_choices.AccountStatus),
        ("utility", customer_choices.Utility),
        ("payment_mode", customer_choices.PaymentMode),
        ("gender", customer_choices.Gender),
        ("phone_kind", customer_choices.PhoneKind),
        ("data_source", customer_choices.DataSource),
        ("asset_kind", customer_choices.AssetKind),
        ("consent_purpose", customer_choices.ConsentPurpose),
        ("finding_kind", customer_choices.FindingKind),
        ("role", Role),
    ],
)
def test_every_stored_code_has_a_label(kind: str, choices: type) -> None:
    assert sorted(labels.LABELS[kind]) == sorted(choices.values)  # type: ignore[attr-defined]


def test_labels_are_translated() -> None:
    with translation.override("id"):
        assert labels.label("account_status", "disconnected") == "Putus sementara"
        assert labels.label("utility", "unknown-code") == "unknown-code"
    with translation.override("en"):
        assert labels.label("account_status", "disconnected") == "Temporarily disconnected"
