"""The background worker: django-tasks' database queue plus the outbox sweep.

`pelanggan worker` runs it as its own process; `pelanggan serve` and `pelanggan demo` run it in
a thread of the web process (the embedded default). Several workers may run at once: tasks are
claimed under a lock and outbox deliveries with SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from pelanggan.platform import outbox
from pelanggan.platform.ids import new_ulid

logger = logging.getLogger(__name__)


def run_once(*, worker_id: str) -> int:
    """Run every ready task, then deliver due outbox events; returns deliveries made."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()
    result = outbox.dispatch_due(limit=500)
    return result.delivered


def run_worker(*, stop: threading.Event, poll_seconds: float = 1.0, quiet: bool = False) -> None:
    worker_id = f"pelanggan-{new_ulid()}"
    if not quiet:
        logger.info("worker %s started", worker_id)
    while not stop.is_set():
        try:
            run_once(worker_id=worker_id)
        except Exception:  # keep serving: a broken job must not stop the others
            logger.exception("worker loop failed; retrying")
        finally:
            close_old_connections()
        stop.wait(poll_seconds)
