"""Django admin: oversight of every model. Secrets are write-only; the audit trail is read-only."""

from django.contrib import admin

from . import admin_accounts, admin_actions, admin_teams  # noqa: F401  (these register)
from .admin_filters import ProjectAttentionFilter
from .models import AuditEvent, DeviceLogin, Project


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


@admin.register(DeviceLogin)
class DeviceLoginAdmin(admin.ModelAdmin):
    """Read-only: neither the device code nor the user code is shown."""

    list_display = ["created_at", "vendor", "label", "team", "status", "created_by"]
    list_filter = ["vendor", "status", "team"]
    search_fields = ["label", "team__name"]
    list_select_related = ["team", "created_by"]
    fields = [
        "vendor",
        "team",
        "account",
        "label",
        "base_url",
        "verification_uri",
        "interval",
        "expires_at",
        "next_poll_at",
        "status",
        "message",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "actor", "action", "target_type", "target_id", "summary"]
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
