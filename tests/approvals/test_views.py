"""The Approvals page, its htmx decisions with a plain-form fallback, the approval-rule page,
and what the requester sees on the project page."""

import re

import pytest
from django.urls import reverse

from dashboard.models import (
    ApprovalMode,
    ApprovalRule,
    AuditAction,
    AuditEvent,
    Project,
    ProjectStatus,
)
from tests.approvals.conftest import request_create

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard:approvals")


def _cards(html: str) -> int:
    return len(re.findall(r'<article class="card approval"', html))


def test_the_page_shows_exactly_what_will_be_sent_and_no_secret(
    client, r4_account, member, approver, prod_rule
):
    project = request_create(r4_account, member, "prod-web")
    Project.objects.filter(pk=project.pk).update(secrets={"token": "sekrit-do-not-show"})
    request_create(r4_account, member, "dev-web")  # not held: created, not listed
    client.force_login(approver)
    html = client.get(PAGE).content.decode()
    assert _cards(html) == 1
    assert "prod-web" in html and "dev-web" not in html
    assert "<code>held</code>" in html  # the description field, as it will be sent
    assert r4_account.label in html and "member" in html
    assert "sekrit-do-not-show" not in html
    assert 'href="/approvals/"' in html  # the nav link, for admins


def test_htmx_approve_answers_the_card_alone_and_sends_it(
    client, r4_account, member, approver, prod_rule, sandbox
):
    project = request_create(r4_account, member, "prod-htmx")
    client.force_login(approver)
    url = reverse("dashboard:approval_approve", args=[project.reference])
    answer = client.post(url, {"comment": "ship it"}, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html
    assert _cards(html) == 1 and "Approved and queued" in html
    assert "<form" not in html  # decided: no buttons left
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.CREATED
    assert len(sandbox.calls("r4", method="POST")) == 1
    assert _cards(client.get(PAGE).content.decode()) == 0


def test_plain_form_reject_redirects_with_a_message(
    client, r4_account, member, approver, prod_rule
):
    project = request_create(r4_account, member, "prod-plain")
    client.force_login(approver)
    url = reverse("dashboard:approval_reject", args=[project.reference])
    answer = client.post(url, {"comment": "no"}, follow=True)
    assert answer.redirect_chain == [(PAGE, 302)]
    assert "rejected; it will not be sent" in answer.content.decode()
    assert Project.objects.get(pk=project.pk).decision_comment == "no"


def test_the_requester_sees_no_approve_button_and_is_refused(
    client, r4_account, owner, approver, prod_rule
):
    project = request_create(r4_account, owner, "prod-own")
    client.force_login(owner)
    html = client.get(PAGE).content.decode()
    assert _cards(html) == 1 and "Approve and send" not in html
    assert "another team admin approves it" in html
    url = reverse("dashboard:approval_approve", args=[project.reference])
    answer = client.post(url, HTTP_HX_REQUEST="true")
    assert "another team admin must approve" in answer.content.decode()
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_a_late_second_decision_is_told_who_won(
    client, r4_account, member, approver, owner, prod_rule
):
    project = request_create(r4_account, member, "prod-late")
    client.force_login(approver)
    client.post(reverse("dashboard:approval_reject", args=[project.reference]))
    client.force_login(owner)
    url = reverse("dashboard:approval_approve", args=[project.reference])
    html = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "no longer awaiting approval: it was rejected by approver" in html
    refused = AuditEvent.objects.filter(action=AuditAction.PROJECT_APPROVAL_REFUSED, actor=owner)
    assert refused.count() == 1


@pytest.mark.parametrize("role", ["member", "viewer", "outsider"])
def test_non_admins_see_nothing_and_cannot_decide(
    client, r4_account, member, owner, prod_rule, role, request
):
    project = request_create(r4_account, owner, "prod-hidden")
    client.force_login(request.getfixturevalue(role))
    html = client.get(PAGE).content.decode()
    assert _cards(html) == 0 and "prod-hidden" not in html
    for name in ("dashboard:approval_approve", "dashboard:approval_reject"):
        url = reverse(name, args=[project.reference])
        assert client.post(url).status_code == 404
        assert client.post(url, HTTP_HX_REQUEST="true").status_code == 404
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.AWAITING


def test_the_requester_sees_the_state_on_the_project_page(
    client, r4_account, member, approver, prod_rule
):
    project = request_create(r4_account, member, "prod-state")
    client.force_login(member)
    detail = reverse("dashboard:project_detail", args=[project.reference])
    html = client.get(detail).content.decode()
    assert "Awaiting approval" in html and "Nothing has been sent" in html
    assert html.count('hx-trigger="every 15s"') == 1  # it follows the decision by itself
    client.force_login(approver)
    client.post(reverse("dashboard:approval_reject", args=[project.reference]), {"comment": "Wait"})
    client.force_login(member)
    html = client.get(detail, HTTP_HX_REQUEST="true").content.decode()
    assert "Rejected by approver" in html and "“Wait”" in html
    assert "hx-trigger" not in html  # decided: nothing more to follow


def test_the_rule_page_saves_a_pattern_and_refuses_a_catastrophic_one(client, r4_account, owner):
    client.force_login(owner)
    url = reverse("dashboard:approval_rule", args=[r4_account.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"mode": "pattern", "pattern": r"^(a|aa)+$"})
    assert bad.status_code == 422 and "takes too long" in bad.content.decode()
    assert not ApprovalRule.objects.exists()
    saved = client.post(url, {"mode": "pattern", "pattern": "^prod-"})
    assert saved.status_code == 302
    rule = ApprovalRule.objects.get(account=r4_account)
    assert (rule.mode, rule.pattern) == (ApprovalMode.PATTERN, "^prod-")
    assert AuditEvent.objects.filter(action=AuditAction.APPROVAL_RULE_CHANGED).count() == 1


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"mode": "pattern", "pattern": ""}, "Enter a regular expression"),
        ({"mode": "pattern", "pattern": "x" * 201}, "the limit is 200"),
        ({"mode": "pattern", "pattern": "a\x00b"}, "control characters"),
        ({"mode": "pattern", "pattern": "("}, "valid at character 2"),
        ({"mode": "sometimes"}, "Choose one of the rules"),
        ({"mode": ""}, "Choose one of the rules"),
    ],
)
def test_bad_rule_input_is_refused_and_changes_nothing(client, r4_account, owner, data, says):
    client.force_login(owner)
    url = reverse("dashboard:approval_rule", args=[r4_account.pk])
    answer = client.post(url, data)
    assert answer.status_code == 422 and says in answer.content.decode()
    assert not ApprovalRule.objects.exists()


