"""Device sign-ins in the admin: read-only; the device code is never shown."""

from django.contrib import admin

from dashboard.models import DeviceLogin


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
