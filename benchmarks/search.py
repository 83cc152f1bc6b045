"""Customer search latency through the HTTP API with a large customer master in PostgreSQL.

    python benchmarks/search.py --customers 1000000 [--postgres-url URL] [--reuse]

Goal (issue 2): with 1,000,000 customers, search by IDPEL, meter number, NIK or phone has a
median under 5 ms and a p99 under 25 ms through the API. The script loads the customers with the
DIL importer into a fresh database (`--reuse` keeps an earlier load), serves the real WSGI app
with waitress on a loopback port, and times sequential requests from a keep-alive client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import DEFAULT_PG, fresh_postgres, print_table, setup_django, summary_ms

DB_NAME = "pelanggan_bench_search"


def load(customers: int, csv_dir: Path) -> list[dict[str, str]]:
    from pelanggan.customers.services import import_dil
    from pelanggan.customers.synthetic import DEMO_UNITS, generate_dil, write_csv
    from pelanggan.platform import audit
    from pelanggan.security.services import ensure_unit

    for unit in DEMO_UNITS:
        ensure_unit(
            code=unit.code, name=unit.name, kind=unit.kind, parent_code=unit.parent_code,
            idpel_prefix=unit.idpel_prefix or "",
        )  # fmt: skip
    rows = generate_dil(customers=customers, seed=11, as_of=dt.date(2026, 11, 22)).rows
    path = csv_dir / "dil.csv"
    write_csv(path, rows)
    started = time.perf_counter()
    report = import_dil(path=path, partial=False, actor=audit.Actor.system("bench"))
    if not report.committed:
        raise SystemExit(f"load failed: {report.problems[:3]}")
    print(f"loaded {customers} customers in {time.perf_counter() - started:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rows


def serve() -> int:
    from waitress.server import create_server

    from config.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return int(server.effective_port)


def timed(
    conn: http.client.HTTPConnection, token: str, method: str, path: str, body: dict | None
) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200 or json.loads(data)["total"] < 1:
        raise SystemExit(f"{method} {path} {body}: {response.status} {data[:200]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per search kind")
    parser.add_argument("--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--reuse", action="store_true", help="keep an earlier load of the same size"
    )
    args = parser.parse_args()
    home = Path(tempfile.gettempdir()) / f"pelanggan-bench-search-{args.customers}"
    home.mkdir(exist_ok=True)
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + DB_NAME
    if not args.reuse:
        url = fresh_postgres(args.postgres_url, DB_NAME)
    setup_django(database_url=url, home=home)
    from pelanggan.customers.synthetic import generate_dil
    from pelanggan.platform.audit import Actor
    from pelanggan.security.selectors import staff_listing
    from pelanggan.security.services import create_staff, issue_token

    if args.reuse:
        rows = generate_dil(customers=args.customers, seed=11, as_of=dt.date(2026, 11, 22)).rows
    else:
        rows = load(args.customers, home)
    if not any(u["username"] == "bench" for u in staff_listing()):
        create_staff(
            username="bench",
            password="bench-only-not-a-secret",  # noqa: S106 - throwaway benchmark account
            role="administrator",
            unit_codes=[],
            actor=Actor.system("bench"),
            check_password=False,
        )
    _, token = issue_token(username="bench", name="bench", actor=Actor.system("bench"))
    port = serve()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = random.Random(5)
    sample = rng.sample(rows, min(args.requests, len(rows)))
    kinds = {
        "IDPEL (GET)": lambda r: ("GET", f"/api/v1/customers?q={r['idpel']}", None),
        "meter number (GET)": lambda r: ("GET", f"/api/v1/customers?q={r['meter_number']}", None),
        "NIK (POST)": lambda r: ("POST", "/api/v1/customers/search", {"q": r["nik"]}),
        "phone (POST)": lambda r: ("POST", "/api/v1/customers/search", {"q": r["phone"]}),
        "name words (POST)": lambda r: ("POST", "/api/v1/customers/search", {"q": r["full_name"]}),
    }
    results = []
    for label, request in kinds.items():
        field = "nik" if label.startswith("NIK") else "phone" if label.startswith("phone") else None
        usable = [r for r in sample if field is None or r[field]]
        for r in usable[:20]:  # warm-up
            timed(conn, token, *request(r))
        times = [timed(conn, token, *request(r)) for r in usable]
        stats = summary_ms(times)
        goal = "median < 5, p99 < 25" if not label.startswith("name") else "(no goal)"
        results.append(
            [
                label,
                len(times),
                *(round(stats[k], 2) for k in ("median", "p95", "p99", "max")),
                goal,
            ]
        )
    print_table(
        f"Search through the API, {args.customers} customers in PostgreSQL (ms)",
        ["search by", "requests", "median", "p95", "p99", "max", "goal"],
        results,
    )


if __name__ == "__main__":
    main()
