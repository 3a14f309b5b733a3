"""A team admin manages the team in the browser; a project page holds each action once."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.models import AuditEvent, Membership, ProjectStatus, Role
from tests.browser.conftest import log_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_admin_adds_a_member_changes_the_role_and_removes_them(page, live_server, team):
    MembershipFactory(user=UserFactory(username="ada"), team=team, role=Role.ADMIN)
    UserFactory(username="bo", email="bo@example.com")
    log_in(page, live_server, "ada")
    page.get_by_role("link", name="Teams").click()

    page.get_by_label("Username or email").fill("bo@example.com")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name=f"Add to {team.name}").click()
    row = page.get_by_role("row").filter(has_text="bo")
    expect(page.get_by_label("Role of bo")).to_have_value("viewer")

    page.get_by_label("Role of bo").select_option("admin")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_label("Role of bo")).to_have_value("admin")

    page.get_by_role("button", name="Remove bo").click()
    expect(page.get_by_label("Role of bo")).to_have_count(0)
    assert not Membership.objects.filter(user__username="bo").exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor__username")) == [
        ("team.member_added", "ada"),
        ("team.member_role_changed", "ada"),
        ("team.member_removed", "ada"),
    ]
    assert page.csp_violations == []


ACTIONS = ("Refresh from vendor", "Check at vendor", "Retry (same request)")


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        ({"status": ProjectStatus.CREATED, "remote_id": "a" * 24}, "Refresh from vendor"),
        ({"status": ProjectStatus.UNKNOWN, "attempted_at": timezone.now}, "Check at vendor"),
        ({"status": ProjectStatus.FAILED, "error_kind": "unavailable"}, "Retry (same request)"),
    ],
)
def test_a_project_page_holds_each_action_exactly_once(
    browser, live_server, r4_account, state, offered
):
    ada = UserFactory(username="ada")
    MembershipFactory(user=ada, team=r4_account.team, role=Role.MEMBER)
    state = {k: v() if callable(v) else v for k, v in state.items()}
    project = ProjectFactory(account=r4_account, created_by=ada, **state)
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_server, "ada")
    page.goto(live_server.url + reverse("dashboard:project_detail", args=[project.reference]))

    counts = {name: page.get_by_role("button", name=name, exact=True).count() for name in ACTIONS}
    assert counts == {name: int(name == offered) for name in ACTIONS}
    assert page.get_by_text("Origin", exact=True).count() == 1
    assert page.get_by_role("heading", name="Sent and answered").count() == 1

    page.get_by_role("button", name="Copy our reference").click()
    expect(page.get_by_role("button", name="Copy our reference")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == str(project.reference)
    context.close()
