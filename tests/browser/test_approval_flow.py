"""A member asks for a create the account's rule holds; an admin approves it on the
Approvals page; the project settles as created, sent once."""

import re

import pytest
from playwright.sync_api import expect

from dashboard import services
from dashboard.models import ApprovalMode, Project, ProjectStatus, Role
from tests.browser.conftest import log_in, wait_for_htmx_settled
from tests.factories import MembershipFactory, R4AccountFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_requests_an_admin_approves_and_it_is_created(browser, live_server, sandbox):
    team = TeamFactory(name="Rocket")
    admin = UserFactory(username="ada")
    MembershipFactory(user=admin, team=team, role=Role.ADMIN)
    MembershipFactory(user=UserFactory(username="bo"), team=team, role=Role.MEMBER)
    account = R4AccountFactory(team=team, label="R4 prod", base_url=sandbox.base_url("r4"))
    services.approval_rule_save(
        account=account, user=admin, mode=ApprovalMode.PATTERN, pattern="^prod-"
    )

    member = browser.new_context().new_page()
    log_in(member, live_server, "bo")
    member.goto(f"{live_server.url}/projects/new/?account={account.pk}")
    wait_for_htmx_settled(member)
    member.get_by_label("Name").fill("prod-checkout")
    member.get_by_role("button", name="Create project").click()
    status = member.locator("#project-status")
    expect(status).to_contain_text("Awaiting approval")
    expect(status).to_contain_text("Nothing has been sent")
    assert sandbox.calls("r4", method="POST") == []
    project_url = member.url

    approver = browser.new_context().new_page()
    log_in(approver, live_server, "ada")
    approver.get_by_role("link", name="Approvals").click()
    card = approver.locator("article.approval")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("prod-checkout")
    expect(card).to_contain_text("R4 prod")
    expect(card).to_contain_text("bo")
    card.get_by_label("Comment (optional, for the requester)").fill("Go ahead")
    card.get_by_role("button", name="Approve and send").click()
    expect(card).to_contain_text("Approved and queued for R4")

    member.goto(project_url)
    expect(member.locator("#project-status")).to_contain_text(
        re.compile(r"Created at R4 with id [0-9a-f]{24}")
    )
    expect(member.locator("#project-status")).to_contain_text("Approved by ada")
    expect(member.locator("#project-status")).to_contain_text("“Go ahead”")
    project = Project.objects.get()
    assert project.status == ProjectStatus.CREATED and project.decided_by == admin
    sent = sandbox.calls("r4", method="POST")
    assert len(sent) == 1 and sent[0]["json"]["name"] == "prod-checkout"
