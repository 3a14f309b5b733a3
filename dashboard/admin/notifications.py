"""Notifications in the admin: oversight, read-only. Destinations are managed by team
admins on their pages (every change audited there); a signing secret is never shown."""

from django.contrib import admin

from dashboard.admin.read_only import NoEditing, ReadOnlyAdmin
from dashboard.models import Delivery, DeliveryAttempt, Destination, EmailNotice, OutboxEvent


@admin.register(Destination)
class DestinationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "kind", "enabled", "failing_since", "created_at"]
    list_filter = ["kind", "enabled", "team"]
    search_fields = ["description"]
    list_select_related = ["team"]
    # `secrets` is left out on purpose: the admin never shows a signing secret, nor the
    # URL in full (a Slack URL's last part is Slack's credential).
    fields = [
        "team",
        "kind",
        "masked_url",
        "description",
        "event_types",
        "enabled",
        "disabled_reason",
        "failing_since",
        "created_by",
        "created_at",
    ]


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["webhook_id", "type", "team", "created_at"]
    list_filter = ["type", "team"]
    list_select_related = ["team"]
    fields = ["uid", "team", "type", "created_at", "data"]


class AttemptInline(NoEditing, admin.TabularInline):
    model = DeliveryAttempt
    fields = ["started_at", "status_code", "duration_ms", "error", "response_excerpt"]
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "destination", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event", "destination"]
    fields = [
        "event",
        "destination",
        "status",
        "attempts",
        "retry_step",
        "next_attempt_at",
        "claimed_until",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    inlines = [AttemptInline]


@admin.register(EmailNotice)
class EmailNoticeAdmin(ReadOnlyAdmin):
    list_display = ["user", "team", "event", "digest", "status", "sent_at", "created_at"]
    list_filter = ["status", "digest"]
    list_select_related = ["user", "team", "event"]
    fields = ["event", "team", "user", "subject", "digest", "status", "attempts", "sent_at"]
