"""Admin pages that show and never change: history, logs, what workers did."""

from django.contrib import admin


class NoEditing:
    """Neither add, change nor delete, on a model admin or an inline."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(NoEditing, admin.ModelAdmin):
    show_full_result_count = False
