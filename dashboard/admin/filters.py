"""The admin's "needs attention" filters, from the same conditions as its index counts."""

from __future__ import annotations

from django.contrib import admin

from dashboard.admin.attention import ACCOUNT_ATTENTION, PROJECT_ATTENTION


class _AttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"
    conditions: dict = {}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.conditions.items()]

    def queryset(self, request, queryset):
        chosen = self.conditions.get(self.value())
        return queryset.filter(chosen[1]()) if chosen else queryset


class ProjectAttentionFilter(_AttentionFilter):
    conditions = PROJECT_ATTENTION


class AccountAttentionFilter(_AttentionFilter):
    conditions = ACCOUNT_ATTENTION
