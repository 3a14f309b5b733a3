"""Connect an OTAS sandbox account by login, create a project with a domain, find it in the list."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import Project
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import connect_through_the_form, log_in_as_a_new_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_otas_by_login_and_create_with_a_domain(page, live_server, sandbox):
    log_in_as_a_new_admin(page, live_server, "ops")

    page.goto(live_server.url + "/accounts/")
    page.get_by_role("link", name="Connect OTAS").click()
    typed = {"Email": DEMO_EMAIL, "Password": DEMO_PASSWORD}
    connect_through_the_form(page, "OTAS self-hosted", sandbox.base_url("otas"), typed)
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
