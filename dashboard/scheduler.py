"""Periodic jobs: which task runs how often. `manage.py run_scheduler` enqueues them when due.

Each job's next due time lives in the database and is claimed by a conditional update,
so a second scheduler process (by mistake, or on another machine) never doubles the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import Task
from django.utils import timezone

from dashboard import tasks
from dashboard.models import ScheduledJob


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    interval_setting: str

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=getattr(settings, self.interval_setting))


JOBS = (
    Job("sweep_projects", tasks.sweep_projects, "SCHEDULE_SWEEP_SECONDS"),
    Job(
        "reconcile_unknown_projects", tasks.reconcile_unknown_projects, "SCHEDULE_RECONCILE_SECONDS"
    ),
    Job("sync_accounts", tasks.sync_accounts, "SCHEDULE_SYNC_SECONDS"),
    Job("prune_task_results", tasks.prune_task_results, "SCHEDULE_PRUNE_SECONDS"),
    Job("sweep_device_logins", tasks.sweep_device_logins, "SCHEDULE_DEVICE_LOGIN_SECONDS"),
    Job("sweep_outbox", tasks.sweep_outbox, "SCHEDULE_OUTBOX_SWEEP_SECONDS"),
    Job("send_email_digests", tasks.send_email_digests, "SCHEDULE_DIGEST_SECONDS"),
    Job("expire_approvals", tasks.expire_approvals, "SCHEDULE_APPROVAL_EXPIRY_SECONDS"),
)


def enqueue_due_jobs(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued by this caller."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        claimed = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.interval, last_enqueued_at=now
        )
        if claimed:
            job.task.enqueue()
            enqueued.append(job.name)
    return enqueued
