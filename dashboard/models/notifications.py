"""Telling people and systems what happened: events written to an outbox in the same
transaction as the change they describe, and their deliveries to a team's destinations
(signed webhooks, Slack) and to people by email.

An event fans out when it is written: one Delivery per destination that wants it and one
EmailNotice per person who does. Workers send them afterwards; every attempt is kept.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dashboard.models.teams import Team, TeamScopedQuerySet
from providers.encryption import EncryptedJSONField

HIDDEN = "••••"


class EventType(models.TextChoices):
    PROJECT_CREATED = "project.created", "Project created"
    PROJECT_FAILED = "project.failed", "Project create failed"
    PROJECT_OUTCOME_UNKNOWN = "project.outcome_unknown", "Project outcome unknown"
    PROJECT_MISSING_AT_VENDOR = "project.missing_at_vendor", "Project missing at the vendor"
    PROJECT_CHANGED_AT_VENDOR = "project.changed_at_vendor", "Project changed at the vendor"
    PROJECT_AWAITING_APPROVAL = "project.awaiting_approval", "Project create awaiting approval"
    PROJECT_REJECTED = "project.rejected", "Project create rejected"
    ACCOUNT_NEEDS_CREDENTIALS = "account.needs_credentials", "Account needs new credentials"
    ACCOUNT_DISCONNECTED = "account.disconnected", "Account disconnected"
    BATCH_COMPLETED = "batch.completed", "Batch completed"
    WEBHOOK_TEST = "webhook.test", "Test event"


class OutboxEvent(models.Model):
    """Something that happened to a team, written next to the change itself. Its `uid`
    is the webhook-id of every delivery and retry of it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="outbox_events")
    type = models.CharField(max_length=40, choices=EventType.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="outbox_team_recent")]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.type}"

    @property
    def webhook_id(self) -> str:
        return f"evt_{self.uid.hex}"


class DestinationKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook (Standard Webhooks)"
    SLACK = "slack", "Slack incoming webhook"


class Destination(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="destinations")
    kind = models.CharField(max_length=10, choices=DestinationKind.choices)
    url = models.CharField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The event types it wants; empty means every type.
    event_types = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    # {"current": "whsec_…", "retiring": [{"secret": "whsec_…", "until": ISO time}]}: the
    # retiring ones sign too until then. Never shown after it was made; empty for Slack.
    secrets = EncryptedJSONField(default=dict, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The first of the failures in a row (none since the last success), if failing.
    failing_since = models.DateTimeField(null=True, blank=True)
    # Its last attempt took SLOW_ATTEMPT_SECONDS or more: one delivery in flight, not
    # WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION, so it holds one worker at most.
    slow = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team", "created_at", "id"]
        indexes = [models.Index(fields=["team", "enabled"], name="destination_team_enabled")]

    def __str__(self) -> str:
        return self.description or self.masked_url

    @property
    def masked_url(self) -> str:
        """The URL to show: a Slack URL's last part is Slack's secret, and a webhook's query
        may carry the receiver's token, so those are never shown after they were typed."""
        parts = urlsplit(str(self.url or ""))
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        if self.kind == DestinationKind.SLACK:
            kept = parts.path.rstrip("/").rsplit("/", 1)[0]
            return f"{base}{kept}/{HIDDEN}"
        query = "&".join(f"{name}={HIDDEN}" for name, _ in parse_qsl(parts.query, True))
        return f"{base}{parts.path}" + (f"?{query}" if query else "")

    def wants(self, event_type: str) -> bool:
        if event_type == EventType.WEBHOOK_TEST:
            return False  # a test goes only to the destination it was sent from
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class DeliveryQuerySet(models.QuerySet):
    def for_user(self, user, *, role: str = "viewer"):
        """Deliveries of destinations of the user's teams."""
        return self.filter(destination__in=Destination.objects.for_user(user, role=role))


class Delivery(models.Model):
    """One event to one destination: sent until it is delivered or its retries run out.
    A resend puts the same delivery back in line (same webhook-id); each try is an
    attempt."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)  # every try, resends included
    # Failed tries since it was last put in line: the step of the retry schedule.
    retry_step = models.PositiveSmallIntegerField(default=0)
    # When it is next due (null once delivered or failed); a worker holds it until
    # `claimed_until`, after which another may take it (its worker died).
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "destination"], name="one_delivery_per_event")
        ]
        indexes = [
            # A destination's next due delivery, and its log.
            models.Index(
                fields=["destination", "next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["destination", "-created_at", "-id"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.destination_id} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # none: no answer
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)  # the first 1 kB, printable text only
    error = models.CharField(max_length=300, blank=True)  # in plain words

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["delivery", "-started_at"], name="attempt_delivery")]

    def __str__(self) -> str:
        return f"attempt of {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class NotificationPreference(models.Model):
    """Which events a person gets by email from one team. No row: their role's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    event_types = models.JSONField(default=list, blank=True)
    digest = models.BooleanField(default=False)  # one mail a day instead of one per event
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_preference_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailNotice(models.Model):
    """A mail owed to a person: about an event (at once, or in their daily digest), or a
    notice of its own (`subject` and `body`, e.g. a destination switched off)."""

    event = models.ForeignKey(
        OutboxEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    digest = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(event__isnull=False),
                name="one_email_per_event_and_person",
            )
        ]
        indexes = [
            models.Index(
                fields=["digest", "user", "team"],
                condition=Q(status="pending"),
                name="email_pending",
            )
        ]

    def __str__(self) -> str:
        return f"mail to {self.user_id} ({self.status})"
