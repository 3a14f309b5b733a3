"""A batch: a named set of project rows, previewed in full, then sent as one."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from dashboard.models.accounts import VendorAccount
from dashboard.models.teams import Team, TeamScopedQuerySet

# The error code of a batch row cancelled before it was sent (a failed create, never sent).
CANCELLED = "cancelled"


class BatchSource(models.TextChoices):
    CSV = "csv", "CSV"
    TEMPLATE = "template", "Template"
    API = "api", "API"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Preview"  # rows can be fixed or removed; nothing sent
    SENT = "sent", "Sending"  # its rows are projects, on their way to the vendors
    DONE = "done", "Done"  # every row settled (or was cancelled)


class Batch(models.Model):
    # Our id in URLs and the API; also the namespace of the rows' idempotency keys.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=BatchSource.choices)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "batches"
        indexes = [models.Index(fields=["team", "-created_at", "-id"], name="batch_team_recent")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:batch_detail", args=[self.reference])

    def row_key(self, number: int) -> uuid.UUID:
        """The idempotency key of row `number`: the same on every send of this batch."""
        return uuid.uuid5(self.reference, f"row-{number}")


class BatchRow(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # 1-based, as in the CSV; kept when rows go
    # The account as given (an id or a label), and the one it names, if it names one.
    account_given = models.CharField(max_length=100, blank=True)
    account = models.ForeignKey(
        VendorAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)  # the vendor's field names → values as given
    # The preview's verdict: field name (or "account", "row") → messages.
    errors = models.JSONField(default=dict, blank=True)
    advice = models.JSONField(default=dict, blank=True)
    # Who last changed the row after the batch was made: one of its requesters (four eyes).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.OneToOneField(
        "dashboard.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batch_row",
    )

    class Meta:
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="one_row_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.batch} row {self.number}"

    @property
    def valid(self) -> bool:
        return not self.errors


class AccountThrottle(models.Model):
    """How fast an account may be sent to: paused after a 429, for as long as it asked.
    Its row is also the lock that makes "count the calls in flight, then claim" one step."""

    account = models.OneToOneField(
        VendorAccount, primary_key=True, on_delete=models.CASCADE, related_name="throttle"
    )
    paused_until = models.DateTimeField(null=True, blank=True)
    # 429s in a row without a Retry-After: the exponent of the next backoff.
    backoff_step = models.PositiveSmallIntegerField(default=0)
    # When a batch row of this account last got its turn: a sweep restarts the senders of
    # an account whose rows wait and whose turns stopped (its workers died).
    last_turn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"throttle of {self.account_id}"
