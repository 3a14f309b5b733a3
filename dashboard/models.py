"""Teams, their vendor accounts, the projects they create, and the audit trail.

Every queryset a view touches starts from the user (`for_user`), so an object
of another team is simply not found.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from providers.registry import vendor_choices
from providers.secrets import EncryptedJSONField


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"  # reads
    MEMBER = "member", "Member"  # creates projects
    ADMIN = "admin", "Admin"  # manages accounts and members


ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}


def roles_at_least(role: str) -> list[str]:
    return [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]


def team_ids_for(user, *, role: str = Role.VIEWER) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles_at_least(role)).values("team_id")


def admin_teams(user) -> QuerySet:
    """Teams where the user may connect accounts and manage members."""
    return Team.objects.filter(pk__in=team_ids_for(user, role=Role.ADMIN))


def role_in(user, team_id: int) -> str | None:
    """The user's role in one team, or None for an outsider."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, team_id=team_id).values_list("role", flat=True).first()
    )


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class TeamScopedQuerySet(models.QuerySet):
    def for_user(self, user, *, role: str = Role.VIEWER):
        """Rows of teams where `user` holds at least `role`."""
        if not user.is_authenticated:
            return self.none()
        # A subquery, not a join: no duplicate rows, and one query for a single-object lookup.
        return self.filter(team_id__in=team_ids_for(user, role=role))


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs new credentials"
    DISCONNECTED = "disconnected", "Disconnected"


class VendorAccount(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="accounts")
    vendor = models.CharField(max_length=20, choices=vendor_choices)
    label = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300)
    credentials = EncryptedJSONField(default=dict, editable=False)
    # The only form of the credentials ever displayed, e.g. "rk_abc123.••••".
    credential_hint = models.CharField(max_length=100, blank=True)
    identity = models.CharField(
        max_length=200, blank=True, help_text="Who the vendor says this is."
    )
    # Subscription plan, for vendors that limit projects by plan (slugs from the provider).
    plan = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)  # every project listed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "vendor", "label"]
        indexes = [models.Index(fields=["team", "vendor", "status"])]

    def __str__(self) -> str:
        return f"{self.get_vendor_display()}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("account_detail", args=[self.pk])

    @property
    def is_connected(self) -> bool:
        """Usable for any vendor call: creating, refreshing, importing, regenerating."""
        return self.status == AccountStatus.ACTIVE

    @property
    def credentials_unreadable(self) -> bool:
        """No configured key opens the stored credentials: the account needs attention."""
        return getattr(self.credentials, "unreadable", False)


class ProjectStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CREATED = "created", "Created"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"


# The whole state machine of a create. Every status change is a conditional update
# (`Project.objects.move`), so of many processes racing for one change exactly one wins.
PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    # sent and answered, refused, or the answer was lost (or the worker died mid-call)
    ProjectStatus.PENDING: frozenset(
        {ProjectStatus.CREATED, ProjectStatus.FAILED, ProjectStatus.UNKNOWN}
    ),
    # found at the vendor, or known not to be there; a late answer also settles it
    ProjectStatus.UNKNOWN: frozenset({ProjectStatus.CREATED, ProjectStatus.FAILED}),
    # a person retries a create known not to have happened (same row, same key)
    ProjectStatus.FAILED: frozenset({ProjectStatus.PENDING}),
    ProjectStatus.CREATED: frozenset(),
}


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
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.reference])

    @property
    def synced_at(self):
        """When the vendor last confirmed this project: its own refresh, or an account sync."""
        times = [t for t in (self.last_synced_at, self.account.last_synced_at) if t]
        return max(times, default=None)


class ScheduledJob(models.Model):
    """When a periodic job is next due. Claimed by a conditional update, so however many
    schedulers run, each period's job is enqueued once."""

    name = models.CharField(max_length=50, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    ACCOUNT_CONNECTED = "account.connected", "Account connected"
    ACCOUNT_REPLACED = "account.replaced", "Account credentials replaced"
    ACCOUNT_VERIFIED = "account.verified", "Account verified"
    ACCOUNT_VERIFY_FAILED = "account.verify_failed", "Account verification failed"
    ACCOUNT_NEEDS_RECONNECT = "account.needs_reconnect", "Account needs new credentials"
    MEMBER_ADDED = "team.member_added", "Team member added"
    MEMBER_ROLE_CHANGED = "team.member_role_changed", "Team member's role changed"
    MEMBER_REMOVED = "team.member_removed", "Team member removed"
    ACCOUNT_DISCONNECTED = "account.disconnected", "Account disconnected"
    ACCOUNT_PLAN_CHANGED = "account.plan_changed", "Account plan changed"
    ACCOUNT_EDITED = "account.edited", "Account edited"
    PROJECT_REQUESTED = "project.requested", "Project create requested"
    PROJECT_CREATED = "project.created", "Project created"
    PROJECT_FAILED = "project.failed", "Project create failed"
    PROJECT_UNKNOWN = "project.unknown", "Project outcome unknown"
    PROJECT_IMPORTED = "project.imported", "Project imported"
    PROJECT_REFRESHED = "project.refreshed", "Project refreshed"
    PROJECT_MISSING = "project.missing", "Project missing at vendor"
    PROJECT_RECONCILED = "project.reconciled", "Project checked at vendor"
    PROJECT_RETRIED = "project.retried", "Project create retried"
    PROJECT_STALE = "project.stale", "Pending project timed out"
    PROJECT_SECRET_REVEALED = "project.secret_revealed", "Project secret revealed"
    PROJECT_SECRET_REGENERATED = "project.secret_regenerated", "Project secret regenerated"
    DEVICE_LOGIN_STARTED = "device_login.started", "Device sign-in started"
    DEVICE_LOGIN_ENDED = "device_login.ended", "Device sign-in ended"


class AuditEventQuerySet(TeamScopedQuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    # PROTECT: a team with history cannot vanish along with its audit trail.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")


from .device_logins import DeviceLogin, DeviceLoginStatus  # noqa: E402, F401  (models)
from .export_files import ExportChunk, ProjectExport  # noqa: E402, F401  (models)
from .tallies import ProjectTally  # noqa: E402, F401  (a model: registered with the app)
