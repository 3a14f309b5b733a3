"""Deciding a held create from many processes at once: gunicorn workers on the suite's
database (SQLite, or PostgreSQL with DATABASE_URL), a db_worker sending what is approved,
and the sandbox's request log as the proof of how many creates the vendor saw."""

from __future__ import annotations

import uuid

import pytest
import requests

from dashboard import services
from dashboard.models import AuditAction, AuditEvent, Project, ProjectStatus, Role
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import MembershipFactory, UserFactory
from tests.processes import at_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held(r4_account, owner, team, member):
    """Two admins besides the requester, their API tokens, and a create awaiting approval."""
    services.approval_rule_save(account=r4_account, user=owner, mode="every")
    second = MembershipFactory(team=team, role=Role.ADMIN, user=UserFactory(username="second"))
    tokens = [new_token(user, team, role=Role.ADMIN)[1] for user in (owner, second.user)]
    return r4_account, tokens


def _hold(account, member, name: str) -> Project:
    return services.project_create(
        account=account, user=member, data={"name": name}, idempotency_key=uuid.uuid4()
    )


def _decide(web, token: str, project: Project, verb: str) -> requests.Response:
    return requests.post(
        f"{web.url}/api/v1/projects/{project.reference}/{verb}",
        json={"comment": f"{verb} at once"},
        headers={"Authorization": bearer(token)},
        timeout=60,
    )


def _steps(project: Project) -> list[str]:
    events = AuditEvent.objects.filter(target_type="Project", target_id=str(project.pk))
    return sorted(events.values_list("action", flat=True))


def test_two_approvers_at_once_make_one_approval_and_one_vendor_call(
    services_running, held, member, sandbox
):
    account, tokens = held
    project = _hold(account, member, "prod-race")
    web = services_running.web()
    services_running.worker()

    answers = at_once(8, lambda i: _decide(web, tokens[i % 2], project, "approve"))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [202] + [409] * 7, [a.text[:200] for a in answers]
    losers = [a.json()["detail"] for a in answers if a.status_code == 409]
    assert all("no longer awaiting approval" in detail for detail in losers)
    wait_for(
        lambda: Project.objects.get(pk=project.pk).status == ProjectStatus.CREATED,
        timeout=60,
        what="the approved create to be sent",
    )
    creates = sandbox.calls("r4", method="POST")
    assert len(creates) == 1 and creates[0]["json"]["name"] == "prod-race"
    steps = _steps(project)
    assert steps.count(AuditAction.PROJECT_APPROVED) == 1
    assert steps.count(AuditAction.PROJECT_APPROVAL_REFUSED) == 7


def test_approve_against_reject_at_once_one_wins_and_both_are_audited(
    services_running, held, member, sandbox
):
    account, tokens = held
    projects = [_hold(account, member, f"prod-duel-{n}") for n in range(4)]
    web = services_running.web()

    for project in projects:
        answers = at_once(
            2, lambda i, p=project: _decide(web, tokens[i], p, ("approve", "reject")[i])
        )
        codes = sorted(a.status_code for a in answers)
        assert codes in ([200, 409], [202, 409]), [a.text[:200] for a in answers]
        steps = _steps(project)
        won = steps.count(AuditAction.PROJECT_APPROVED) + steps.count(AuditAction.PROJECT_REJECTED)
        assert won == 1 and steps.count(AuditAction.PROJECT_APPROVAL_REFUSED) == 1, steps
        final = Project.objects.get(pk=project.pk).status
        rejected = AuditAction.PROJECT_REJECTED in steps
        assert final == (ProjectStatus.REJECTED if rejected else ProjectStatus.PENDING)
    # No worker ran: whatever won, nothing reached the vendor from a rejected one.
    assert sandbox.calls("r4", method="POST") == []


def test_cancelling_a_batch_against_approving_its_rows_never_leaves_one_to_send(
    services_running, held, team, member, sandbox
):
    account, tokens = held
    rows = [
        services.RowInput(account=str(account.pk), fields={"name": f"prod-b{n}"}) for n in range(6)
    ]
    batch = services.batch_create(team=team, user=member, name="Race", source="csv", rows=rows)
    services.batch_send(batch=batch, user=member)
    held_rows = list(Project.objects.filter(batch=batch).order_by("pk"))
    member_token = new_token(member, team, role=Role.MEMBER)[1]
    web = services_running.web()

    def act(i: int) -> requests.Response:
        if i == len(held_rows):
            return requests.post(
                f"{web.url}/api/v1/batches/{batch.reference}/cancel",
                headers={"Authorization": bearer(member_token)},
                timeout=60,
            )
        return _decide(web, tokens[i % 2], held_rows[i], "approve")

    answers = at_once(len(held_rows) + 1, act)

    assert answers[-1].status_code == 200, answers[-1].text[:200]
    assert all(a.status_code in (202, 409) for a in answers[:-1]), [a.text for a in answers]
    final = dict(Project.objects.filter(batch=batch).values_list("pk", "status"))
    # Approved first, then cancelled; or withdrawn, and the approval told it was too late.
    assert set(final.values()) <= {ProjectStatus.FAILED, ProjectStatus.REJECTED}, final
    assert answers[-1].json()["cancelled"] == len(held_rows)
    assert sandbox.calls("r4", method="POST") == []
