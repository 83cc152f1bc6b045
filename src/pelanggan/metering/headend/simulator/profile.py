"""The shipped load profile (derived from real SGSC readings by `build_profile`)."""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class LoadProfile:
    """Factor (mean 1.0) and coefficient of variation per weekday (0 = Monday) and half hour."""

    factors: tuple[tuple[float, ...], ...]
    variation: tuple[tuple[float, ...], ...]

    def factor(self, weekday: int, half_hour: int) -> float:
        return self.factors[weekday][half_hour]

    def cv(self, weekday: int, half_hour: int) -> float:
        return self.variation[weekday][half_hour]


@functools.cache
def load_profile() -> LoadProfile:
    text = (
        resources.files("pelanggan.metering.headend")
        .joinpath("data/load_profile.csv")
        .read_text(encoding="utf-8")
    )
    factors = [[0.0] * 48 for _ in range(7)]
    variation = [[0.0] * 48 for _ in range(7)]
    for row in csv.DictReader(text.splitlines()):
        weekday, half_hour = int(row["weekday"]), int(row["half_hour"])
        factors[weekday][half_hour] = float(row["factor"])
        variation[weekday][half_hour] = float(row["cv"])
    return LoadProfile(tuple(map(tuple, factors)), tuple(map(tuple, variation)))


def interval_kwh(
    factor: float,
    cv: float,
    *,
    scale_kwh_per_hour: float,
    noise: float,
    hours: float,
    gauss: Callable[[float, float], float],
) -> float:
    """Energy of one interval of a household (kWh, 3 decimals): its hourly scale times the
    profile factor of the slot, with log-normal noise that grows with the slot's variation.
    The simulator (live) and the demo history (past days) both draw from this."""
    spread = min(cv, 1.0) * noise * 2
    return round(scale_kwh_per_hour * hours * factor * math.exp(gauss(0, spread)), 3)
