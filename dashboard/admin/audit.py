"""The audit trail in the admin: read-only, for every team."""

from django.contrib import admin

from dashboard.admin.read_only import ReadOnlyAdmin
from dashboard.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "team",
        "actor",
        "via",
        "action",
        "target_type",
        "target_id",
        "summary",
    ]
    list_filter = ["action", "team", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["summary", "target_id", "actor__username"]
    list_select_related = ["team", "actor"]
