"""A large export is built by a worker and downloaded when ready, by its requester only."""

import csv
import io

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import ExportChunk, ExportStatus, ProjectExport
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def large(settings, r4_account):
    settings.EXPORT_STREAM_MAX_ROWS = 5
    ProjectFactory.create_batch(7, account=r4_account, status="created")
    ProjectFactory.create_batch(2, account=r4_account, status="failed")


def test_a_small_export_streams_and_a_large_one_is_built_in_the_background(
    client, member, large, monkeypatch
):
    monkeypatch.setattr(services.exports, "BATCH", 3)
    client.force_login(member)
    small = client.get(reverse("dashboard:project_export"), {"status": "failed"})
    assert small["Content-Type"].startswith("text/csv") and len(body(small).splitlines()) == 3

    response = client.get(reverse("dashboard:project_export"))  # 9 rows > 5: a background job
    export = ProjectExport.objects.get()
    assert response["Location"] == reverse("dashboard:export_detail", args=[export.reference])
    page = client.get(response["Location"]).content.decode()
    assert "9 projects" in page and page.count("Download CSV") == 1  # built at once in tests
    assert ExportChunk.objects.filter(export=export).count() == 4  # header+2, 3, 3, 1 rows
    rows = list(
        csv.reader(
            io.StringIO(
                body(client.get(reverse("dashboard:export_download", args=[export.reference])))
            )
        )
    )
    assert len(rows) == 10 and rows[0][0] == "vendor"
    assert services.export_build(export.pk) == "skipped: not queued"  # built once


def test_a_search_is_counted_only_as_far_as_the_limit(client, member, large):
    client.force_login(member)
    assert client.get(reverse("dashboard:project_export"), {"q": "Project"}).status_code == 302
    assert client.get(reverse("dashboard:project_export"), {"q": "zzz"}).status_code == 200


def test_someone_else_cannot_see_or_download_an_export(client, member, owner, large):
    client.force_login(member)
    client.get(reverse("dashboard:project_export"))
    export = ProjectExport.objects.get()
    client.force_login(owner)  # same team, another person
    assert (
        client.get(reverse("dashboard:export_detail", args=[export.reference])).status_code == 404
    )
    assert (
        client.get(reverse("dashboard:export_download", args=[export.reference])).status_code == 404
    )


def test_a_failed_build_keeps_no_half_file_and_says_so(client, member, large, monkeypatch):
    def broken(query):
        yield services.exports.CsvBatch("vendor\r\n", rows=0)
        raise OSError("database went away")

    monkeypatch.setattr(services.exports, "csv_batches", broken)
    client.force_login(member)
    page = client.get(client.get(reverse("dashboard:project_export"))["Location"]).content.decode()
    export = ProjectExport.objects.get()
    assert export.status == ExportStatus.FAILED and "The export failed; try again" in page
    assert not ExportChunk.objects.exists() and "Download CSV" not in page


def test_old_exports_are_pruned_and_a_dead_build_is_marked_failed(member, large):
    from datetime import timedelta

    from django.utils import timezone

    stuck = ProjectExport.objects.create(requested_by=member, status=ExportStatus.BUILDING)
    ProjectExport.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=2))
    old = ProjectExport.objects.create(requested_by=member, status=ExportStatus.READY)
    ProjectExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    services.exports_prune()
    assert list(ProjectExport.objects.values_list("status", flat=True)) == [ExportStatus.FAILED]
