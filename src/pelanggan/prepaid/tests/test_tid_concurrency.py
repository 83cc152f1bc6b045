"""`issue_tid` under concurrency: parallel workers, each with its own database connection,
issue TIDs for the same meter in the same minute. Runs against PostgreSQL (row locks); on
SQLite IMMEDIATE transactions serialise writers and the in-memory test database cannot be
shared by threads, so the test is skipped there."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from pelanggan.prepaid.models import MeterKeyData
from pelanggan.prepaid.services import issue_tid
from pelanggan.prepaid.sts import BaseDate, tid_for
from pelanggan.prepaid.tests.conftest import VK02_HEX

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WORKERS = 4
TIDS_PER_WORKER = 25
AT = dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=dt.UTC)


def test_parallel_workers_get_distinct_strictly_increasing_tids(
    add_key: Callable[..., Any], register_meter: Callable[..., Any]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL=postgres://...): row locks across connections"
        )
    add_key("123456", 1, "02", VK02_HEX)
    register_meter()
    commit_order: list[int] = []
    per_worker: list[list[int]] = [[] for _ in range(WORKERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(index: int) -> None:
        try:
            start.wait()
            for _ in range(TIDS_PER_WORKER):
                with transaction.atomic():
                    tid = issue_tid(meter_number="12345678903", issued_at=AT)
                    # Appended while the row lock is held, so this list is in commit order.
                    commit_order.append(tid)
                per_worker[index].append(tid)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    first = tid_for(AT, BaseDate.Y2014)
    assert commit_order == list(range(first, first + WORKERS * TIDS_PER_WORKER))
    assert all(tids == sorted(set(tids)) for tids in per_worker)
    assert sum(len(tids) for tids in per_worker) == 100
    assert MeterKeyData.objects.get(meter_number="12345678903").last_tid == first + 99
