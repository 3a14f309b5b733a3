"""A lost create whose vendor row is tracked here already (imported by a person, or taken
by another row meanwhile) is never concluded absent: a retry would make a second one."""

import io
import uuid
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectOrigin, ProjectStatus
from dashboard.services import reconciling
from dashboard.services.vendor_answers import RowCheck
from providers.registry import get_provider
from tests.dashboard.lost_creates import lose_a_create, vendor_has_surely_finished


@pytest.fixture
def lost(r4_account, member, sandbox, settings):
    """R4 made it, but the answer was lost; the wait is over."""
    fault = "timeout_after_create"
    project = lose_a_create(r4_account, member, sandbox, name="Lost one", fault=fault)
    vendor_has_surely_finished(project, settings)
    return project


def track_vendor_row(account, name="Lost one (imported)"):
    """Its vendor row, tracked here already as another project (as an import would)."""
    (remote,) = services.importing.list_remote(account)
    return Project.objects.create(
        team=account.team,
        account=account,
        vendor=account.vendor,
        name=name,
        payload={},
        idempotency_key=uuid.uuid4(),
        status=ProjectStatus.CREATED,
        origin=ProjectOrigin.IMPORTED,
        remote_id=remote.remote_id,
    )


def assert_left_for_a_person(project, sandbox, member):
    project.refresh_from_db()
    assert project.status == ProjectStatus.UNKNOWN
    assert not project.retryable
    with pytest.raises(services.ServiceError):
        services.project_retry(project=project, user=member)
    assert len(sandbox.calls("r4", method="POST")) == 1  # never sent a second time


def test_check_at_vendor_never_fails_a_lost_create_whose_row_is_tracked(
    lost, r4_account, member, sandbox
):
    imported = track_vendor_row(r4_account)
    result = services.project_reconcile(project=lost, user=member)

    assert result.outcome == "unreadable"
    assert imported.remote_id in result.problem and "Lost one (imported)" in result.problem
    assert "retry" not in result.problem.lower()
    assert_left_for_a_person(lost, sandbox, member)


def test_the_sync_leaves_it_for_a_person_and_says_so_once(lost, r4_account, member, sandbox):
    track_vendor_row(r4_account)
    for _ in range(2):
        call_command("sync_projects", stdout=io.StringIO())

    assert_left_for_a_person(lost, sandbox, member)
    audits = AuditEvent.objects.filter(action="project.reconciled", target_id=str(lost.pk))
    assert audits.count() == 1
    assert "tracked here already" in audits.get().summary


def test_a_row_taken_by_another_project_meanwhile_is_left_for_a_person(
    lost, r4_account, member, sandbox
):
    (remote,) = services.importing.list_remote(r4_account)
    track_vendor_row(r4_account)  # after the matches were read: the id is taken at write time
    check = RowCheck(get_provider("r4"))
    found = reconciling._mark_found(lost, member, remote, how="one clear match", check=check)

    assert found.outcome == "unreadable"
    call_command("sync_projects", stdout=io.StringIO())
    assert_left_for_a_person(lost, sandbox, member)


def test_the_import_does_not_offer_a_row_that_is_probably_our_lost_create(
    lost, r4_account, owner, client
):
    (candidate,) = services.account_import_candidates(account=r4_account, user=owner)
    assert not candidate.importable and candidate.probably == lost
    assert services.account_import(account=r4_account, user=owner, remote_ids=None) == 0
    assert (
        services.account_import(
            account=r4_account, user=owner, remote_ids=[candidate.remote.remote_id]
        )
        == 0
    )

    client.force_login(owner)
    html = unescape(
        client.get(reverse("dashboard:account_import", args=[r4_account.pk])).content.decode()
    )
    assert "probably" in html and "“Lost one”" in html and "Check at vendor" in html
    assert 'name="remote_id"' not in html
    assert Project.objects.filter(account=r4_account).count() == 1
