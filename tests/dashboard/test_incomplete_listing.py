"""A listing that skipped a row it could not read is not whole: nothing is concluded absent
from it (a lost create, or a tracked project), by a person's check or by the sync."""

import io
import uuid
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard import services
from dashboard.models import Project, ProjectStatus
from tests.dashboard.lost_creates import lose_a_create, vendor_has_surely_finished

UNREADABLE_ROW = {"vendor": "r4", "method": "GET", "field": "projects.0.name", "value": None}


@pytest.fixture
def lost(r4_account, member, sandbox, settings):
    """One project made and tracked at R4; then a create lost before R4 got it, past the wait."""
    services.project_create(
        account=r4_account, user=member, data={"name": "Kept"}, idempotency_key=uuid.uuid4()
    )
    project = lose_a_create(r4_account, member, sandbox, name="Lost")
    vendor_has_surely_finished(project, settings)
    return project


def test_a_persons_check_says_the_list_was_incomplete_and_fails_nothing(
    lost, member, sandbox, client
):
    sandbox.inject("mutate", **UNREADABLE_ROW)
    client.force_login(member)
    response = client.post(
        reverse("dashboard:project_reconcile", args=[lost.reference]), follow=True
    )

    lost.refresh_from_db()
    assert lost.status == ProjectStatus.UNKNOWN and not lost.retryable
    assert "1 project R4 listed could not be read" in unescape(response.content.decode())
    with pytest.raises(services.ServiceError):
        services.project_retry(project=lost, user=member)

    # A whole listing, later, concludes it absent as before.
    result = services.project_reconcile(project=lost, user=member)
    assert result.outcome == "failed"


def test_the_sync_counts_the_unreadable_row_and_concludes_nothing_absent(lost, sandbox):
    sandbox.inject("mutate", **UNREADABLE_ROW)
    out = io.StringIO()
    call_command("sync_projects", stdout=out)

    lost.refresh_from_db()
    assert lost.status == ProjectStatus.UNKNOWN
    kept = Project.objects.get(name="Kept")
    assert kept.status == ProjectStatus.CREATED and not kept.missing_at_vendor
    assert "1 listed rows unreadable, so 1 not found can't be concluded absent" in out.getvalue()
