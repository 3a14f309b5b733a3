"""An admin sets the team's naming rule on the policy page; the new-project form then says
the team's verdict beside R4's as the name is typed, pre-fills the default, and creates."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.models import Project, Role
from tests.browser.conftest import log_in, wait_for_htmx_settled
from tests.factories import MembershipFactory, R4AccountFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_live_form_shows_the_teams_rule_beside_the_vendors(page, live_server, sandbox):
    admin = UserFactory(username="ines")
    team = TeamFactory(name="Rocket")
    MembershipFactory(user=admin, team=team, role=Role.ADMIN)
    account = R4AccountFactory(
        team=team, label="R4 sandbox", base_url=sandbox.base_url("r4"), access_id="pol00001"
    )
    log_in(page, live_server, "ines")

    page.goto(live_server.url + reverse("dashboard:account_detail", args=[account.pk]))
    page.get_by_role("link", name="Naming rule, required fields, defaults").click()
    page.get_by_label("Name pattern").fill(r"^(dev|staging|prod)-[a-z0-9-]+$")
    page.get_by_label("What it means, in plain words").fill("env-app, lowercase")
    page.get_by_label("Default for External ID").fill("from-the-team")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Policy of “R4 sandbox” saved.")).to_be_visible()

    page.goto(live_server.url + reverse("dashboard:project_new") + f"?account={account.pk}")
    wait_for_htmx_settled(page)
    expect(page.get_by_label("External ID")).to_have_value("from-the-team")
    name = page.get_by_label("Name")
    feedback = page.locator("#feedback-name")
    name.fill("Billing")
    expect(feedback.locator(".team-rule")).to_have_text(
        "Team rule: names must be env-app, lowercase."
    )
    expect(feedback.locator(".ok")).to_have_count(0)
    name.fill("prod-billing")
    expect(feedback.locator(".ok").first).to_have_text("Looks good to R4.")
    expect(feedback.locator(".team-rule")).to_have_text("Team rule met: env-app, lowercase.")

    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-status")).to_contain_text(re.compile(r"Created at R4"))
    project = Project.objects.get()
    assert (project.name, project.payload["externalId"]) == ("prod-billing", "from-the-team")
    [sent] = sandbox.calls("r4", method="POST")
    assert sent["json"]["externalId"] == "from-the-team"
