"""A create held for approval: awaiting -> approved (pending) -> created, rejected, expired."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    EmailNotice,
    EventType,
    OutboxEvent,
    Project,
    ProjectStatus,
)
from tests.approvals.conftest import request_create

pytestmark = pytest.mark.django_db


def _actions(project) -> list[str]:
    events = AuditEvent.objects.filter(target_type="Project", target_id=str(project.pk))
    return list(events.order_by("created_at", "id").values_list("action", flat=True))


def test_a_matching_create_waits_and_nothing_is_sent(
    r4_account, member, approver, owner, prod_rule, sandbox
):
    project = request_create(r4_account, member, "prod-billing")
    assert project.status == ProjectStatus.AWAITING
    assert project.queued_at is None
    assert sandbox.calls("r4", method="POST") == []
    assert _actions(project) == [
        AuditAction.PROJECT_REQUESTED,
        AuditAction.PROJECT_AWAITING_APPROVAL,
    ]
    event = OutboxEvent.objects.get(type=EventType.PROJECT_AWAITING_APPROVAL)
    assert event.data["project"]["status"] == "awaiting"
    assert event.data["requested_by"] == "member"
    # The team's admins are the approvers, by default.
    assert set(
        EmailNotice.objects.filter(event=event).values_list("user__username", flat=True)
    ) == {"approver"}


def test_a_name_outside_the_pattern_is_sent_at_once(r4_account, member, prod_rule, sandbox):
    project = request_create(r4_account, member, "dev-billing")
    assert project.status == ProjectStatus.CREATED
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_awaiting_then_approved_then_pending_then_created(
    r4_account, member, approver, prod_rule, sandbox
):
    project = request_create(r4_account, member, "prod-billing")
    approved = services.project_approve(project=project, user=approver, comment="Go ahead")
    # The immediate queue of the tests sends it at once: pending, then created.
    assert approved.status == ProjectStatus.CREATED
    assert approved.decided_by == approver and approved.decision_comment == "Go ahead"
    assert approved.idempotency_key == project.idempotency_key
    sent = sandbox.calls("r4", method="POST")
    assert len(sent) == 1 and sent[0]["json"]["name"] == "prod-billing"
    assert _actions(project) == [
        AuditAction.PROJECT_REQUESTED,
        AuditAction.PROJECT_AWAITING_APPROVAL,
        AuditAction.PROJECT_APPROVED,
        AuditAction.PROJECT_CREATED,
    ]


def test_approval_moves_awaiting_to_pending_under_the_original_key(
    r4_account, member, approver, prod_rule, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "dashboard.services.approvals.enqueue_submit",
        lambda *, project_id: queued.append(project_id),
    )
    project = request_create(r4_account, member, "prod-x")
    approved = services.project_approve(project=project, user=approver)
    assert approved.status == ProjectStatus.PENDING and queued == [project.pk]
    assert approved.queued_at is not None and approved.decided_at is not None
    # The same key again returns the same project, never a second create.
    again = request_create(r4_account, member, "prod-x", key=project.idempotency_key)
    assert again.pk == project.pk and Project.objects.count() == 1


def test_awaiting_then_rejected_sends_nothing(r4_account, member, approver, prod_rule, sandbox):
    project = request_create(r4_account, member, "prod-billing")
    rejected = services.project_reject(project=project, user=approver, comment="Use staging first")
    assert rejected.status == ProjectStatus.REJECTED
    assert rejected.decision_comment == "Use staging first"
    assert sandbox.calls("r4", method="POST") == []
    event = OutboxEvent.objects.get(type=EventType.PROJECT_REJECTED)
    assert event.data["decided_by"] == "approver" and event.data["comment"] == "Use staging first"
    with pytest.raises(services.NotAwaiting, match="rejected by approver"):
        services.project_approve(project=project, user=approver)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.REJECTED


def test_awaiting_then_expired_after_the_days(
    r4_account, member, approver, prod_rule, settings, sandbox
):
    settings.APPROVAL_EXPIRY_DAYS = 7
    old = request_create(r4_account, member, "prod-old")
    young = request_create(r4_account, member, "prod-young")
    Project.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert services.approvals_expire() == 1
    assert Project.objects.get(pk=old.pk).status == ProjectStatus.EXPIRED
    assert Project.objects.get(pk=young.pk).status == ProjectStatus.AWAITING
    assert AuditAction.PROJECT_EXPIRED in _actions(old)
    with pytest.raises(services.NotAwaiting, match="expired"):
        services.project_approve(project=old, user=approver)
    assert services.approvals_expire() == 0
    assert sandbox.calls("r4", method="POST") == []


def test_the_requester_cannot_approve_their_own_create(
    r4_account, owner, approver, prod_rule, sandbox
):
    project = request_create(r4_account, owner, "prod-mine")
    with pytest.raises(services.ServiceError, match="another team admin must approve"):
        services.project_approve(project=project, user=owner)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING
    assert AuditAction.PROJECT_APPROVAL_REFUSED in _actions(project)
    assert sandbox.calls("r4", method="POST") == []


def test_a_single_admin_team_that_allows_it_self_approves(
    r4_account, owner, member, prod_rule, sandbox
):
    with pytest.raises(services.ServiceError):
        services.project_approve(project=request_create(r4_account, owner, "prod-a"), user=owner)
    services.self_approval_set(team=r4_account.team, user=owner, allowed=True)
    project = request_create(r4_account, owner, "prod-b")
    approved = services.project_approve(project=project, user=owner)
    assert approved.status == ProjectStatus.CREATED
    assert AuditEvent.objects.filter(action=AuditAction.SELF_APPROVAL_CHANGED).count() == 1


def test_self_approval_lapses_when_a_second_admin_joins(r4_account, owner, prod_rule, team):
    services.self_approval_set(team=team, user=owner, allowed=True)
    project = request_create(r4_account, owner, "prod-c")
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(team=team, role="admin", user=UserFactory(username="second"))
    with pytest.raises(services.ServiceError, match="another team admin"):
        services.project_approve(project=project, user=owner)


def test_a_member_or_viewer_cannot_approve_or_reject(r4_account, member, viewer, owner, prod_rule):
    project = request_create(r4_account, owner, "prod-d")
    for user in (member, viewer):
        for decide in (services.project_approve, services.project_reject):
            with pytest.raises(services.ServiceError, match="Only a team admin"):
                decide(project=project, user=user)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_an_outsider_cannot_approve(r4_account, member, outsider, prod_rule):
    project = request_create(r4_account, member, "prod-e")
    with pytest.raises(services.ServiceError, match="Only a team admin"):
        services.project_approve(project=project, user=outsider)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_approval_checks_the_plan_limit_again(r4_account, member, approver, prod_rule, monkeypatch):
    project = request_create(r4_account, member, "prod-f")
    monkeypatch.setattr("providers.r4.R4.plan_limit", lambda self, plan: 0)
    with pytest.raises(services.ServiceError, match="allows 0 active projects"):
        services.project_approve(project=project, user=approver)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING
    assert AuditAction.PROJECT_APPROVAL_REFUSED in _actions(project)


def test_an_awaiting_create_is_not_counted_toward_the_plan(
    r4_account, member, prod_rule, monkeypatch
):
    monkeypatch.setattr("providers.r4.R4.plan_limit", lambda self, plan: 1)
    first = request_create(r4_account, member, "prod-g")
    second = request_create(r4_account, member, "prod-h")
    assert {first.status, second.status} == {ProjectStatus.AWAITING}


def test_approval_checks_the_fields_again(r4_account, member, approver, prod_rule):
    project = request_create(r4_account, member, "prod-i")
    Project.objects.filter(pk=project.pk).update(payload={"name": "", "description": ""})
    with pytest.raises(services.ServiceError, match="no longer passes"):
        services.project_approve(project=project, user=approver)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


@pytest.mark.parametrize(
    ("comment", "says"),
    [
        ("x" * 501, "the limit is 500"),
        ("bad\x00", "control characters"),
        ("bell\x07", "control characters"),
        (12, "as text"),
    ],
)
def test_a_bad_comment_is_refused_and_changes_nothing(
    r4_account, member, approver, prod_rule, comment, says
):
    project = request_create(r4_account, member, "prod-j")
    for decide in (services.project_approve, services.project_reject):
        with pytest.raises(services.ServiceError) as refused:
            decide(project=project, user=approver, comment=comment)
        assert says in refused.value.field_errors["comment"]
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_the_scheduled_job_expires_them(r4_account, member, prod_rule, settings):
    from dashboard import tasks
    from dashboard.scheduler import JOBS

    job = next(job for job in JOBS if job.name == "expire_approvals")
    assert job.task is tasks.expire_approvals
    assert job.interval == timedelta(seconds=settings.SCHEDULE_APPROVAL_EXPIRY_SECONDS)
    settings.APPROVAL_EXPIRY_DAYS = 1
    old = request_create(r4_account, member, "prod-job")
    Project.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert tasks.expire_approvals.enqueue().return_value == 1
    assert Project.objects.get(pk=old.pk).status == ProjectStatus.EXPIRED


def test_the_transitions_of_a_held_create():
    from dashboard.models import PROJECT_TRANSITIONS

    assert PROJECT_TRANSITIONS[ProjectStatus.AWAITING] == {
        ProjectStatus.PENDING,
        ProjectStatus.REJECTED,
        ProjectStatus.EXPIRED,
    }
    assert PROJECT_TRANSITIONS[ProjectStatus.REJECTED] == frozenset()
    assert PROJECT_TRANSITIONS[ProjectStatus.EXPIRED] == frozenset()
    # Nothing else leads back into waiting: a decided create is never held again.
    assert not any(ProjectStatus.AWAITING in targets for targets in PROJECT_TRANSITIONS.values())


def test_approval_sends_what_was_requested_and_judges_it_as_stored(
    r4_account, member, owner, approver, prod_rule, sandbox
):
    asked = request_create(r4_account, member, "prod-before-the-default")
    services.policy_save(account=r4_account, user=owner, defaults={"externalId": "team-ext"})
    services.project_approve(project=asked, user=approver)
    sent = sandbox.calls("r4", method="POST")[0]["json"]
    assert sent["name"] == "prod-before-the-default" and "team-ext" not in str(sent)
    # A rule added since is judged on the stored values: a default can't meet it for them.
    held = request_create(r4_account, member, "prod-before-the-rule")
    Project.objects.filter(pk=held.pk).update(payload={"name": "prod-before-the-rule"})
    services.policy_save(
        account=r4_account, user=owner, required_fields=["description"],
        defaults={"description": "from the team"},
    )  # fmt: skip
    with pytest.raises(services.ServiceError, match="Team rule: Description is required"):
        services.project_approve(project=held, user=approver)
    assert Project.objects.get(pk=held.pk).status == ProjectStatus.AWAITING
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_an_approval_past_the_expiry_is_refused_before_the_job_runs(
    r4_account, member, approver, prod_rule, settings, sandbox
):
    settings.APPROVAL_EXPIRY_DAYS = 7
    project = request_create(r4_account, member, "prod-late")
    Project.objects.filter(pk=project.pk).update(created_at=timezone.now() - timedelta(days=8))
    with pytest.raises(services.NotAwaiting, match="expired, as nobody approved it within 7"):
        services.project_approve(project=project, user=approver)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.EXPIRED
    assert _actions(project)[-2:] == [
        AuditAction.PROJECT_EXPIRED,
        AuditAction.PROJECT_APPROVAL_REFUSED,
    ]
    assert services.approvals_expire() == 0
    assert sandbox.calls("r4", method="POST") == []
