"""Virtual meters: identities, STS decoder state, credit, relay; and where they come from.

A generated fleet gets meter numbers ``{prefix}{index}`` and a random STS decoder key each (so
only tokens made for that key work); a database fleet takes the two-way prepaid meters of the
metering registry with their real decoder keys from the prepaid key store, so tokens vended by
Pelanggan for those meters are accepted by the simulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pelanggan.prepaid.sts import DecoderKey, EncryptionAlgorithm, MeterState, Service

LOW_CREDIT_KWH = 5.0


@dataclass
class VirtualMeter:
    number: str
    sts: MeterState | None
    scale_kwh_per_hour: float
    noise: float
    credit_kwh: float | None  # None: postpaid (no credit register)
    register_kwh: float = 0.0
    relay_closed: bool = True
    tampered: bool = False
    low_credit_sent: bool = False
    outage_until_index: int | None = None
    event_seq: int = 0
    pending: list[dict[str, object]] = field(default_factory=list)
    replies: dict[str, dict[str, object]] = field(default_factory=dict)

    def credit_from_sts(self) -> float:
        assert self.sts is not None  # noqa: S101 - prepaid meters only
        return float(self.sts.credit_of(Service.ELECTRICITY))


@dataclass(frozen=True)
class FleetOptions:
    count: int
    seed: int = 1
    prefix: str = "SIM"
    credit_kwh: float = 20.0
    tamper: int = 0
    outage: int = 0


def _meter(number: str, key: DecoderKey, rng: random.Random, options: FleetOptions,
           index: int) -> VirtualMeter:
    state = MeterState(decoder_key=key)
    meter = VirtualMeter(
        number=number,
        sts=state,
        # Households of 900–2,200 VA use roughly 2–12 kWh a day.
        scale_kwh_per_hour=rng.uniform(0.08, 0.5),
        noise=rng.uniform(0.15, 0.35),
        credit_kwh=options.credit_kwh * rng.uniform(0.5, 1.5),
    )
    meter.tampered = index < options.tamper
    return meter


def generated_fleet(options: FleetOptions) -> list[VirtualMeter]:
    rng = random.Random(options.seed)  # noqa: S311 - simulation, not security
    width = max(len(str(options.count)), 6)
    return [
        _meter(
            f"{options.prefix}{index:0{width}d}",
            DecoderKey(rng.randbytes(8), EncryptionAlgorithm.STA),
            rng,
            options,
            index,
        )
        for index in range(options.count)
    ]


def fleet_from_database(options: FleetOptions) -> list[VirtualMeter]:
    """Two-way meters of the registry that have STS key data (the demo's smart meters)."""
    from pelanggan.metering.models import Meter
    from pelanggan.metering.models.choices import TWO_WAY_KINDS
    from pelanggan.platform.errors import DomainError
    from pelanggan.prepaid.services import decoder_key_for

    rng = random.Random(options.seed)  # noqa: S311 - simulation, not security
    numbers = list(
        Meter.objects.filter(kind__in=list(TWO_WAY_KINDS))
        .order_by("number")
        .values_list("number", flat=True)[: options.count]
    )
    fleet = []
    for index, number in enumerate(numbers):
        try:
            key = decoder_key_for(meter_number=number)
        except DomainError:
            continue  # a smart postpaid meter, or key data not recorded yet
        fleet.append(_meter(number, key, rng, options, index))
    return fleet


def register_fleet(meters: list[VirtualMeter]) -> int:
    """Record generated meters in the registry as installed smart prepaid meters (idempotent;
    for demos and benchmarks)."""
    from django.db import transaction

    from pelanggan.metering.models import Meter
    from pelanggan.metering.models.choices import MeterKind, MeterStatus, Utility
    from pelanggan.platform import audit, clock

    now = clock.now()
    numbers = [m.number for m in meters]
    with transaction.atomic():
        existing = set(
            Meter.objects.filter(number__in=numbers, utility=Utility.ELECTRICITY).values_list(
                "number", flat=True
            )
        )
        new = [
            Meter(number=n, utility=Utility.ELECTRICITY, kind=MeterKind.SMART_PREPAID,
                  status=MeterStatus.INSTALLED, manufacturer="Pelanggan simulator",
                  created_at=now, updated_at=now)
            for n in numbers if n not in existing
        ]
        Meter.objects.bulk_create(new, batch_size=2000)
        if new:
            audit.record(
                "headend.simulator.registered",
                actor=audit.Actor.system("simulator"),
                subject_type="metering.meter",
                subject_ids=[new[0].number, new[-1].number],
                changes={"count": len(new)},
                occurred_at=now,
            )
    return len(new)
