"""The audit trail: append-only, one row per thing a person or the system did to a team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.models.teams import Team, TeamScopedQuerySet


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
    PROJECT_AWAITING_APPROVAL = "project.awaiting_approval", "Project create awaiting approval"
    PROJECT_APPROVED = "project.approved", "Project create approved"
    PROJECT_REJECTED = "project.rejected", "Project create rejected"
    PROJECT_APPROVAL_REFUSED = "project.approval_refused", "Approval or rejection refused"
    PROJECT_EXPIRED = "project.expired", "Project create expired unapproved"
    APPROVAL_RULE_CHANGED = "account.approval_rule", "Approval rule changed"
    SELF_APPROVAL_CHANGED = "team.self_approval", "Self-approval setting changed"
    PROJECT_SECRET_REVEALED = "project.secret_revealed", "Project secret revealed"
    PROJECT_SECRET_REGENERATED = "project.secret_regenerated", "Project secret regenerated"
    DEVICE_LOGIN_STARTED = "device_login.started", "Device sign-in started"
    DEVICE_LOGIN_ENDED = "device_login.ended", "Device sign-in ended"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    TEMPLATE_CREATED = "template.created", "Project template created"
    TEMPLATE_EDITED = "template.edited", "Project template edited"
    TEMPLATE_DELETED = "template.deleted", "Project template deleted"
    BATCH_SENT = "batch.sent", "Batch sent"
    BATCH_FINISHED = "batch.finished", "Batch finished"
    BATCH_CANCELLED = "batch.cancelled", "Batch rest cancelled"
    BATCH_RETRIED = "batch.retried", "Batch failed rows retried"
    DESTINATION_CREATED = "destination.created", "Notification destination added"
    DESTINATION_EDITED = "destination.edited", "Notification destination edited"
    DESTINATION_DELETED = "destination.deleted", "Notification destination deleted"
    DESTINATION_SECRET_ROTATED = "destination.secret_rotated", "Signing secret rotated"
    DESTINATION_TESTED = "destination.tested", "Test event sent"
    DESTINATION_DISABLED = "destination.disabled", "Notification destination switched off"
    DELIVERY_RESENT = "delivery.resent", "Event sent again"
    NOTIFICATIONS_CHOSEN = "notifications.chosen", "Email notifications chosen"
    POLICY_CHANGED = "policy.changed", "Team policy changed"


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
    # How the actor acted, when not through the pages: e.g. "API token “deploy”".
    via = models.CharField(max_length=120, blank=True)
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
