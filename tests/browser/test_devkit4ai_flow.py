"""Connect Dev Kit for AI, see live naming guidance, create, then hit the tier limit."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import ProjectStatus, Role, VendorAccount
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_guidance_create_and_tier_limit(page, live_server, sandbox):
    user = UserFactory(username="dev")
    MembershipFactory(user=user, team=TeamFactory(name="Rocket"), role=Role.ADMIN)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("dev")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/accounts/connect/devkit4ai/")
    page.get_by_label("Label").fill("DevKit main")
    page.get_by_label("Base URL").fill(sandbox.base_url("devkit4ai"))
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Developer key").fill(DEMO_DEVELOPER_KEY)
    page.get_by_role("button", name="Verify and connect").click()
    expect(page.get_by_text("Free Starter (5 active projects)")).to_be_attached()
    assert DEMO_PASSWORD not in page.content() and DEMO_DEVELOPER_KEY not in page.content()

    # Four projects already exist: the next one is the fifth and last on Free Starter.
    ProjectFactory.create_batch(
        4, account=VendorAccount.objects.get(), status=ProjectStatus.CREATED
    )

    page.goto(live_server.url + "/projects/new/")
    name = page.get_by_label("Name")
    name.fill("Test")
    expect(page.locator("#feedback-name .advice").first).to_contain_text("generic")
    name.fill("Staging - Mobile App")
    expect(page.locator("#feedback-name")).to_contain_text("Looks good.")
    expect(page.locator("#feedback-name .advice")).to_have_count(0)
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-status")).to_contain_text("Created at Dev Kit for AI with id")

    page.goto(live_server.url + "/projects/new/")
    page.get_by_label("Name").fill("Staging - Web App")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("alert").filter(has_text="Free Starter")).to_contain_text(
        "allows 5 active projects"
    )
    assert len(sandbox.calls("devkit4ai", method="POST", path="/api/v1/projects/")) == 1
    expect(page).to_have_url(re.compile(r"/projects/new/"))
    assert page.csp_violations == []
