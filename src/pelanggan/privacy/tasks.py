"""Background jobs of the privacy context, on django-tasks."""

from __future__ import annotations

from django_tasks import task

from pelanggan.platform.audit import Actor
from pelanggan.privacy.services.retention import apply_retention


@task()
def apply_retention_task(dry_run: bool = False) -> dict[str, int]:
    """Apply the retention policy (schedule it daily); returns the count per rule."""
    report = apply_retention(dry_run=dry_run, actor=Actor.system("retention"))
    return {o.rule: o.count for o in report.outcomes}
