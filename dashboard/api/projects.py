"""Projects through the API: validate, create (with Idempotency-Key), list, read, act.

Every write goes through the same services, under the same role rules, as the pages.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from ninja import Query, Router

from dashboard import services
from dashboard.api.auth import require_role
from dashboard.api.keyed import answer_once, idempotency_key_header
from dashboard.api.lookups import team_account, team_project
from dashboard.api.outputs import project_out, project_summary
from dashboard.api.paging import ProjectFilters, page_of_projects, paged_response
from dashboard.api.problems import ApiProblem, documented
from dashboard.api.schemas import (
    ApprovalIn,
    CheckOut,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    SecretIn,
    SecretOut,
    ValidationOut,
)
from dashboard.models import ProjectStatus, Role, VendorAccount
from dashboard.services.api_requests import Replay
from dashboard.validation.json_fields import json_field_errors
from providers.registry import get_provider

router = Router(tags=["projects"])


def _fields_or_problem(account: VendorAccount, payload: ProjectIn) -> dict:
    provider = get_provider(account.vendor)
    errors = json_field_errors(provider.project_fields, payload.fields)
    if errors:
        raise ApiProblem("invalid-input", "Some fields were refused.", errors=errors)
    return {name: value for name, value in payload.fields.items() if value is not None}


@router.post(
    "/validate",
    response={200: ValidationOut, **documented(400, 401, 403, 404, 422, 429)},
    summary="Check a create without sending it",
)
def validate_project(request: HttpRequest, payload: ProjectIn):
    """Every field rule, the name probe and the plan limit, as the form checks them. A dry
    run: no vendor call, nothing stored."""
    identity = request.auth
    require_role(identity, Role.MEMBER)
    account = team_account(identity, payload.account)
    fields = _fields_or_problem(account, payload)
    errors, advice = services.project_dry_run(account=account, data=fields)
    return {"valid": not errors, "errors": errors, "advice": advice}


@router.post(
    "",
    response={202: ProjectOut, **documented(400, 401, 403, 404, 409, 422, 429)},
    summary="Create a project (queued; a worker sends it)",
)
def create_project(
    request: HttpRequest,
    payload: ProjectIn,
    idempotency_key: str = idempotency_key_header(required=True),
):
    """Answers 202 with the pending project (or one awaiting a team admin's approval, when
    the account's approval rule holds it) and its Location. The same key with the same
    body answers as the first time; with another body, 422; while the first is still
    being processed, 409. Keys are remembered for at least 24 hours."""
    identity = request.auth
    require_role(identity, Role.MEMBER)
    account = team_account(identity, payload.account)
    fields = _fields_or_problem(account, payload)

    def create(reference) -> Replay:
        project = services.project_create(
            account=account, user=identity.user, data=fields, idempotency_key=reference
        )
        body = ProjectOut.model_validate(project_out(project)).model_dump(mode="json")
        return Replay(202, body, reverse("api:project_detail", args=[project.reference]))

    body = {"account": str(account.pk), "fields": fields}
    return answer_once(request, key=idempotency_key, body=body, act=create)


@router.get(
    "",
    response={200: ProjectPage, **documented(400, 401, 404, 422, 429)},
    summary="List the team's projects, by cursor",
)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):
    """The list's filters and sorts; `next` (and a Link header) points at the next page."""
    page = page_of_projects(request.auth, filters)
    body = {"items": [project_summary(row) for row in page.rows]}
    return paged_response(request, ProjectPage, body, page.next_token)


@router.get(
    "/{reference}",
    response={200: ProjectOut, **documented(401, 404, 429)},
    url_name="project_detail",
    summary="One project: what was sent, what the vendor answered, its steps",
)
def get_project(request: HttpRequest, reference: str):
    return project_out(team_project(request.auth, reference))


@router.post(
    "/{reference}/retry",
    response={202: ProjectOut, **documented(401, 403, 404, 409, 429)},
    summary="Send a create again that is known not to have happened",
)
def retry_project(request: HttpRequest, reference: str):
    identity = request.auth
    project = team_project(identity, reference, role=Role.MEMBER)
    try:
        project = services.project_retry(project=project, user=identity.user)
    except services.ServiceError as exc:
        raise ApiProblem("not-now", exc.message) from None
    return 202, project_out(project)


@router.post(
    "/{reference}/approve",
    response={202: ProjectOut, **documented(400, 401, 403, 404, 409, 422, 429)},
    summary="Approve a create awaiting approval (admin; not your own) and queue it",
)
def approve_project(request: HttpRequest, reference: str, payload: ApprovalIn | None = None):
    """Checks the create again (field rules, team policies, the plan limit) and queues it
    under its original idempotency key. 409 when it is no longer awaiting approval (another
    admin decided first, or it expired); 422 when it is your own request or fails a check."""
    identity = request.auth
    project = team_project(identity, reference, role=Role.ADMIN)
    comment = payload.comment if payload else ""
    try:
        project = services.project_approve(project=project, user=identity.user, comment=comment)
    except services.NotAwaiting as exc:
        raise ApiProblem("not-now", exc.message) from None
    return 202, project_out(project)


@router.post(
    "/{reference}/reject",
    response={200: ProjectOut, **documented(400, 401, 403, 404, 409, 422, 429)},
    summary="Reject a create awaiting approval (admin); it is never sent",
)
def reject_project(request: HttpRequest, reference: str, payload: ApprovalIn | None = None):
    """409 when it is no longer awaiting approval (another admin decided first)."""
    identity = request.auth
    project = team_project(identity, reference, role=Role.ADMIN)
    comment = payload.comment if payload else ""
    try:
        project = services.project_reject(project=project, user=identity.user, comment=comment)
    except services.NotAwaiting as exc:
        raise ApiProblem("not-now", exc.message) from None
    return project_out(project)


@router.post(
    "/{reference}/check",
    response={200: CheckOut, **documented(401, 403, 404, 409, 422, 429, 502)},
    summary="Look for a project whose answer was lost, at the vendor (never re-sent)",
)
def check_project(request: HttpRequest, reference: str):
    identity = request.auth
    project = team_project(identity, reference, role=Role.MEMBER)
    if project.status != ProjectStatus.UNKNOWN:
        raise ApiProblem("not-now", "Only a project whose outcome is unknown is checked.")
    result = services.project_reconcile(project=project, user=identity.user)
    project.refresh_from_db()
    detail = result.problem
    if result.outcome == "waiting":
        detail = services.not_found_yet_message(result.project)
    elif result.outcome == "ambiguous":
        detail = "Several projects at the vendor match; choose one on the project's page."
    return {"outcome": result.outcome, "detail": detail, "project": project_out(project)}


@router.post(
    "/{reference}/refresh",
    response={200: ProjectOut, **documented(401, 403, 404, 409, 422, 429, 502)},
    summary="Read the project again from the vendor",
)
def refresh_project(request: HttpRequest, reference: str):
    identity = request.auth
    project = team_project(identity, reference, role=Role.MEMBER)
    if project.status != ProjectStatus.CREATED or not project.remote_id:
        raise ApiProblem("not-now", "Only a project the vendor created can be refreshed.")
    project = services.project_refresh(project=project, user=identity.user)
    return project_out(project)


@router.post(
    "/{reference}/secret",
    response={200: SecretOut, **documented(400, 401, 403, 404, 422, 429)},
    summary="Reveal the vendor-issued secret (admin; audited)",
)
def reveal_secret(request: HttpRequest, reference: str, payload: SecretIn | None = None):
    identity = request.auth
    project = team_project(identity, reference, role=Role.ADMIN)
    names = sorted(project.secrets)
    name = (payload.name if payload else "") or (names[0] if len(names) == 1 else "")
    if name not in names:
        raise ApiProblem(
            "not-found",
            f"This project has no secret named so. Its secrets: {', '.join(names) or 'none'}.",
        )
    value = services.project_secret_reveal(project=project, user=identity.user, name=name)
    response = JsonResponse({"name": name, "value": value})
    response["Cache-Control"] = "no-store"
    return response
