"""Log in, connect an R4 sandbox account, create a project, see it in the list."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import Project, Role
from providers.sandbox.r4 import mint_key
from tests.browser.conftest import connect_through_the_form, log_in, wait_for_htmx_settled
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    R4AccountFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_r4_create_a_project_and_find_it_in_the_list(page, live_server, sandbox):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, team=TeamFactory(name="Rocket"), role=Role.ADMIN)
    key = mint_key("brow0001")

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="Connect R4").click()
    connect_through_the_form(page, "R4 sandbox", sandbox.base_url("r4"), {"API key": key})
    expect(page.get_by_text("rk_brow0001.••••", exact=True)).to_be_visible()
    assert key.split(".")[1] not in page.content()

    page.get_by_role("link", name="New project").first.click()
    with page.expect_response(re.compile(r"/projects/new/\?account=\d+")):
        page.get_by_label("Vendor account").select_option(label="R4 · R4 sandbox (Rocket)")
    name = page.get_by_label("Name")
    expect(name).to_be_visible()  # htmx swapped in the R4 form
    wait_for_htmx_settled(page)
    expect(page).to_have_url(re.compile(r"/projects/new/\?account=\d+"))  # and pushed the URL

    # Live validation as the user types (debounced, server-rendered).
    name.fill("   ")
    expect(page.locator("#feedback-name")).to_contain_text("Name is required.")
    name.fill("Staging - Browser check")
    expect(page.locator("#feedback-name")).to_contain_text("Looks good.")
    expect(page.locator("#feedback-name .counter")).to_have_text("23 / 255")

    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-status")).to_contain_text(
        re.compile(r"Created at R4 with id [0-9a-f]{24}")
    )

    page.get_by_role("link", name="Projects", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Staging - Browser check"))
    expect(row).to_contain_text("Created")
    project = Project.objects.get()
    expect(row).to_contain_text(project.remote_id)
    assert len(sandbox.calls("r4", method="POST")) == 1
    assert page.csp_violations == []


def test_a_long_paste_is_not_cut_and_the_field_is_marked_until_fixed(page, live_server, sandbox):
    user = UserFactory(username="paster")
    team = TeamFactory(name="Paste")
    MembershipFactory(user=user, team=team, role=Role.MEMBER)
    account = R4AccountFactory(team=team, base_url=sandbox.base_url("r4"))
    log_in(page, live_server, "paster")
    page.goto(f"{live_server.url}/projects/new/?account={account.pk}")
    wait_for_htmx_settled(page)
    name = page.locator("#id_name")

    name.fill("x" * 300)  # a paste: nothing cuts it to 255

    expect(name).to_have_value("x" * 300)
    feedback = page.locator("#feedback-name")
    expect(feedback).to_contain_text("is 300 characters; the most this vendor accepts is 255")
    expect(page.locator("#feedback-name .counter.over")).to_have_text("300 / 255")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(feedback).not_to_contain_text("Looks good.")
    name.fill("Staging - Fixed")
    expect(feedback).to_contain_text("Looks good.")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    assert page.csp_violations == []
