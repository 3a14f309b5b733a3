"""Import, refresh, reconcile, stale pending, sync, CSV export, and a constant query count."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests import factories
from tests.factories import ProjectFactory, R4AccountFactory


def create(account, user, **data):
    return services.project_create(
        account=account, user=user, data=data, idempotency_key=uuid.uuid4()
    )


@pytest.fixture
def photon_account(team, owner, sandbox):
    return factories.photon_account(team, sandbox, created_by=owner)


# --- import ------------------------------------------------------------------------------


def test_import_lists_new_and_tracked_and_adopts_only_new(client, r4_account, member, sandbox):
    tracked = create(r4_account, member, name="Made here")
    stand_in = sandbox.vendors["r4"]
    made_elsewhere = stand_in.projects["team0001"]
    made_elsewhere["a" * 24] = {
        "id": "a" * 24,
        "name": "Made in R4",
        "externalId": None,
        "description": "x",
        "createdAt": "2026-01-02T03:04:05Z",
    }
    candidates = services.account_import_candidates(account=r4_account)
    assert {(c.remote.name, c.tracked_reference is not None) for c in candidates} == {
        ("Made here", True),
        ("Made in R4", False),
    }
    client.force_login(member)
    page = client.get(reverse("dashboard:account_import", args=[r4_account.pk])).content.decode()
    assert "Made in R4" in page and "Tracked" in page and 'value="' + "a" * 24 in page
    client.post(
        reverse("dashboard:account_import", args=[r4_account.pk]),
        {"remote_id": ["a" * 24, tracked.remote_id]},
    )
    client.post(
        reverse("dashboard:account_import", args=[r4_account.pk]), {"remote_id": ["a" * 24]}
    )  # again: no dup
    imported = Project.objects.get(origin="imported")
    assert (imported.name, imported.remote_id, imported.status) == (
        "Made in R4",
        "a" * 24,
        "created",
    )
    assert imported.created_at.year == 2026 and Project.objects.count() == 2
    assert AuditEvent.objects.filter(action="project.imported").count() == 1
    listing = client.get(reverse("dashboard:project_list")).content.decode()
    assert "(imported)" in listing


# --- refresh -------------------------------------------------------------------------------


def test_refresh_records_changes_at_the_vendor(r4_account, member, sandbox):
    project = create(r4_account, member, name="Old name", description="old")
    remote = sandbox.vendors["r4"].projects["team0001"][project.remote_id]
    remote.update(name="New name", description="new")
    services.project_refresh(project=project, user=member)
    project.refresh_from_db()
    assert project.name == "New name" and project.vendor_response["description"] == "new"
    event = AuditEvent.objects.get(action="project.refreshed")
    assert "“Old name” → “New name”" in event.summary and "description changed" in event.summary


@pytest.mark.parametrize("vendor", ["r4", "photon"])
def test_a_project_the_vendor_lost_is_flagged_and_kept(
    r4_account, photon_account, member, sandbox, vendor
):
    account = r4_account if vendor == "r4" else photon_account
    project = create(account, member, name="Staging - Gone")
    store = (
        sandbox.vendors["r4"].projects["team0001"]
        if vendor == "r4"
        else sandbox.vendors["photon"].projects
    )
    store.clear()
    services.project_refresh(project=project, user=member)
    project.refresh_from_db()
    assert project.missing_at_vendor and project.status == ProjectStatus.CREATED
    assert AuditEvent.objects.filter(action="project.missing").count() == 1


# --- reconcile -----------------------------------------------------------------------------


def test_r4_timeout_after_create_is_found_by_external_id(r4_account, member, sandbox):
    sandbox.inject("timeout_after_create", vendor="r4", delay=1.5)
    project = create(r4_account, member, name="Staging - Lost")
    assert project.status == ProjectStatus.UNKNOWN
    result = services.project_reconcile(project=project, user=member)
    project.refresh_from_db()
    assert result.outcome == "created" and project.status == ProjectStatus.CREATED
    assert project.remote_id in sandbox.vendors["r4"].projects["team0001"]
    assert len(sandbox.calls("r4", method="POST")) == 1  # found, never re-sent


def test_r4_lost_answer_with_the_users_own_external_id_is_found_by_it(r4_account, member, sandbox):
    sandbox.inject("timeout_after_create", vendor="r4", delay=1.5)
    project = create(r4_account, member, name="Staging - Jira", externalId="PROJ-001")
    assert project.status == ProjectStatus.UNKNOWN
    assert services.project_reconcile(project=project, user=member).outcome == "created"
    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED and project.remote_id


def test_not_found_is_failed_then_a_retry_reuses_the_row_and_key(
    client, r4_account, member, sandbox, settings
):
    sandbox.inject("drop", vendor="r4")  # dropped before the vendor did anything
    project = create(r4_account, member, name="Staging - Dropped")
    key = project.idempotency_key
    # Checked once the vendor has surely finished (an earlier check concludes nothing).
    sent = timezone.now() - timedelta(seconds=settings.PROJECT_RECONCILE_AFTER_SECONDS + 1)
    Project.objects.filter(pk=project.pk).update(attempted_at=sent)
    client.force_login(member)
    client.post(reverse("dashboard:project_reconcile", args=[project.reference]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.FAILED and project.error_code == "not_found_at_vendor"
    page = client.get(
        reverse("dashboard:project_detail", args=[project.reference])
    ).content.decode()
    assert "Retry (same request)" in page and "no matching project" in page
    client.post(reverse("dashboard:project_retry", args=[project.reference]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED and project.idempotency_key == key
    assert Project.objects.count() == 1 and len(sandbox.calls("r4", method="POST")) == 2
    actions = set(
        AuditEvent.objects.filter(target_id=str(project.pk)).values_list("action", flat=True)
    )
    assert {
        "project.unknown",
        "project.reconciled",
        "project.retried",
        "project.created",
    } <= actions


def test_a_created_or_unknown_project_cannot_be_retried(r4_account, member, sandbox):
    project = create(r4_account, member, name="Fine")
    with pytest.raises(services.ServiceError):
        services.project_retry(project=project, user=member)


def test_photon_lost_answer_is_found_by_exact_name_after_the_attempt(
    photon_account, member, sandbox
):
    old = sandbox.vendors["photon"]
    create(photon_account, member, name="Support bot")  # an older, tracked project of the same name
    sandbox.inject("timeout_after_create", vendor="photon", delay=1.5)
    lost = create(photon_account, member, name="Support bot")
    assert lost.status == ProjectStatus.UNKNOWN
    result = services.project_reconcile(project=lost, user=member)
    assert result.outcome == "created"
    lost.refresh_from_db()
    assert (
        lost.remote_id in old.projects
        and Project.objects.filter(remote_id=lost.remote_id).count() == 1
    )


def test_several_matches_are_shown_and_a_person_picks(client, photon_account, member, sandbox):
    sandbox.inject("timeout_after_create", vendor="photon", delay=1.5)
    lost = create(photon_account, member, name="Twin")
    stand_in = sandbox.vendors["photon"]
    twin = dict(next(iter(stand_in.projects.values())), id=str(uuid.uuid4()))
    stand_in.projects[twin["id"]] = twin  # someone made another "Twin" at the same time
    client.force_login(member)
    page = client.post(
        reverse("dashboard:project_reconcile", args=[lost.reference])
    ).content.decode()
    assert "Several projects could be" in page and twin["id"] in page
    client.post(
        reverse("dashboard:project_reconcile", args=[lost.reference]), {"remote_id": twin["id"]}
    )
    lost.refresh_from_db()
    assert lost.status == ProjectStatus.CREATED and lost.remote_id == twin["id"]
    summaries = list(
        AuditEvent.objects.filter(action="project.reconciled").values_list("summary", flat=True)
    )
    assert (
        len(summaries) == 2
        and "chosen by hand" in summaries[0]
        and "2 possible matches" in summaries[1]
    )
    assert (
        client.post(
            reverse("dashboard:project_reconcile", args=[lost.reference]),
            {"remote_id": "not-a-candidate"},
        ).status_code
        == 302
    )


def test_sweep_times_out_from_the_attempt_and_requeues_what_was_never_sent(
    r4_account, member, sandbox, settings, client
):
    settings.PROJECT_PENDING_TIMEOUT_SECONDS = 60
    settings.PROJECT_REQUEUE_AFTER_SECONDS = 30
    an_hour_ago = timezone.now() - timedelta(hours=1)

    def pending_for_an_hour(**times):
        return ProjectFactory(
            account=r4_account, status=ProjectStatus.PENDING, created_at=an_hour_ago, **times
        )

    stuck = pending_for_an_hour(
        queued_at=an_hour_ago, attempted_at=timezone.now() - timedelta(minutes=5)
    )
    # Old, but retried a moment ago: its clock starts at the new attempt.
    retried = pending_for_an_hour(
        queued_at=an_hour_ago, attempted_at=timezone.now() - timedelta(seconds=5)
    )
    never_sent = pending_for_an_hour(queued_at=None)
    client.force_login(member)
    # A page view changes nothing: the sweep runs in the background.
    page = client.get(reverse("dashboard:project_detail", args=[stuck.reference])).content.decode()
    assert "every 2s" in page
    stuck.refresh_from_db()
    assert stuck.status == ProjectStatus.PENDING

    totals = services.projects_sweep()

    assert (totals.timed_out, totals.requeued) == (1, 1)
    for project in (stuck, retried, never_sent):
        project.refresh_from_db()
    assert stuck.status == ProjectStatus.UNKNOWN and stuck.error_code == "stale_pending"
    assert retried.status == ProjectStatus.PENDING
    # Never attempted means never sent: queued again (and sent, by the immediate backend).
    assert never_sent.status == ProjectStatus.CREATED and never_sent.remote_id
    assert len(sandbox.calls("r4", method="POST")) == 1
    assert services.projects_sweep().as_dict() == {
        "timed_out": 0,
        "requeued": 0,
        "senders_restarted": 0,
        "batches_finished": 0,
    }


def test_sync_projects_command_does_everything_and_prints_totals(
    r4_account, member, sandbox, settings
):
    settings.PROJECT_PENDING_TIMEOUT_SECONDS = 60
    changed = create(r4_account, member, name="Will change")
    sandbox.vendors["r4"].projects["team0001"][changed.remote_id]["name"] = "Changed"
    sandbox.inject("timeout_after_create", vendor="r4", delay=1.5)
    lost = create(r4_account, member, name="Lost")
    ProjectFactory(  # sent an hour ago, never answered
        account=r4_account,
        status=ProjectStatus.PENDING,
        created_at=timezone.now() - timedelta(hours=1),
        attempted_at=timezone.now() - timedelta(hours=1),
    )
    R4AccountFactory(
        team=r4_account.team,
        base_url=sandbox.base_url("r4"),
        access_id="zzz0001",
        credentials={"api_key": "rk_zzz0001.wrongwrongwrongwrong"},
    )
    out = io.StringIO()
    call_command("sync_projects", stdout=out)
    text = out.getvalue()
    assert "Pending projects: 1 timed out → outcome unknown, 0 queued again" in text
    assert "1 changed" in text and "unknown → 1 found" in text and "R4 rejected the API key" in text
    assert "Totals: accounts 1, errors 1" in text
    changed.refresh_from_db()
    lost.refresh_from_db()
    assert changed.name == "Changed" and lost.status == ProjectStatus.CREATED
    out = io.StringIO()
    call_command("sync_projects", account=r4_account.pk, stdout=out)
    assert "[1/1]" in out.getvalue()


# --- export, counts, query count ------------------------------------------------------------------


def test_csv_export_follows_the_filters_and_holds_no_secrets(client, r4_account, member, outsider):
    ProjectFactory(
        account=r4_account,
        name="=cmd|' /C calc'!A0",
        status=ProjectStatus.CREATED,
        secrets={"projectSecret": "ps_SHOULD_NOT_EXPORT"},
    )
    ProjectFactory(account=r4_account, name="Failed one", status=ProjectStatus.FAILED)
    client.force_login(member)
    response = client.get(reverse("dashboard:project_export"), {"status": "created"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["vendor", "account", "team", "name"]
    assert len(rows) == 2 and rows[1][3] == "'=cmd|' /C calc'!A0"  # formula defused
    assert "ps_SHOULD_NOT_EXPORT" not in body and "Failed one" not in body
    client.force_login(outsider)
    body = b"".join(client.get(reverse("dashboard:project_export")).streaming_content).decode()
    assert body.strip().count("\n") == 0  # header only


def test_the_list_shows_counts_per_status_and_vendor(client, r4_account, member):
    ProjectFactory.create_batch(3, account=r4_account, status=ProjectStatus.CREATED)
    ProjectFactory(account=r4_account, status=ProjectStatus.UNKNOWN)
    client.force_login(member)
    html = client.get(reverse("dashboard:project_list")).content.decode()
    assert "<strong>4</strong> projects" in html and "R4: 4" in html
    assert "Created: 3" in html and "Outcome unknown: 1" in html
    html = client.get(
        reverse("dashboard:project_list"), {"status": "unknown"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<strong>1</strong> project<" in html


@pytest.mark.parametrize(
    "params", [{}, {"q": "Bulk"}, {"status": "created", "vendor": "r4", "sort": "name"}]
)
def test_the_list_makes_a_constant_number_of_queries(client, team, member, sandbox, params):
    accounts = [R4AccountFactory(team=team) for _ in range(3)]
    client.force_login(member)

    def queries_with(n):
        Project.objects.all().delete()
        for i in range(n):
            ProjectFactory(
                account=accounts[i % 3],
                name=f"Bulk {i}",
                status=ProjectStatus.CREATED,
                created_by=member,
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard:project_list"), params).status_code == 200
        return len(captured)

    assert queries_with(3) == queries_with(60)


def test_the_scheduled_reconcile_waits_until_a_slow_vendor_has_surely_finished(
    r4_account, member, sandbox, settings
):
    settings.PROJECT_RECONCILE_AFTER_SECONDS = 120
    just_lost = ProjectFactory(
        account=r4_account,
        status=ProjectStatus.UNKNOWN,
        attempted_at=timezone.now() - timedelta(seconds=30),
    )
    long_lost = ProjectFactory(
        account=r4_account,
        status=ProjectStatus.UNKNOWN,
        attempted_at=timezone.now() - timedelta(minutes=5),
    )
    totals = services.projects_reconcile_unknown()
    just_lost.refresh_from_db()
    long_lost.refresh_from_db()
    assert totals["failed"] == 1 and long_lost.status == ProjectStatus.FAILED
    assert just_lost.status == ProjectStatus.UNKNOWN  # the vendor may still be making it
