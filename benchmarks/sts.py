"""STS token engine throughput on one core.

    python benchmarks/sts.py [--tokens 5000]

Goal (issue 5): generating tokens with STA and a cached decoder key at >= 20,000 tokens/s, and
decoding them as fast. MISTY1 encode/decode and DKGA02/DKGA04 derivation rates are reported
beside them. Each rate is the best of three timed runs with `time.perf_counter`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import print_table

from pelanggan.prepaid.sts import (
    BaseDate,
    DecoderKey,
    EncryptionAlgorithm,
    KeyAttributes,
    Service,
    TransferCredit,
    decode_token,
    dkga02,
    dkga04,
    encode_token,
)

GOAL = 20_000


def rate(count: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def token_rates(key: DecoderKey, count: int) -> tuple[float, float]:
    """Encode from plain values (amount coding, payload, CRC, cipher, digits), then decode."""
    rng = random.Random(5)
    requests = [
        (Decimal(rng.randint(1, 99999)) / 10, rng.randrange(1 << 24), rng.randrange(16))
        for _ in range(count)
    ]
    electricity = Service.ELECTRICITY
    tokens = [
        encode_token(TransferCredit.of(service=electricity, amount=a, tid=t, rnd=r), key).token
        for a, t, r in requests
    ]

    def encode_all() -> None:
        for amount, tid, rnd in requests:
            payload = TransferCredit.of(service=electricity, amount=amount, tid=tid, rnd=rnd)
            encode_token(payload, key)

    def decode_all() -> None:
        for token in tokens:
            if not decode_token(token, key).crc_ok:
                raise SystemExit("decoded a token with a bad CRC")

    return rate(count, encode_all), rate(count, decode_all)


def derivation_rates(count: int) -> tuple[float, float]:
    attributes = KeyAttributes(
        key_type=2, supply_group_code="123456", tariff_index="01", key_revision_number=1
    )
    drns = [f"{n:011d}" for n in range(count)]
    vk02 = bytes.fromhex("abababababababab")
    vk04 = bytes.fromhex("abababababababab949494949494949401234567")

    def run02() -> None:
        for drn in drns:
            dkga02(vending_key=vk02, attributes=attributes, iin="600727", drn=drn)

    def run04() -> None:
        for drn in drns:
            dkga04(
                vending_key=vk04,
                attributes=attributes,
                base_date=BaseDate.Y2014,
                algorithm=EncryptionAlgorithm.MISTY1,
                meter_pan="600727" + drn + "0",
            )

    return rate(count, run02), rate(count, run04)


def raw_des_rate(count: int) -> float:
    """The floor: one pycryptodome single-DES block encryption per item, cipher built once."""
    from Crypto.Cipher import DES

    cipher = DES.new(bytes.fromhex("abababababababab"), DES.MODE_ECB)  # noqa: S304 - STS uses DES
    blocks = [n.to_bytes(8, "big") for n in range(count)]

    def run() -> None:
        for block in blocks:
            cipher.encrypt(block)

    return rate(count, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=5000)
    count = parser.parse_args().tokens
    sta = DecoderKey(bytes.fromhex("e653341f9d5bf36f"), EncryptionAlgorithm.STA)
    misty = DecoderKey(
        bytes.fromhex("f94b6ed353c3bfdb113e2d3a7ea3c41d"), EncryptionAlgorithm.MISTY1
    )
    sta_encode, sta_decode = token_rates(sta, count)
    misty_encode, misty_decode = token_rates(misty, count)
    dk02, dk04 = derivation_rates(count)
    des = raw_des_rate(count)

    def row(name: str, value: float, goal: int | None) -> list[object]:
        verdict = "-" if goal is None else ("ok" if value >= goal else "BELOW GOAL")
        return [name, f"{value:,.0f}", f"{goal:,}" if goal else "-", verdict]

    rows = [
        row("encode, STA (EA07), cached key", sta_encode, GOAL),
        row("decode, STA (EA07), cached key", sta_decode, GOAL),
        row("encode, MISTY1 (EA11), cached key", misty_encode, None),
        row("decode, MISTY1 (EA11), cached key", misty_decode, None),
        row("derive key, DKGA02 (DES)", dk02, None),
        row("derive key, DKGA04 (HMAC-SHA-256)", dk04, None),
        row("floor: raw single-DES block (pycryptodome)", des, None),
    ]
    print_table(
        f"STS engine, one core, {count} items per run, best of 3",
        ["operation", "per second", "goal", "verdict"],
        rows,
    )
    print(
        f"\nSTA encode runs at {sta_encode / des:.2f}x and decode at {sta_decode / des:.2f}x "
        "the rate of a bare pycryptodome DES block call on the same core (the floor for one "
        "block operation through a Python call)."
    )
    if sta_encode < GOAL or sta_decode < GOAL:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
