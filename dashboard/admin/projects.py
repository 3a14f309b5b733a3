"""Projects in the admin: every team's, with what needs attention and the reconcile actions.
Secrets are write-only."""

from django.contrib import admin

from dashboard.admin import actions as admin_actions
from dashboard.admin.filters import ProjectAttentionFilter
from dashboard.models import Project


@admin.register(Project)
class ProjectAdmin(admin_actions.ActionsNeedChangePermission, admin.ModelAdmin):
    list_display = [
        "name",
        "vendor",
        "account",
        "team",
        "status",
        "remote_id",
        "created_by",
        "created_at",
    ]
    # A date filter of ranges, not date_hierarchy (which truncates every row's date on
    # SQLite), and no unfiltered COUNT beside the filtered one: usable at a million rows.
    list_filter = [
        ProjectAttentionFilter,
        "status",
        "vendor",
        "team",
        ("created_at", admin.DateFieldListFilter),
    ]
    actions = [
        admin_actions.check_at_vendor,
        admin_actions.refresh_from_vendor,
        admin_actions.retry,
    ]
    search_fields = ["name", "remote_id", "reference"]
    list_select_related = ["account", "team", "created_by"]
    show_full_result_count = False
    readonly_fields = [
        "reference",
        "team",
        "account",
        "vendor",
        "name",
        "payload",
        "idempotency_key",
        "status",
        "remote_id",
        "vendor_response",
        "stored_secrets",
        "error_kind",
        "error_code",
        "error_status",
        "error_message",
        "error_fields",
        "origin",
        "remote_status",
        "missing_at_vendor",
        "created_by",
        "created_at",
        "updated_at",
        "queued_at",
        "attempted_at",
        "completed_at",
        "last_synced_at",
        "decided_by",
        "decided_at",
        "decision_comment",
    ]
    fields = readonly_fields

    @admin.display(description="Secrets")
    def stored_secrets(self, obj: Project) -> str:
        names = sorted(obj.secrets)
        return ", ".join(f"{name}: ••••" for name in names) if names else "—"

    def has_add_permission(self, request) -> bool:
        return False  # projects are created at the vendor, through the dashboard

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: offer no Save buttons that would save nothing.
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **no_save}
        )
