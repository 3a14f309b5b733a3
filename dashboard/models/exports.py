"""Large CSV exports, built by a worker into the database and downloaded when ready.

Kept in the database, in compressed chunks, so any web process on any host can serve
the file a worker on another host built.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ProjectExport(models.Model):
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filters = models.JSONField(default=dict, help_text="The list's filters, as cleaned.")
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows = models.PositiveIntegerField(default=0)
    team_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="The teams whose projects the file holds: its requester must still be "
        "a member of each to download it.",
    )
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export {self.reference} ({self.status})"


class ExportChunk(models.Model):
    export = models.ForeignKey(ProjectExport, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField(help_text="zlib-compressed UTF-8 CSV text.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "number"], name="one_chunk_per_number")
        ]

    def __str__(self) -> str:
        return f"Chunk {self.number} of export {self.export_id}"
