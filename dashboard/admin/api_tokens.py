"""API tokens in the admin: read-only (only a hash is stored; the hint identifies a token),
with a "Revoke" action that goes through the service, audited with the staff user as actor."""

from django.contrib import admin

from dashboard import services
from dashboard.admin.actions import run_per_row
from dashboard.models import ApiToken


def _revoke(token, user):
    if services.api_token_revoke(by=user, token=token):
        return "revoked", "it no longer works"
    return "skipped", "already revoked"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "hint", "team", "user", "role", "created_at", "last_used_at"]
    list_display += ["expires_at", "revoked_at"]
    list_filter = ["role", "team"]
    search_fields = ["name", "hint", "user__username", "team__name"]
    list_select_related = ["team", "user"]
    fields = ["name", "hint", "team", "user", "role", "created_at", "last_used_at"]
    fields += ["expires_at", "revoked_at", "revoked_by"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: it is audited, a delete is not

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("dashboard.change_apitoken")

    @admin.action(description="Revoke selected API tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        run_per_row(request, queryset.select_related("team", "user"), _revoke, what="Revoke")
