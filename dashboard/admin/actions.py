"""Admin actions: the dashboard's own services, run per selected row, reported per row.

The services keep their guarantees here too (a retry is one conditional update, however
many admins and users click at once) and audit every step with the staff user as actor.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html, format_html_join

from dashboard import services
from dashboard.models import AccountStatus, ProjectStatus

MAX_ROWS = 100  # each row may call a vendor: a bigger selection is refused, not half-done


def run_per_row(request, queryset, step, *, what: str) -> None:
    """Run `step(obj, user) -> (outcome, detail)` for each row and report every row."""
    if queryset.count() > MAX_ROWS:
        messages.error(request, f"Select at most {MAX_ROWS} rows for “{what}”; nothing was done.")
        return
    rows = []
    for obj in queryset:
        try:
            outcome, detail = step(obj, request.user)
        except services.ServiceError as exc:
            outcome, detail = "skipped", exc.message or "; ".join(exc.field_errors.values())
        rows.append((str(obj), outcome, detail))
    tally = ", ".join(f"{n} {outcome}" for outcome, n in Counter(r[1] for r in rows).items())
    items = format_html_join("", "<li><strong>{}</strong>: {} — {}</li>", rows)
    level = messages.SUCCESS if all(r[1] != "skipped" for r in rows) else messages.WARNING
    report = format_html('{}: {}.<ul class="row-report">{}</ul>', what, tally, items)
    messages.add_message(request, level, report)


def _check_at_vendor(project, user):
    if project.status != ProjectStatus.UNKNOWN:
        return "skipped", f"its outcome is known ({project.get_status_display().lower()})"
    result = services.project_reconcile(project=project, user=user)
    if result.outcome == ProjectStatus.CREATED:
        return "created", f"found at the vendor as {result.project.remote_id}"
    if result.outcome == ProjectStatus.FAILED:
        return "failed", "not found at the vendor, so not created; it may be retried"
    if result.outcome == "waiting":
        return "still unknown", services.not_found_yet_message(result.project)
    if result.outcome in ("unreadable", "incomplete"):
        return "still unknown", result.problem
    if result.outcome == "ambiguous":
        return "still unknown", f"{len(result.candidates)} possible matches; choose on its page"
    return "still unknown", f"now {result.project.get_status_display().lower()}"


def _refresh(project, user):
    if project.status != ProjectStatus.CREATED or not project.remote_id:
        return "skipped", "only projects the vendor created can be refreshed"
    project = services.project_refresh(project=project, user=user)
    if project.missing_at_vendor:
        return "missing", "the vendor no longer lists it; kept as history"
    return "refreshed", "read again from the vendor"


def _retry(project, user):
    if not project.retryable:
        return "skipped", "only a failed create known not to have happened can be retried"
    project = services.project_retry(project=project, user=user)
    if project.status == ProjectStatus.CREATED:
        return "created", f"created at the vendor as {project.remote_id}"
    if project.status == ProjectStatus.PENDING:
        return "queued", "sent again with the same idempotency key"
    return project.get_status_display().lower(), project.error_message or "see its page"


def _verify(account, user):
    if account.status == AccountStatus.DISCONNECTED:
        return "skipped", "disconnected; new credentials are needed first"
    try:
        account = services.account_verify(account=account, user=user)
    except services.ServiceError as exc:
        return "failed", exc.message
    return "verified", f"the vendor accepted the credentials ({account.identity})"


def _disconnect(account, user):
    if account.status == AccountStatus.DISCONNECTED:
        return "skipped", "already disconnected"
    services.account_disconnect(account=account, user=user)
    return "disconnected", "credentials deleted; the account and its projects stay as history"


@admin.action(description="Check at vendor (outcome unknown)", permissions=["change"])
def check_at_vendor(modeladmin, request, queryset):
    run_per_row(
        request,
        queryset.select_related("account", "team"),
        _check_at_vendor,
        what="Check at vendor",
    )


@admin.action(description="Refresh from vendor", permissions=["change"])
def refresh_from_vendor(modeladmin, request, queryset):
    run_per_row(
        request, queryset.select_related("account", "team"), _refresh, what="Refresh from vendor"
    )


@admin.action(description="Retry (failed creates only)", permissions=["change"])
def retry(modeladmin, request, queryset):
    run_per_row(request, queryset.select_related("account", "team"), _retry, what="Retry")


@admin.action(description="Verify now", permissions=["change"])
def verify_now(modeladmin, request, queryset):
    run_per_row(request, queryset.select_related("team"), _verify, what="Verify now")


@admin.action(description="Disconnect (delete credentials)", permissions=["change"])
def disconnect(modeladmin, request, queryset):
    run_per_row(request, queryset.select_related("team"), _disconnect, what="Disconnect")


class ActionsNeedChangePermission:
    """An action posted without the model's change permission is refused outright (403),
    not quietly answered with "no action selected"."""

    def changelist_view(self, request, extra_context=None):
        posted_action = request.method == "POST" and request.POST.get("action")
        if posted_action and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)
