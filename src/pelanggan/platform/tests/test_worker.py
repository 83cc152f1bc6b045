"""The worker: django-tasks' database queue wakes it, and it delivers the outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from pelanggan.platform import outbox
from pelanggan.platform.models import DeliveryStatus, OutboxDelivery
from pelanggan.platform.worker import run_once

pytestmark = pytest.mark.django_db(transaction=True)
seen: list[str] = []


@pytest.fixture
def database_queue() -> Iterator[None]:
    # django-tasks resets its backends on setting_changed, so override_settings is enough.
    queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=queue):
        yield


def test_publish_enqueues_a_task_and_the_worker_delivers(database_queue: None) -> None:
    @outbox.subscribe("tests.worker.event", "tests.worker.seen")
    def record(event: outbox.DeliveredEvent) -> None:
        seen.append(event.payload["n"])

    try:
        with transaction.atomic():
            outbox.publish("tests.worker.event", {"n": "a"})
        assert seen == []  # nothing runs until a worker does
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        assert run_once(worker_id="test-worker") == 0  # the task itself delivered it
        assert seen == ["a"]
        assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
        assert OutboxDelivery.objects.get().status == DeliveryStatus.DONE
    finally:
        outbox.unsubscribe("tests.worker.event", "tests.worker.seen")
