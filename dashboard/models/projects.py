"""Projects at vendors, created here or imported, and the state machine of a create."""

from __future__ import annotations

import uuid
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from dashboard.models.accounts import VendorAccount
from dashboard.models.teams import Team, TeamScopedQuerySet
from providers.encryption import EncryptedJSONField
from providers.errors import RETRYABLE_KINDS
from providers.registry import vendor_choices


class ProjectStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CREATED = "created", "Created"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"
    # A create held for a team admin's approval: nothing sent, not counted toward the plan.
    AWAITING = "awaiting", "Awaiting approval"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


# The whole state machine of a create. Every status change is a conditional update
# (`Project.objects.move`), so of many processes racing for one change exactly one wins.
PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    # held for approval: approved (then queued, as a pending create), rejected, or left too long
    ProjectStatus.AWAITING: frozenset(
        {ProjectStatus.PENDING, ProjectStatus.REJECTED, ProjectStatus.EXPIRED}
    ),
    # sent and answered, refused, or the answer was lost (or the worker died mid-call)
    ProjectStatus.PENDING: frozenset(
        {ProjectStatus.CREATED, ProjectStatus.FAILED, ProjectStatus.UNKNOWN}
    ),
    # found at the vendor, or known not to be there; a late answer also settles it
    ProjectStatus.UNKNOWN: frozenset({ProjectStatus.CREATED, ProjectStatus.FAILED}),
    # a person retries a create known not to have happened (same row, same key)
    ProjectStatus.FAILED: frozenset({ProjectStatus.PENDING}),
    ProjectStatus.CREATED: frozenset(),
    ProjectStatus.REJECTED: frozenset(),
    ProjectStatus.EXPIRED: frozenset(),
}


# A failed create that a person may send again (FAILED -> PENDING), because it is known not
# to have happened: not found at the vendor after a lost answer, or refused with an error
# the provider marks retryable (busy, unavailable: nothing done). One definition, read
# as a query (`RETRYABLE`, the conditional update) and on a row (`Project.retryable`).
NOT_FOUND_AT_VENDOR = "not_found_at_vendor"
RETRYABLE_FAILURES: dict[str, frozenset[str]] = {
    "error_code": frozenset({NOT_FOUND_AT_VENDOR}),
    "error_kind": frozenset(kind.value for kind in RETRYABLE_KINDS),
}
RETRYABLE = Q(status=ProjectStatus.FAILED) & reduce(
    or_, (Q(**{f"{field}__in": sorted(values)}) for field, values in RETRYABLE_FAILURES.items())
)


# What a project holds about a failure, cleared when it is found or sent again.
NO_ERROR = {
    "error_kind": "",
    "error_code": "",
    "error_status": None,
    "error_message": "",
    "error_fields": {},
}


class ProjectQuerySet(TeamScopedQuerySet):
    def move(self, pk: int, *, to: str, **changes) -> bool:
        """Change one project's status if it may go there from where it is now.

        True for the one caller that made the change; False when the row was not in
        an allowed state (anymore), e.g. another process got there first.
        """
        moved = self.filter(pk=pk, status__in=_sources(to)).update(
            status=to, updated_at=timezone.now(), **changes
        )
        return moved == 1

    def move_many(self, pks: list[int], *, to: str, **changes) -> list[int]:
        """`move` for many projects in two queries, inside the caller's transaction: the
        ones moved. They are locked first, so a concurrent move can't take them too."""
        movable = self.select_for_update().filter(pk__in=pks, status__in=_sources(to))
        moving = list(movable.order_by("pk").values_list("pk", flat=True))
        Project.objects.filter(pk__in=moving).update(
            status=to, updated_at=timezone.now(), **changes
        )
        return moving


def _sources(to: str) -> list[str]:
    """The statuses a project may move to `to` from."""
    return [status for status, targets in PROJECT_TRANSITIONS.items() if to in targets]


class ProjectOrigin(models.TextChoices):
    CREATED = "created", "Created here"
    IMPORTED = "imported", "Imported"


