"""An operator runs an action from the admin changelist and reads its per-row report."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.models import ProjectStatus
from providers.errors import ErrorKind
from tests.factories import PASSWORD, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_retry_from_the_changelist_reports_each_row(page, live_server, r4_account, sandbox):
    UserFactory(username="operator", is_staff=True, is_superuser=True)
    ProjectFactory(
        account=r4_account,
        name="Vendor was down",
        status=ProjectStatus.FAILED,
        error_kind=ErrorKind.UNAVAILABLE.value,
    )
    ProjectFactory(account=r4_account, name="Refused", status=ProjectStatus.FAILED)
    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Projects: failed").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.get_by_label("Select all objects on this page for an action").check()
    page.get_by_role("combobox", name="Action").select_option(label="Retry (failed creates only)")
    page.get_by_role("button", name="Run").click()
    report = page.locator("ul.row-report li")
    expect(report).to_have_count(2)
    expect(report.filter(has_text="Vendor was down")).to_contain_text("created")
    expect(report.filter(has_text="Refused")).to_contain_text("skipped")
    assert len(sandbox.calls("r4", method="POST")) == 1
