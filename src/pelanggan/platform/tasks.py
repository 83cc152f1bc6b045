"""Background jobs of the platform, on django-tasks."""

from __future__ import annotations

from django_tasks import task

from pelanggan.platform import outbox


@task()
def dispatch_outbox() -> dict[str, int]:
    """Deliver the outbox events that are due (enqueued after each commit that published)."""
    result = outbox.dispatch_due(limit=500)
    return {"delivered": result.delivered, "failed": result.failed, "dead": result.dead}


@task()
def reencrypt_data_keys(batch_size: int = 1000) -> dict[str, int]:
    """Move stored values to the active data key (resumable: enqueue again to continue)."""
    from pelanggan.platform import keys
    from pelanggan.platform.audit import Actor

    report = keys.reencrypt(actor=Actor.system("keys.reencrypt"), batch_size=batch_size)
    return {
        "moved": report.total_moved,
        "unreadable": report.total_unreadable,
        "changed_meanwhile": sum(report.changed_meanwhile.values()),
    }
