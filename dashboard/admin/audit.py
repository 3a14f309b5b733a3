"""The audit trail in the admin: read-only, for every team."""

from django.contrib import admin

from dashboard.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
