"""A lost create is concluded "not made" only once its vendor has surely finished, by every
check: the hourly sync, the scheduled reconcile, a person's "Check at vendor", an admin's."""

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests.dashboard.lost_creates import lose_a_create, vendor_has_surely_finished
from tests.factories import UserFactory

R4_CREATE = {"method": "POST"}
WAIT = 120  # seconds a lost create is given before it may be concluded "not made"


@pytest.fixture
def just_lost(r4_account, member, sandbox, settings):
    """A create sent a moment ago whose answer was lost; the vendor lists nothing (yet)."""
    settings.PROJECT_RECONCILE_AFTER_SECONDS = WAIT
    return lose_a_create(r4_account, member, sandbox, name="Just sent")


def sync_projects() -> str:
    out = io.StringIO()
    call_command("sync_projects", stdout=out)
    return out.getvalue()


def test_the_hourly_sync_never_fails_a_create_the_vendor_may_still_be_making(
    just_lost, member, sandbox, settings
):
    text = sync_projects()

    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.UNKNOWN and not just_lost.retryable
    assert "0 not found, 1 not found yet (too recent to conclude)" in text
    with pytest.raises(services.ServiceError):
        services.project_retry(project=just_lost, user=member)
    assert len(sandbox.calls("r4", **R4_CREATE)) == 1  # nothing sent a second time
    assert not AuditEvent.objects.filter(action="project.reconciled").exists()

    vendor_has_surely_finished(just_lost, settings)
    text = sync_projects()

    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.FAILED and just_lost.retryable
    assert "You can retry it" in just_lost.error_message and "1 not found, 0 not found yet" in text


def test_the_sync_task_leaves_a_just_lost_create_unknown(just_lost, r4_account):
    from dashboard.tasks import sync_account

    totals = sync_account.call(r4_account.pk)
    just_lost.refresh_from_db()
    assert (totals["waiting"], totals["failed_reconcile"]) == (1, 0)
    assert just_lost.status == ProjectStatus.UNKNOWN


def test_a_persons_early_check_says_not_found_yet_and_fails_nothing(client, just_lost, member):
    client.force_login(member)
    url = reverse("dashboard:project_reconcile", args=[just_lost.reference])
    page = unescape(client.post(url, follow=True).content.decode())

    after = timezone.localtime(just_lost.attempted_at + timedelta(seconds=WAIT))
    assert "Not found at R4 yet. R4 may still be making it" in page
    assert f"look again after {after:%H:%M:%S} UTC" in page
    assert "Retry (same request)" not in page and "Check at vendor" in page
    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.UNKNOWN


def test_an_early_check_by_htmx_sends_the_browser_to_the_page_that_says_so(
    client, just_lost, member
):
    client.force_login(member)
    url = reverse("dashboard:project_reconcile", args=[just_lost.reference])
    response = client.post(url, HTTP_HX_REQUEST="true")

    page_url = reverse("dashboard:project_detail", args=[just_lost.reference])
    assert response.status_code == 200 and response["HX-Redirect"] == page_url
    page = unescape(client.get(page_url).content.decode())
    assert "Not found at R4 yet" in page and "look again after" in page
    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.UNKNOWN


def test_a_check_once_the_vendor_has_surely_finished_fails_it_for_a_retry(
    client, just_lost, member, settings
):
    vendor_has_surely_finished(just_lost, settings)
    client.force_login(member)
    page = client.post(
        reverse("dashboard:project_reconcile", args=[just_lost.reference]), follow=True
    ).content.decode()
    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.FAILED and "Retry (same request)" in page


def test_an_admins_early_check_reports_the_row_still_unknown(client, just_lost):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {"action": "check_at_vendor", "index": 0, "_selected_action": [just_lost.pk]}
    page = unescape(
        client.post(
            reverse("admin:dashboard_project_changelist"), data, follow=True
        ).content.decode()
    )
    row = re.search(r"<li><strong>Just sent</strong>: (.*?) — (.*?)</li>", page)
    assert row and row.group(1) == "still unknown" and "Not found at R4 yet" in row.group(2)
    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.UNKNOWN


def test_the_rule_holds_on_the_row_as_it_is_when_it_is_moved(just_lost, r4_account):
    """A stale copy says "sent long ago", but the row was sent again since (a retry):
    the conditional update reads the row, so the new attempt is not concluded absent."""
    from dashboard.services.reconciling import Listing, reconcile_each, tracked_remote_ids

    stale = Project.objects.get(pk=just_lost.pk)
    stale.attempted_at = timezone.now() - timedelta(hours=1)
    listing = Listing([], asked_at=timezone.now())
    outcomes = reconcile_each([stale], listing, tracked_remote_ids(r4_account))
    just_lost.refresh_from_db()
    assert just_lost.status == ProjectStatus.UNKNOWN and "failed" not in outcomes
