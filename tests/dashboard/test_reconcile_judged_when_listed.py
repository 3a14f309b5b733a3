""" "Not listed" is judged at the moment the listing was asked for, not when the answer is
read: a listing asked for while the vendor may still be making a lost create proves
nothing, however long its answer (or the sync's own work) takes to arrive."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from dashboard.services.vendor_calls import most_requests_per_call
from tests.dashboard.lost_creates import lose_a_create
from tests.factories import UserFactory

WAIT = 60  # PROJECT_RECONCILE_AFTER_SECONDS in these tests
ANSWER_TAKES = 2.5  # seconds the vendor takes to answer the listing


@pytest.fixture
def lost_just_inside_the_wait(r4_account, member, sandbox, settings):
    """A create whose answer was lost WAIT - 1 s ago: a listing asked for now is inside the
    wait; by the time its answer arrives (ANSWER_TAKES later), the wait is over."""
    settings.PROJECT_RECONCILE_AFTER_SECONDS = WAIT
    settings.VENDOR_HTTP_READ_TIMEOUT = ANSWER_TAKES * 4
    project = lose_a_create(r4_account, member, sandbox, name="Just sent")
    sent = timezone.now() - timedelta(seconds=WAIT - 1)
    Project.objects.filter(pk=project.pk).update(attempted_at=sent)
    sandbox.inject("slow", vendor="r4", method="GET", delay=ANSWER_TAKES)
    return project


def still_unknown_and_not_retryable(project, sandbox):
    project.refresh_from_db()
    assert project.status == ProjectStatus.UNKNOWN
    assert not project.retryable
    assert not AuditEvent.objects.filter(action="project.reconciled").exists()
    assert len(sandbox.calls("r4", method="POST")) == 1  # nothing sent a second time


def test_a_sync_whose_listing_was_asked_for_inside_the_wait_fails_nothing(
    lost_just_inside_the_wait, r4_account, sandbox
):
    totals = services.account_sync(account=r4_account)

    assert (totals.failed_reconcile, totals.waiting) == (0, 1)
    still_unknown_and_not_retryable(lost_just_inside_the_wait, sandbox)


def test_a_persons_check_whose_listing_was_asked_for_inside_the_wait_says_not_found_yet(
    client, lost_just_inside_the_wait, member, sandbox
):
    client.force_login(member)
    url = reverse("dashboard:project_reconcile", args=[lost_just_inside_the_wait.reference])

    page = unescape(client.post(url, follow=True).content.decode())

    assert "Not found at R4 yet. R4 may still be making it" in page
    assert "Retry (same request)" not in page
    still_unknown_and_not_retryable(lost_just_inside_the_wait, sandbox)


def test_an_admins_check_whose_listing_was_asked_for_inside_the_wait_reports_still_unknown(
    client, lost_just_inside_the_wait, sandbox
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {
        "action": "check_at_vendor",
        "index": 0,
        "_selected_action": [lost_just_inside_the_wait.pk],
    }
    url = reverse("admin:dashboard_project_changelist")

    page = unescape(client.post(url, data, follow=True).content.decode())

    row = re.search(r"<li><strong>Just sent</strong>: (.*?) — (.*?)</li>", page)
    assert row and row.group(1) == "still unknown" and "Not found at R4 yet" in row.group(2)
    still_unknown_and_not_retryable(lost_just_inside_the_wait, sandbox)


def test_a_listing_asked_for_after_the_wait_still_concludes_absent(
    lost_just_inside_the_wait, r4_account, sandbox
):
    Project.objects.filter(pk=lost_just_inside_the_wait.pk).update(
        attempted_at=timezone.now() - timedelta(seconds=WAIT + 1)
    )
    assert services.account_sync(account=r4_account).failed_reconcile == 1
    lost_just_inside_the_wait.refresh_from_db()
    assert lost_just_inside_the_wait.retryable


def test_a_wait_no_longer_than_a_vendor_call_is_refused_at_startup(db, settings):
    settings.VENDOR_HTTP_TOTAL_TIMEOUT = 45.0
    settings.PROJECT_RECONCILE_AFTER_SECONDS = 45
    with pytest.raises(SystemCheckError, match=r"dashboard\.E006"):
        call_command("check")
    settings.PROJECT_RECONCILE_AFTER_SECONDS = 45 * most_requests_per_call() + 1
    call_command("check")
