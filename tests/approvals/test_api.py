"""Approve and reject through the API: the house statuses, and the states in the outputs."""

import pytest

from dashboard.models import AuditAction, AuditEvent, Project, ProjectStatus, Role
from tests.approvals.conftest import request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver_api(api_as, approver, team):
    return api_as(approver, team, role=Role.ADMIN)


def _url(project, verb: str) -> str:
    return f"/api/v1/projects/{project.reference}/{verb}"


def test_an_api_create_that_matches_is_awaiting_and_shows_it(
    r4_account, member_api, prod_rule, sandbox
):
    answer = member_api.post(
        "/api/v1/projects",
        {"account": str(r4_account.pk), "fields": {"name": "prod-api"}},
        key="held-1",
    )
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "awaiting"
    assert body["approval"] == {
        "requested_by": "member",
        "decided_by": None,
        "decided_at": None,
        "comment": "",
    }
    assert sandbox.calls("r4", method="POST") == []
    listed = member_api.get("/api/v1/projects", status="awaiting").json()["items"]
    assert [item["name"] for item in listed] == ["prod-api"]


def test_an_admin_approves_through_the_api(r4_account, member, approver_api, prod_rule, sandbox):
    project = request_create(r4_account, member, "prod-ok")
    answer = approver_api.post(_url(project, "approve"), {"comment": "fine"})
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "created"
    assert body["approval"]["decided_by"] == "approver" and body["approval"]["comment"] == "fine"
    assert len(sandbox.calls("r4", method="POST")) == 1
    # Not awaiting anymore: 409, and the attempt is audited as refused.
    again = approver_api.post(_url(project, "reject"))
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert "no longer awaiting approval" in again.json()["detail"]
    refused = AuditEvent.objects.filter(action=AuditAction.PROJECT_APPROVAL_REFUSED)
    assert refused.count() == 1


def test_an_admin_rejects_with_a_comment(r4_account, member, approver_api, prod_rule, sandbox):
    project = request_create(r4_account, member, "prod-no")
    answer = approver_api.post(_url(project, "reject"), {"comment": "Not this quarter"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected"
    assert answer.json()["approval"]["comment"] == "Not this quarter"
    assert sandbox.calls("r4", method="POST") == []


def test_the_requester_cannot_approve_their_own_through_the_api(
    r4_account, owner, admin_api, approver, prod_rule
):
    project = request_create(r4_account, owner, "prod-self")
    answer = admin_api.post(_url(project, "approve"))
    assert answer.status_code == 422
    assert "another team admin must approve" in answer.json()["detail"]
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_roles_and_outsiders(r4_account, owner, member_api, viewer_api, outsider_api, prod_rule):
    project = request_create(r4_account, owner, "prod-roles")
    for api in (member_api, viewer_api):
        for verb in ("approve", "reject"):
            assert api.post(_url(project, verb)).status_code == 403
    for verb in ("approve", "reject"):
        assert outsider_api.post(_url(project, verb)).status_code == 404
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


@pytest.mark.parametrize(
    "body",
    [
        {"comment": "x" * 501},
        {"comment": "nul\u0000"},
        {"comment": 5},
        {"comment": ["a"]},
    ],
)
def test_a_bad_comment_is_refused_and_changes_nothing(
    r4_account, member, approver_api, prod_rule, body
):
    project = request_create(r4_account, member, "prod-bad")
    for verb in ("approve", "reject"):
        answer = approver_api.post(_url(project, verb), body)
        assert answer.status_code in (400, 422), answer.content
        assert answer.json()["errors"], answer.json()
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING
