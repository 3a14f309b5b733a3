"""A create made at the vendor under an id that can't be stored here is left for a person:
never concluded absent (a retry would make a second one), not looked for again by the
scheduled reconcile, said once in the audit, and shown among what needs attention."""

import uuid
from datetime import timedelta
from html import unescape

from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests.factories import ProjectFactory, UserFactory, photon_account

ID_MAX = Project._meta.get_field("remote_id").max_length


def an_hour_ago(project) -> None:
    Project.objects.filter(pk=project.pk).update(attempted_at=timezone.now() - timedelta(hours=1))


def test_a_create_found_under_an_over_long_id_is_said_once_and_not_looked_for_again(
    r4_account, sandbox
):
    lost = ProjectFactory(account=r4_account, status=ProjectStatus.UNKNOWN)
    an_hour_ago(lost)
    too_long = "d" * (ID_MAX + 1)
    sandbox.vendors["r4"].projects["team0001"][too_long] = {
        "id": too_long,
        "name": lost.name,
        "externalId": str(lost.reference),
    }

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
    sandbox.inject("mutate", vendor="photon", method="POST", field="id", value="x" * (ID_MAX + 1))
    project = services.project_create(
        account=account,
        user=member,
        data={"name": "Made, untracked", "spectrum": True},
        idempotency_key=uuid.uuid4(),
    )
    assert project.status == ProjectStatus.UNKNOWN
    sandbox.vendors["photon"].projects.clear()  # whatever it is called there, not by this name
    an_hour_ago(project)

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
    assert not services.project_can_retry(project)
    assert project.secrets["projectSecret"].startswith("ps_")
    assert not AuditEvent.objects.filter(action="project.reconciled").exists()
    assert len(sandbox.calls("photon", method="POST")) == 1


def test_a_create_left_for_a_person_shows_among_what_needs_attention(client, r4_account, sandbox):
    lost = ProjectFactory(account=r4_account, name="Left here", status=ProjectStatus.UNKNOWN)
    an_hour_ago(lost)
    too_long = "e" * (ID_MAX + 1)
    sandbox.vendors["r4"].projects["team0001"][too_long] = {
        "id": too_long,
        "name": lost.name,
        "externalId": str(lost.reference),
    }
    services.projects_reconcile_unknown()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:dashboard_project_changelist"), {"attention": "unknown"})

    assert "Left here" in page.content.decode()
