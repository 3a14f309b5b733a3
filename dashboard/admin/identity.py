"""Single sign-on in the admin: which team and role each provider group gives, and the
identities that link people to the provider (shown, and deleted to unlink, never edited)."""

from django.contrib import admin

from dashboard.models import GroupMapping, Identity


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ["group", "team", "role", "team_is_managed"]
    list_filter = ["role", "team__managed_by_identity_provider", "team"]
    search_fields = ["group", "team__name"]
    list_select_related = ["team"]
    autocomplete_fields = ["team"]

    @admin.display(boolean=True, description="Team managed by the identity provider")
    def team_is_managed(self, mapping: GroupMapping) -> bool:
        # A mapping to a team not managed by the provider changes nothing: say so in the list.
        return mapping.team.managed_by_identity_provider


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "subject", "issuer", "created_at", "last_sign_in_at"]
    search_fields = ["user__username", "user__email", "subject"]
    list_select_related = ["user"]
    fields = ["user", "issuer", "subject", "created_at", "last_sign_in_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # made at the person's first sign-in

    def has_change_permission(self, request, obj=None) -> bool:
        return False
