"""Held rows of a batch: cancelling the rest withdraws them, the batch's maker is one of
the requesters (four eyes), and they don't count toward the plan until approved."""

import pytest

from dashboard import services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Batch,
    BatchSource,
    BatchStatus,
    EmailNotice,
    EventType,
    OutboxEvent,
    Project,
    ProjectStatus,
)
from dashboard.services import RowInput

pytestmark = pytest.mark.django_db


def _batch(team, maker, account, *names):
    return services.batch_create(
        team=team,
        user=maker,
        name="Launch",
        source=BatchSource.CSV,
        rows=[RowInput(account=str(account.pk), fields={"name": name}) for name in names],
    )


def test_cancelling_the_rest_withdraws_held_rows_so_no_approval_sends_them(
    client, sent_batch, member, approver, sandbox
):
    client.force_login(member)
    page = client.get(sent_batch.get_absolute_url()).content.decode()
    assert page.count("Cancel the rest</button>") == 1  # only held rows are left
    assert "2 of them awaiting approval" in page
    assert services.batch_cancel_rest(batch=sent_batch, user=member) == 2
    held = Project.objects.filter(name__startswith="prod-")
    assert set(held.values_list("status", flat=True)) == {ProjectStatus.REJECTED}
    assert set(held.values_list("decided_by", flat=True)) == {member.pk}
    withdrawn = AuditEvent.objects.filter(action=AuditAction.PROJECT_REJECTED)
    assert withdrawn.count() == 2 and "Withdrawn with the rest" in withdrawn.first().summary
    said = AuditEvent.objects.get(action=AuditAction.BATCH_CANCELLED).summary
    assert "2 rows not yet sent were cancelled (2 of them awaiting approval)" in said
    rejected = OutboxEvent.objects.filter(type=EventType.PROJECT_REJECTED)
    assert sorted(e.data["project"]["name"] for e in rejected) == ["prod-three", "prod-two"]
    assert {e.data["comment"] for e in rejected} == {
        "Withdrawn: the rest of its batch was cancelled."
    }
    with pytest.raises(services.NotAwaiting, match="rejected by member"):
        services.project_approve(project=held.first(), user=approver)
    assert Batch.objects.get(pk=sent_batch.pk).status == BatchStatus.DONE
    assert [c["json"]["name"] for c in sandbox.calls("r4", method="POST")] == ["dev-one"]


def test_an_admin_who_withdraws_held_rows_is_not_mailed_about_it(sent_batch, approver):
    rejected = OutboxEvent.objects.filter(type=EventType.PROJECT_REJECTED)
    services.batch_cancel_rest(batch=sent_batch, user=approver)
    assert rejected.count() == 2
    mailed = EmailNotice.objects.filter(event__in=rejected).values_list("user__username", flat=True)
    assert "approver" not in set(mailed)  # an admin, mailed rejections by default


def test_the_maker_of_a_batch_cannot_approve_its_rows_whoever_sent_it(
    team, r4_account, owner, approver, member, prod_rule, sandbox
):
    batch = _batch(team, approver, r4_account, "prod-made-by-the-approver")
    services.batch_send(batch=batch, user=member)
    project = Project.objects.get(batch=batch)
    assert not services.may_approve(approver, project)
    with pytest.raises(services.ServiceError, match="or made its batch, or changed its row"):
        services.project_approve(project=project, user=approver)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING
    refused = AuditEvent.objects.get(action=AuditAction.PROJECT_APPROVAL_REFUSED)
    assert "four eyes" in refused.summary
    assert services.may_approve(owner, project)
    asked = OutboxEvent.objects.get(type=EventType.PROJECT_AWAITING_APPROVAL)
    mailed = set(EmailNotice.objects.filter(event=asked).values_list("user__username", flat=True))
    assert "approver" not in mailed  # not asked to approve what they can't
    assert services.project_approve(project=project, user=owner).status == ProjectStatus.CREATED


def test_whoever_changed_a_row_cannot_approve_it(
    team, r4_account, owner, approver, member, prod_rule, sandbox
):
    batch = _batch(team, member, r4_account, "dev-harmless")
    row = batch.rows.get()
    services.batch_row_update(
        row=row, user=approver, account=str(r4_account.pk), fields={"name": "prod-edited"}
    )
    services.batch_send(batch=batch, user=member)
    project = Project.objects.get(batch=batch)
    assert project.status == ProjectStatus.AWAITING
    with pytest.raises(services.ServiceError, match="or made its batch, or changed its row"):
        services.project_approve(project=project, user=approver)
    assert services.project_approve(project=project, user=owner).status == ProjectStatus.CREATED


def test_the_maker_sees_why_on_the_approvals_page(client, team, r4_account, approver, member):
    services.approval_rule_save(account=r4_account, user=approver, mode="every")
    batch = _batch(team, approver, r4_account, "made-here")
    services.batch_send(batch=batch, user=member)
    client.force_login(approver)
    html = client.get("/approvals/").content.decode()
    assert html.count("You requested this create, made its batch or changed its row") == 1
    assert "Approve and send</button>" not in html
    assert "Launch, made by approver" in html


def test_held_rows_do_not_count_toward_the_plan(
    team, member, r4_account, prod_rule, monkeypatch, sandbox
):
    monkeypatch.setattr("providers.r4.R4.plan_limit", lambda self, plan: 1)
    batch = _batch(team, member, r4_account, "dev-one", "prod-two", "prod-three")
    assert [row.errors for row in batch.rows.order_by("number")] == [{}, {}, {}]
    services.batch_send(batch=batch, user=member)
    statuses = dict(Project.objects.values_list("name", "status"))
    assert statuses == {
        "dev-one": ProjectStatus.CREATED,
        "prod-two": ProjectStatus.AWAITING,
        "prod-three": ProjectStatus.AWAITING,
    }
    over = _batch(team, member, r4_account, "dev-two", "prod-four")
    rows = {row.data["name"]: row.errors for row in over.rows.all()}
    assert (
        rows["prod-four"] == {} and "goes past the plan by 1 row" in rows["dev-two"]["account"][0]
    )
