"""The Approvals page (creates awaiting a team admin, with exactly what will be sent) and
each account's approval rule. Team admins only: anyone else gets a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard import services
from dashboard.listing import keyset
from dashboard.models import ApprovalMode, Project, ProjectStatus, Role, VendorAccount
from dashboard.views.htmx import wants_fragment
from providers.registry import get_provider

PAGE = "dashboard/approvals/list.html"
RULE_PAGE = "dashboard/approvals/rule.html"
PAGE_SIZE = 50
OLDEST_FIRST = keyset.Order(None, descending=False)
SORT = "approvals"  # what the page's tokens are made for


def _awaiting(user):
    return (
        Project.objects.for_user(user, role=Role.ADMIN)
        .filter(status=ProjectStatus.AWAITING)
        .select_related("account", "team", "created_by", "batch__created_by", "batch_row")
        .defer("secrets")
    )


def _request(project: Project, user) -> dict:
    """A held create as an approver sees it: every field that will be sent, no secret."""
    provider = get_provider(project.vendor)
    fields = [
        (spec.label, project.payload.get(spec.name))
        for spec in provider.project_fields
        if not spec.secret and spec.name in project.payload
    ]
    return {
        "project": project,
        "fields": fields,
        "mine": project.created_by_id == user.pk,
        "may_approve": services.may_approve(user, project),
    }


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """Oldest first (the nearest to expiring on top), a page at a time."""
    awaiting = _awaiting(request.user)
    shown, number = _from_position(awaiting, request.GET.get("after"))
    held = list(shown.order_by(*OLDEST_FIRST.fields())[: PAGE_SIZE + 1])
    page = held[:PAGE_SIZE]
    after = ""
    if len(held) > PAGE_SIZE:
        last = page[-1]
        key = OLDEST_FIRST.key({"created_at": last.created_at, "id": last.pk})
        after = keyset.token(SORT, "after", key, number + 1)
    first_shown = (number - 1) * PAGE_SIZE + 1
    context = {
        "requests": [_request(p, request.user) for p in page],
        "total": awaiting.count(),
        "first_shown": first_shown,
        "last_shown": first_shown + len(page) - 1,
        "next_after": after,
        "paged": number > 1 or bool(after),
        "expiry_days": settings.APPROVAL_EXPIRY_DAYS,
    }
    return render(request, PAGE, context)


def _from_position(awaiting, value: str | None):
    """(the requests from the page a token points at, its number); a token this page did
    not make, or none, is the first page."""
    position = keyset.read_token(value, SORT)
    if position is None or position[0] != "after":
        return awaiting, 1
    _, key, number = position
    try:
        return awaiting.filter(*OLDEST_FIRST.after(key)), max(1, number)
    except (ValueError, TypeError):
        return awaiting, 1


@vary_on_headers("HX-Request")
@require_POST
def approval_decide(request: HttpRequest, reference, verb: str) -> HttpResponse:
    project = get_object_or_404(
        Project.objects.for_user(request.user, role=Role.ADMIN).select_related("team", "account"),
        reference=reference,
    )
    decide = services.project_approve if verb == "approve" else services.project_reject
    error = ""
    try:
        project = decide(project=project, user=request.user, comment=request.POST.get("comment"))
    except services.ServiceError as exc:
        error = " ".join(exc.field_errors.values()) or exc.message
    if wants_fragment(request):
        project.refresh_from_db()
        context = {**_request(project, request.user), "error": error, "decided": not error}
        return render(request, f"{PAGE}#request", context)
    if error:
        messages.error(request, error)
    elif verb == "approve":
        messages.success(request, f"“{project.name}” approved and queued for the vendor.")
    else:
        messages.success(request, f"“{project.name}” rejected; it will not be sent.")
    return redirect("dashboard:approvals")


@require_http_methods(["GET", "POST"])
def approval_rule(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(
        VendorAccount.objects.for_user(request.user, role=Role.ADMIN).select_related("team"),
        pk=pk,
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if "self_approval" in request.POST:
                services.self_approval_set(
                    team=account.team,
                    user=request.user,
                    allowed=request.POST["self_approval"] == "on",
                )
                messages.success(request, "Self-approval setting saved.")
            else:
                services.approval_rule_save(
                    account=account,
                    user=request.user,
                    mode=request.POST.get("mode", ""),
                    pattern=request.POST.get("pattern", ""),
                )
                messages.success(request, "Approval rule saved.")
        except services.ServiceError as exc:
            errors = exc.field_errors or {"mode": exc.message}
        else:
            return redirect("dashboard:approval_rule", pk=account.pk)
    rule = services.approval_rule_for(account)
    context = {
        "account": account,
        "rule": rule,
        "modes": ApprovalMode.choices,
        "chosen": request.POST.get("mode", rule.mode) if errors else rule.mode,
        "pattern": request.POST.get("pattern", rule.pattern) if errors else rule.pattern,
        "errors": errors,
        "single_admin": services.team_admin_count(account.team_id) == 1,
    }
    status = 422 if errors else 200
    if wants_fragment(request):
        return render(request, f"{RULE_PAGE}#rule_form", context, status=status)
    return render(request, RULE_PAGE, context, status=status)
