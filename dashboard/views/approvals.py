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
from dashboard.models import ApprovalMode, Project, ProjectStatus, Role, VendorAccount
from dashboard.views.htmx import wants_fragment
from providers.registry import get_provider

PAGE = "dashboard/approvals/list.html"
RULE_PAGE = "dashboard/approvals/rule.html"
SHOWN_AT_MOST = 200


def _awaiting(user):
    return (
        Project.objects.for_user(user, role=Role.ADMIN)
        .filter(status=ProjectStatus.AWAITING)
        .select_related("account", "team", "created_by", "batch")
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
    held = list(_awaiting(request.user).order_by("created_at", "pk")[: SHOWN_AT_MOST + 1])
    context = {
        "requests": [_request(p, request.user) for p in held[:SHOWN_AT_MOST]],
        "more": len(held) > SHOWN_AT_MOST,
        "expiry_days": settings.APPROVAL_EXPIRY_DAYS,
    }
    return render(request, PAGE, context)


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
