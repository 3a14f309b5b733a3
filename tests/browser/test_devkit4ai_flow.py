"""Connect Dev Kit for AI, see live naming guidance, create, then hit the tier limit."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import ProjectStatus, VendorAccount
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import connect_through_the_form, log_in_as_a_new_admin
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_guidance_create_and_tier_limit(page, live_server, sandbox):
    log_in_as_a_new_admin(page, live_server, "dev")

    page.goto(live_server.url + "/accounts/connect/devkit4ai/")
    typed = {"Email": DEMO_EMAIL, "Password": DEMO_PASSWORD, "Developer key": DEMO_DEVELOPER_KEY}
    connect_through_the_form(page, "DevKit main", sandbox.base_url("devkit4ai"), typed)
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
