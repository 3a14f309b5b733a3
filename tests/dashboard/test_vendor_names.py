"""A vendor's names pass the check a typed name passes, and one bad row never breaks the
rest of an import or a sync (on PostgreSQL a NUL used to break the whole of either)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from providers.base import ErrorKind, ProviderError
from providers.r4 import R4
from tests.factories import ProjectFactory

BAD_NAMES = ["Null\x00byte", "Escape \x1b[31mred", "Bell\x07", "Two\nlines", "N" * 256]


@pytest.fixture
def listed(sandbox, r4_account):
    return sandbox.vendors["r4"].projects["team0001"]


def put(listed, index: int, name: str, **fields) -> str:
    remote_id = f"{index:024x}"
    listed[remote_id] = {"id": remote_id, "name": name, "externalId": None, **fields}
    return remote_id


def test_an_import_adopts_the_good_names_and_says_why_not_the_others(
    client, member, r4_account, listed
):
    for index, name in enumerate(BAD_NAMES):
        put(listed, index, name)
    put(listed, 99, "  Fine  ")
    url = reverse("dashboard:account_import", args=[r4_account.pk])
    client.force_login(member)

    response = client.post(url, {"all": "1"}, follow=True)

    assert list(Project.objects.values_list("name", flat=True)) == ["Fine"]
    assert AuditEvent.objects.filter(action="project.imported").count() == 1
    page = response.content.decode()
    assert "Imported 1 project" in page
    assert "5 projects listed by R4 can't be imported" in page
    assert page.count("Name contains control characters") == 4
    assert "Name is 256 characters; the most this vendor accepts is 255." in page
    assert "\x00" not in page and "\x1b" not in page


def test_a_sync_skips_a_project_renamed_to_a_bad_name_and_refreshes_the_others(r4_account, listed):
    kept, renamed = put(listed, 1, "Kept"), put(listed, 2, "Old name")
    services.account_import(account=r4_account, user=None, remote_ids=None)
    listed[kept]["name"] = "Broken\x00name"
    listed[renamed]["name"] = "New name"

    totals = services.account_sync(account=r4_account)

    names = dict(Project.objects.values_list("remote_id", "name"))
    assert names == {kept: "Kept", renamed: "New name"}
    assert not Project.objects.filter(missing_at_vendor=True).exists()
    assert (totals.refused, totals.changed, totals.missing) == (1, 1, 0)


def test_a_sync_skips_a_description_with_a_nul(r4_account, listed):
    remote_id = put(listed, 1, "Described", description="old")
    services.account_import(account=r4_account, user=None, remote_ids=None)
    listed[remote_id]["description"] = "new\x00"
    totals = services.account_sync(account=r4_account)
    assert Project.objects.get().vendor_response == {"description": "old"}
    assert totals.refused == 1


def test_a_refresh_that_brings_a_bad_name_says_why_and_changes_nothing(
    client, member, r4_account, sandbox, listed
):
    project = services.project_create(
        account=r4_account, user=member, data={"name": "Clean"}, idempotency_key=uuid.uuid4()
    )
    listed[project.remote_id]["name"] = "Dirty\x00"
    client.force_login(member)

    page = client.post(
        reverse("dashboard:project_refresh", args=[project.reference]), follow=True
    ).content.decode()

    assert "a name typed here would be refused: Name contains control characters" in page
    project.refresh_from_db()
    assert project.name == "Clean" and not project.missing_at_vendor


def test_a_vendor_refusal_quoting_a_nul_is_recorded(r4_account, member, sandbox, monkeypatch):
    def refuses(self, **kwargs):
        raise ProviderError(
            ErrorKind.INVALID,
            "R4 refused the project: bad\x00name",
            field="name",
            code="bad\x00code",
            status=400,
        )

    monkeypatch.setattr(R4, "create_project", refuses)
    project = services.project_create(
        account=r4_account, user=member, data={"name": "Fine"}, idempotency_key=uuid.uuid4()
    )
    assert project.status == ProjectStatus.FAILED
    assert project.error_message == "R4 refused the project: badname"
    assert project.error_code == "badcode" and project.error_fields == {
        "name": project.error_message
    }
    event = AuditEvent.objects.get(action="project.failed")
    assert "\x00" not in event.summary and "badname" in event.summary


def test_a_lost_create_found_under_a_bad_name_is_created_and_keeps_our_name(r4_account, listed):
    lost = ProjectFactory(
        account=r4_account,
        name="Ours",
        status=ProjectStatus.UNKNOWN,
        attempted_at=timezone.now() - timedelta(hours=1),
    )
    remote_id = put(listed, 7, "Theirs\x00", externalId=str(lost.reference))
    assert services.account_sync(account=r4_account).reconciled == 1
    lost.refresh_from_db()
    assert (lost.status, lost.remote_id, lost.name) == (ProjectStatus.CREATED, remote_id, "Ours")
