"""The service as `make run` serves it: gunicorn, a db_worker, a slow vendor. A create shows
as pending at once and settles on the page by itself, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.models import Project, ProjectStatus
from tests.browser.conftest import wait_for_htmx_settled
from tests.processes import UserAgent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_create_is_pending_at_first_and_settles_without_a_reload(
    page, services_running, r4_account, member, sandbox
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=3)
    web = services_running.web(workers=2, threads=2)
    services_running.worker()
    session = UserAgent(web.url, member).cookies["sessionid"]  # a session in the shared database
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": web.url}])
    page.goto(f"{web.url}/projects/new/?account={r4_account.pk}")
    wait_for_htmx_settled(page)
    page.locator("#id_name").fill("Staging - Queued")

    page.get_by_role("button", name="Create project").click()

    status = page.locator("#project-status")
    expect(status).to_contain_text("Pending")
    expect(status).to_contain_text("this page updates by itself")
    expect(status.locator(".steps")).to_contain_text("Waiting for R4 to answer")  # sent
    assert Project.objects.get().status == ProjectStatus.PENDING
    navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(1))
    expect(status).to_contain_text(
        re.compile(r"Created at R4 with id [0-9a-f]{24}"), timeout=20_000
    )
    assert navigations == []  # htmx swapped the status in; the page never reloaded
    assert len(sandbox.calls("r4", method="POST")) == 1
    assert page.csp_violations == []
