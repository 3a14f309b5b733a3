"""A sync writes only what changed, and reads each account's lists once per run."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditAction, AuditEvent, Project, ProjectStatus
from tests.factories import ProjectFactory


def writes_to_projects(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "dashboard_project"')]


def test_a_second_sync_with_nothing_changed_writes_no_project(r4_account, sandbox):
    listed = sandbox.vendors["r4"].projects["team0001"]
    for i in range(30):
        listed[f"{i:024x}"] = {"id": f"{i:024x}", "name": f"Vendor {i}", "externalId": None}
    services.account_import(account=r4_account, user=None, remote_ids=None)
    services.account_sync(account=r4_account)
    listed[f"{3:024x}"]["name"] = "Renamed at the vendor"
    del listed[f"{4:024x}"]
    with CaptureQueriesContext(connection) as first:
        totals = services.account_sync(account=r4_account)
    assert (totals.refreshed, totals.changed, totals.missing) == (30, 2, 1)
    assert len(writes_to_projects(first.captured_queries)) == 2
    with CaptureQueriesContext(connection) as again:
        totals = services.account_sync(account=r4_account)
    assert (totals.changed, totals.missing) == (0, 1)
    assert writes_to_projects(again.captured_queries) == []
    assert Project.objects.get(remote_id=f"{3:024x}").name == "Renamed at the vendor"
    r4_account.refresh_from_db()
    assert r4_account.last_synced_at is not None


def test_reconcile_reads_the_tracked_ids_once_however_many_are_unknown(r4_account, sandbox):
    listed = sandbox.vendors["r4"].projects["team0001"]
    for i in range(20):
        listed[f"{i:024x}"] = {"id": f"{i:024x}", "name": f"Vendor {i}", "externalId": None}
    services.account_import(account=r4_account, user=None, remote_ids=None)
    lost_long_ago = timezone.now() - timedelta(hours=1)
    ProjectFactory.create_batch(
        15, account=r4_account, status=ProjectStatus.UNKNOWN, attempted_at=lost_long_ago
    )
    with CaptureQueriesContext(connection) as captured:
        totals = services.account_sync(account=r4_account)
    assert totals.failed_reconcile == 15
    reads = [
        q for q in captured.captured_queries if 'SELECT "dashboard_project"."remote_id"' in q["sql"]
    ]
    assert len(reads) == 1
    # Those not found are marked failed together: one update, one insert of audit events.
    assert len(writes_to_projects(captured.captured_queries)) == 1
    audits = [
        q for q in captured.captured_queries if 'INSERT INTO "dashboard_auditevent"' in q["sql"]
    ]
    assert len(audits) == 1
    assert AuditEvent.objects.filter(action=AuditAction.PROJECT_RECONCILED).count() == 15
