"""Connect an OTAS sandbox account by login, create a project with a domain, find it in the list."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import Project, Role
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_otas_by_login_and_create_with_a_domain(page, live_server, sandbox):
    user = UserFactory(username="ops")
    MembershipFactory(user=user, team=TeamFactory(name="Rocket"), role=Role.ADMIN)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/accounts/")
    page.get_by_role("link", name="Connect OTAS").click()
    page.get_by_label("Label").fill("OTAS self-hosted")
    page.get_by_label("Base URL").fill(sandbox.base_url("otas"))
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Verify and connect").click()
    expect(page.get_by_text(DEMO_EMAIL, exact=True)).to_be_visible()
    assert DEMO_PASSWORD not in page.content()

    page.goto(live_server.url + "/projects/new/")
    page.get_by_label("Name").fill("My Agent App")
    domain = page.get_by_label("Domain")
    domain.fill("myapp.example.com")
    expect(page.locator("#feedback-project_domain .error")).to_contain_text("http")
    domain.fill("https://myapp.example.com")
    expect(page.locator("#feedback-project_domain")).to_contain_text("Looks good.")
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-status")).to_contain_text("Created at OTAS with id")

    page.get_by_role("link", name="Projects", exact=True).click()
    row = page.get_by_role("row", name=re.compile("My Agent App"))
    expect(row).to_contain_text("OTAS")
    expect(row).to_contain_text(Project.objects.get().remote_id)
    sent = sandbox.calls("otas", method="POST", path="/api/project/v1/create/")
    assert [c["json"]["project_domain"] for c in sent] == ["https://myapp.example.com"]
    assert page.csp_violations == []
