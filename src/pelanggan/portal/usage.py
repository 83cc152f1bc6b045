"""Monthly usage of a customer's own electricity account, from the interval lake.

The metering context reads load profiles for a staff principal scoped by unit. The portal
first checks that the IDPEL is the customer's own (customer master, by person), then asks
metering for that account's meter windows with a principal narrowed to the account's one ULP
and no permissions, and builds the monthly profile with the same VEE and aggregates the
console uses. Only energy per month is shown: no meter events, reads or staff notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date

from pelanggan.customers import selectors_portal as customers
from pelanggan.metering import load_profiles
from pelanggan.platform import audit, clock
from pelanggan.security.selectors import Principal
from pelanggan.web.formats import babel_locale

MONTHS = 12
#: Drawing box of the bar chart (SVG user units).
CHART_HEIGHT = 160
BAR_WIDTH = 36
BAR_GAP = 12


@dataclass(frozen=True)
class MonthUsage:
    month: dt.date
    label: str
    kwh: Decimal | None
    estimated_kwh: Decimal
    bar_x: int
    bar_y: int
    bar_height: int

    @property
    def estimated(self) -> bool:
        return self.estimated_kwh > 0


@dataclass(frozen=True)
class Usage:
    idpel: str
    months: list[MonthUsage]
    total_kwh: Decimal
    chart_width: int
    chart_height: int = CHART_HEIGHT


def _scoped_principal(actor: audit.Actor, ulp_id: int) -> Principal:
    # No permissions and one ULP: enough for metering's scope check, nothing more.
    return Principal(
        user_id=actor.id or 0,
        username=actor.label,
        role="customer",
        permissions=frozenset(),
        national=False,
        ulp_ids=frozenset({ulp_id}),
    )


def monthly_usage(*, person_ref: str, idpel: str, actor: audit.Actor) -> Usage:
    """The last `MONTHS` calendar months (WIB) of the customer's own electricity account.
    Raises NotFound for an IDPEL that is not theirs."""
    ulp_id = customers.account_unit_id(person_ref=person_ref, idpel=idpel)
    as_of = clock.now()
    today = clock.to_wib(as_of).date()
    first = today.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    start, end = load_profiles.resolve_period(
        start=dt.datetime.combine(first, dt.time(0), tzinfo=load_profiles.WIB),
        end=None,
        resolution="monthly",
        as_of=as_of,
    )
    windows = load_profiles.windows_for_customer(
        _scoped_principal(actor, ulp_id), idpel, "electricity"
    )
    profile = load_profiles.build_profile(
        subject=idpel,
        windows=windows,
        start=start,
        end=end,
        resolution="monthly",
        as_of=as_of,
    )
    by_month = {p.start.astimezone(load_profiles.WIB).date(): p for p in profile.points}
    months: list[tuple[dt.date, Decimal | None, Decimal]] = []
    month = first
    while len(months) < MONTHS:
        point = by_month.get(month)
        months.append(
            (month, point.kwh if point else None, point.kwh_estimated if point else Decimal(0))
        )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    peak = max((kwh for _, kwh, _ in months if kwh), default=Decimal(0))
    rows = []
    for index, (month, kwh, estimated) in enumerate(months):
        height = int(kwh / peak * (CHART_HEIGHT - 20)) if kwh and peak else 0
        rows.append(
            MonthUsage(
                month=month,
                label=format_date(month, "MMM y", locale=babel_locale()),
                kwh=kwh,
                estimated_kwh=Decimal(estimated),
                bar_x=index * (BAR_WIDTH + BAR_GAP) + BAR_GAP // 2,
                bar_y=CHART_HEIGHT - height,
                bar_height=height,
            )
        )
    audit.record(
        "portal.usage.viewed",
        actor=actor,
        subject_type="account",
        subject_ids=[idpel],
        changes={"start": start.isoformat(), "end": end.isoformat(), "resolution": "monthly"},
    )
    return Usage(
        idpel=idpel,
        months=rows,
        total_kwh=sum((r.kwh for r in rows if r.kwh is not None), Decimal(0)),
        chart_width=MONTHS * (BAR_WIDTH + BAR_GAP),
    )
