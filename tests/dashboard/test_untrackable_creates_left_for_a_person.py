"""A create made at the vendor under an id that can't be stored here is left for a person:
never concluded absent (a retry would make a second one), not looked for again by the
scheduled reconcile, said once in the audit, and shown among what needs attention."""

from datetime import timedelta
from html import unescape

from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests.dashboard.over_long_ids import (
    lost_an_hour_ago,
    made_at_r4_under_an_over_long_id,
    photon_create_with_an_over_long_id,
)
from tests.factories import UserFactory, photon_account


def test_a_create_found_under_an_over_long_id_is_said_once_and_not_looked_for_again(
    r4_account, sandbox
):
    lost = lost_an_hour_ago(r4_account)
    made_at_r4_under_an_over_long_id(sandbox, lost, "d")

    for _ in range(3):
        services.projects_reconcile_unknown()  # every SCHEDULE_RECONCILE_SECONDS
        services.account_sync(account=r4_account)  # every SCHEDULE_SYNC_SECONDS

    lost.refresh_from_db()
    assert lost.status == ProjectStatus.UNKNOWN and lost.remote_id == ""
    assert "a person must look at it" in lost.error_message
    said = AuditEvent.objects.filter(action="project.reconciled")
    assert [e.summary for e in said] == [f"{lost.error_message} The outcome stays unknown."]
    # Listed by the first scheduled run and by each sync (which lists for its refresh).
    assert len(sandbox.calls("r4", method="GET")) == 1 + 3


def test_a_create_answered_under_an_unstorable_id_is_never_concluded_absent(
    client, team, member, sandbox
):
    account = photon_account(team, sandbox)
    project = photon_create_with_an_over_long_id(account, member, sandbox, "Made, untracked")
    assert project.status == ProjectStatus.UNKNOWN
    sandbox.vendors["photon"].projects.clear()  # whatever it is called there, not by this name
    Project.objects.filter(pk=project.pk).update(attempted_at=timezone.now() - timedelta(hours=1))

    assert services.projects_reconcile_unknown()["accounts"] == 0  # not even looked for
    totals = services.account_sync(account=account)
    client.force_login(member)
    check = reverse("dashboard:project_reconcile", args=[project.reference])
    page = unescape(client.post(check, follow=True).content.decode())

    assert (totals.failed_reconcile, totals.waiting, totals.still_unknown) == (0, 0, 1)
    assert "Photon created the project, but its id is" in page
    assert "a person must look at it" in page and "Retry (same request)" not in page
    project.refresh_from_db()
    assert project.status == ProjectStatus.UNKNOWN
    assert not project.retryable
    assert project.secrets["projectSecret"].startswith("ps_")
    assert not AuditEvent.objects.filter(action="project.reconciled").exists()
    assert len(sandbox.calls("photon", method="POST")) == 1


def test_a_create_left_for_a_person_shows_among_what_needs_attention(client, r4_account, sandbox):
    lost = lost_an_hour_ago(r4_account, name="Left here")
    made_at_r4_under_an_over_long_id(sandbox, lost, "e")
    services.projects_reconcile_unknown()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:dashboard_project_changelist"), {"attention": "unknown"})

    assert "Left here" in page.content.decode()