def test_self_approval_only_for_a_single_admin_and_audited(client, r4_account, owner, team):
    client.force_login(owner)
    url = reverse("dashboard:approval_rule", args=[r4_account.pk])
    assert "Allow self-approval" in client.get(url).content.decode()
    assert client.post(url, {"self_approval": "on"}).status_code == 302
    team.refresh_from_db()
    assert team.self_approval
    assert AuditEvent.objects.filter(action=AuditAction.SELF_APPROVAL_CHANGED).count() == 1


def test_self_approval_refused_with_two_admins(client, r4_account, owner, approver, team):
    client.force_login(owner)
    url = reverse("dashboard:approval_rule", args=[r4_account.pk])
    answer = client.post(url, {"self_approval": "on"})
    assert answer.status_code == 422 and "single admin" in answer.content.decode()
    team.refresh_from_db()
    assert not team.self_approval


def test_the_header_counts_what_awaits_the_admin_and_no_one_else(
    client, r4_account, member, approver, prod_rule
):
    client.force_login(approver)
    assert "nav-count" not in client.get(PAGE).content.decode()
    request_create(r4_account, member, "prod-one")
    request_create(r4_account, member, "prod-two")
    html = client.get(PAGE).content.decode()
    assert html.count('<span class="nav-count">2<span class="visually-hidden"> awaiting') == 1
    client.force_login(member)  # not an admin: no Approvals link, no count
    assert "nav-count" not in client.get(reverse("dashboard:project_list")).content.decode()
