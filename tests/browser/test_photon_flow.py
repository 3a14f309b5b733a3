"""An admin connects Photon by device sign-in, creates a project, and reveals its secret."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import Project
from tests.browser.conftest import log_in_as_a_new_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_device_sign_in_create_with_spectrum_and_reveal(
    page, live_server, sandbox, services_running, settings
):
    # A real worker polls Photon for the sign-in, as in production.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services_running.worker()
    sandbox.vendors["photon"].interval = 1  # fast, but still enforced by the stand-in
    log_in_as_a_new_admin(page, live_server, "ada")

    page.goto(live_server.url + "/accounts/")
    page.get_by_role("link", name="Connect Photon").click()
    device_form = page.locator("form", has=page.get_by_role("button", name="Start sign-in"))
    device_form.get_by_label("Label").fill("Photon main")
    device_form.get_by_label("Base URL").fill(sandbox.base_url("photon"))
    device_form.get_by_role("button", name="Start sign-in").click()

    code = page.get_by_test_id("user-code").inner_text()
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", code)
    link = page.get_by_role("link", name="Open Photon to approve")
    with page.context.expect_page() as approval_info:
        link.click()
    approval = approval_info.value
    expect(approval.get_by_label("Code")).to_have_value(code)
    approval.get_by_role("button", name="Approve").click()
    expect(approval.get_by_role("status")).to_contain_text("Approved")
    approval.close()

    expect(page.get_by_role("status")).to_contain_text(
        "Connected as sandbox@sandbox.photon.test", timeout=15_000
    )
    page.get_by_role("link", name="Go to “Photon main”").click()
    expect(page.get_by_text("Connected", exact=True)).to_be_visible()

    # The create runs in-process from here on, as in the rest of the suite.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

    page.goto(live_server.url + "/projects/new/")
    with page.expect_response(re.compile(r"/projects/new/\?account=\d+")):
        page.get_by_label("Vendor account").select_option(label="Photon · Photon main (Rocket)")
    page.get_by_label("Name").fill("Support bot")
    page.get_by_label("Spectrum").check()
    page.get_by_label("iMessage").check()
    page.get_by_label("Voice").check()
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-status")).to_contain_text("Created at Photon with id")

    project = Project.objects.get()
    secret = project.secrets["projectSecret"]
    assert secret not in page.content()
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#secret-projectSecret")).to_have_text(secret)

    page.get_by_role("link", name="Projects", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Support bot"))
    expect(row).to_contain_text("Photon")
    expect(row).to_contain_text("Created")
    assert secret not in page.content()
    sent = sandbox.calls("photon", method="POST", path="/api/projects/")[-1]["json"]
    assert sent["spectrum"] is True and sent["platforms"] == ["imessage", "voice"]
    assert page.csp_violations == []