class Project(models.Model):
    # Our own id, sent to vendors that can carry it (R4's externalId) and used in URLs.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    account = models.ForeignKey(VendorAccount, on_delete=models.PROTECT, related_name="projects")
    vendor = models.CharField(max_length=20, choices=vendor_choices)
    name = models.CharField(max_length=255)
    payload = models.JSONField(default=dict, help_text="What was sent, minus secrets.")
    idempotency_key = models.UUIDField(editable=False)
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PENDING
    )
    remote_id = models.CharField(max_length=100, blank=True)
    vendor_response = models.JSONField(default=dict, blank=True, help_text="Minus secrets.")
    secrets = EncryptedJSONField(default=dict, editable=False)
    error_kind = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_fields = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    origin = models.CharField(
        max_length=10, choices=ProjectOrigin.choices, default=ProjectOrigin.CREATED
    )
    remote_status = models.CharField(
        max_length=50, blank=True, help_text="The vendor's own status word."
    )
    missing_at_vendor = models.BooleanField(default=False)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # When a create was last handed to the queue, and when a worker last sent it.
    queued_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # A batch row: sent in its account's turn by the batch senders, not one task each.
    batch = models.ForeignKey(
        "dashboard.Batch", null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    # A create held for approval: who decided (approved or rejected), when, and why.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Nullable so SQLite adds the column in place: a NOT NULL one rebuilds the table, which
    # drops its tally and search triggers. None and "" both mean no comment.
    decision_comment = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "idempotency_key"], name="one_project_per_idempotency_key"
            ),
            # One row per vendor project, however many imports or reconciles race.
            models.UniqueConstraint(
                fields=["account", "remote_id"],
                condition=~models.Q(remote_id=""),
                name="one_project_per_remote_id",
            ),
        ]
        indexes = [
            # The list's default order, and its filters, each walkable in order.
            models.Index(fields=["team", "-created_at", "-id"], name="project_team_recent"),
            models.Index(
                fields=["team", "status", "-created_at", "-id"], name="project_team_status"
            ),
            models.Index(
                fields=["team", "vendor", "-created_at", "-id"], name="project_team_vendor"
            ),
            models.Index(fields=["team", "name", "-created_at", "-id"], name="project_team_name"),
            models.Index(fields=["account", "-created_at", "-id"], name="project_account_recent"),
            # Search by exact remote id; Dev Kit for AI's live "name taken?" probe.
            models.Index(fields=["remote_id"], name="project_remote_id"),
            models.Index(F("account"), Upper("name"), name="project_account_name"),
            # The admin's "needs attention": few rows each, so small partial indexes.
            models.Index(
                fields=["attempted_at"], condition=Q(status="pending"), name="project_pending"
            ),
            models.Index(
                fields=["id"], condition=Q(missing_at_vendor=True), name="project_missing"
            ),
            # The Approvals page and the expiry job: few rows, so a small partial index.
            models.Index(
                fields=["team", "created_at"],
                condition=Q(status="awaiting"),
                name="project_awaiting",
            ),
            # A batch's counts by state, and its rows waiting for their account's turn.
            models.Index(
                fields=["batch", "status"],
                condition=Q(batch__isnull=False),
                name="project_batch_status",
            ),
            models.Index(
                fields=["account", "id"],
                condition=Q(batch__isnull=False, status="pending", attempted_at__isnull=True),
                name="project_batch_waiting",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:project_detail", args=[self.reference])

    @property
    def retryable(self) -> bool:
        """`RETRYABLE`, on this row as loaded."""
        return self.status == ProjectStatus.FAILED and any(
            getattr(self, field) in values for field, values in RETRYABLE_FAILURES.items()
        )

    @property
    def synced_at(self):
        """When the vendor last confirmed this project: its own refresh, or an account sync."""
        times = [t for t in (self.last_synced_at, self.account.last_synced_at) if t]
        return max(times, default=None)
