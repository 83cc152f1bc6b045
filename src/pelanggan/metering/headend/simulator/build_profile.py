"""Derive the simulator's normalised load profile from the SGSC trial extract (run once).

``python -m pelanggan.metering.headend.simulator.build_profile PATH/readings.csv`` writes
``data/load_profile.csv``: one row per weekday (0 = Monday) and half hour (0..47) of local time,
the mean energy of that slot over all households and weeks divided by the overall mean (so the
profile averages 1.0), with the slot's coefficient of variation for the noise. The product ships
the small table, not the dataset. The SGSC timestamps are Australian Eastern Standard Time all
year (see pipelines/intervals/layout.py); as local wall-clock time they carry the household
rhythm we want (morning and evening peaks, weekends), which the simulator applies in WIB.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from collections import defaultdict
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "load_profile.csv"


def build(source: Path, target: Path = OUTPUT) -> int:
    sums: dict[tuple[int, int], float] = defaultdict(float)
    squares: dict[tuple[int, int], float] = defaultdict(float)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    household_sum: dict[str, float] = defaultdict(float)
    household_count: dict[str, int] = defaultdict(int)
    rows = []
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            moment = dt.datetime.fromisoformat(row["reading_datetime"])
            kwh = float(row["general_supply_kwh"])
            rows.append((row["customer_id"], moment, kwh))
            household_sum[row["customer_id"]] += kwh
            household_count[row["customer_id"]] += 1
    # Each household is scaled to mean 1 first, so a big consumer does not set the shape.
    for household, moment, kwh in rows:
        mean = household_sum[household] / household_count[household]
        value = kwh / mean if mean > 0 else 0.0
        key = (moment.weekday(), moment.hour * 2 + moment.minute // 30)
        sums[key] += value
        squares[key] += value * value
        counts[key] += 1
    means = {k: sums[k] / counts[k] for k in counts}
    overall = sum(means.values()) / len(means)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["weekday", "half_hour", "factor", "cv"])
        for weekday in range(7):
            for half_hour in range(48):
                key = (weekday, half_hour)
                mean = means[key]
                variance = max(squares[key] / counts[key] - mean * mean, 0.0)
                cv = math.sqrt(variance) / mean if mean > 0 else 0.0
                writer.writerow([weekday, half_hour, f"{mean / overall:.4f}", f"{min(cv, 2):.3f}"])
    return len(rows)


if __name__ == "__main__":
    count = build(Path(sys.argv[1]))
    sys.stdout.write(f"{count} readings → {OUTPUT}\n")
