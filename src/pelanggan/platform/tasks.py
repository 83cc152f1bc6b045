"""Background jobs of the platform, on django-tasks."""

from __future__ import annotations

from django_tasks import task

from pelanggan.platform import outbox


@task()
def dispatch_outbox() -> dict[str, int]:
    """Deliver the outbox events that are due (enqueued after each commit that published)."""
    result = outbox.dispatch_due(limit=500)
    return {"delivered": result.delivered, "failed": result.failed, "dead": result.dead}
