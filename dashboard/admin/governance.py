"""An account's team policy and approval rule, shown on its admin page and never edited
there: a team admin sets them on the account's own pages, where each change is checked
(a pattern that could hang is refused) and audited."""

from django.contrib import admin
from django.utils.html import format_html

from dashboard.admin.read_only import NoEditing
from dashboard.models import AccountPolicy, ApprovalRule


def rules_of(account) -> list[type[admin.StackedInline]]:
    """The inlines of the rules the account has: none shows no empty section."""
    if account is None:
        return []
    related = ((AccountPolicyInline, "policy"), (ApprovalRuleInline, "approval_rule"))
    return [inline for inline, name in related if hasattr(account, name)]


class _ShownOnly(NoEditing, admin.StackedInline):
    extra = 0
    can_delete = False

    @admin.display(description="Changed on")
    def where_changed(self, obj) -> str:
        return format_html('<a href="{}">the dashboard page</a>', obj.get_absolute_url())


class AccountPolicyInline(_ShownOnly):
    model = AccountPolicy
    verbose_name = verbose_name_plural = "Team policy"
    fields = [
        "name_pattern",
        "name_pattern_description",
        "name_pattern_severity",
        "required_fields",
        "defaults",
        "updated_by",
        "updated_at",
        "where_changed",
    ]
    readonly_fields = fields


class ApprovalRuleInline(_ShownOnly):
    model = ApprovalRule
    verbose_name = verbose_name_plural = "Approval rule"
    fields = ["mode", "pattern", "updated_by", "updated_at", "where_changed"]
    readonly_fields = fields
