"""When each periodic job is next due."""

from __future__ import annotations

from django.db import models


class ScheduledJob(models.Model):
    """When a periodic job is next due. Claimed by a conditional update, so however many
    schedulers run, each period's job is enqueued once."""

    name = models.CharField(max_length=50, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
