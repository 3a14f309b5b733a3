"""A vendor id longer than its column is refused, never cut: a cut id never matches again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests import factories
from tests.dashboard.over_long_ids import (
    ID_MAX,
    lost_an_hour_ago,
    made_at_r4_under_an_over_long_id,
    photon_create_with_an_over_long_id,
)


@pytest.fixture
def photon_account(team, sandbox):
    return factories.photon_account(team, sandbox)


def test_an_over_long_id_is_never_imported_and_never_offered_as_new(
    client, member, r4_account, sandbox
):
    listed = sandbox.vendors["r4"].projects["team0001"]
    too_long = "a" * (ID_MAX + 1)
    listed[too_long] = {"id": too_long, "name": "Long id", "externalId": None}
    listed["b" * 24] = {"id": "b" * 24, "name": "Short id", "externalId": None}
    url = reverse("dashboard:account_import", args=[r4_account.pk])
    client.force_login(member)

    assert client.post(url, {"all": "1"}).status_code == 302

    assert list(Project.objects.values_list("remote_id", flat=True)) == ["b" * 24]
    page = client.get(url).content.decode()
    assert f"its id is {ID_MAX + 1} characters long" in page
    assert f'value="{too_long}"' not in page  # no box to tick for it
    assert "Import all" not in page  # nothing left that can be imported
    for _ in range(2):  # a sync never flags what was never stored
        assert services.account_sync(account=r4_account).missing == 0
    assert not AuditEvent.objects.filter(action="project.missing").exists()


def test_an_id_of_exactly_the_columns_size_is_kept_whole(r4_account, sandbox):
    listed = sandbox.vendors["r4"].projects["team0001"]
    longest = "c" * ID_MAX
    listed[longest] = {"id": longest, "name": "Longest id", "externalId": None}
    assert services.account_import(account=r4_account, user=None, remote_ids=None) == 1
    assert Project.objects.get().remote_id == longest
    assert services.account_sync(account=r4_account).missing == 0


def test_a_create_answered_with_an_over_long_id_is_kept_unknown_with_what_was_answered(
    photon_account, member, sandbox
):
    project = photon_create_with_an_over_long_id(photon_account, member, sandbox, "Long answer")
    # Made at the vendor, so never "failed" (a retry would make a second one): unknown,
    # with the vendor's answer and the project's secret kept.
    assert project.status == ProjectStatus.UNKNOWN and project.remote_id == ""
    assert f"{ID_MAX + 1} characters long" in project.error_message
    assert "Photon created the project" in project.error_message
    assert project.secrets["projectSecret"].startswith("ps_")
    assert not project.retryable

    # Photon lists it under its real id: the sync finds it, and nothing was sent twice.
    Project.objects.filter(pk=project.pk).update(attempted_at=timezone.now() - timedelta(hours=1))
    assert services.account_sync(account=photon_account).reconciled == 1
    project.refresh_from_db()
    real_id = next(iter(sandbox.vendors["photon"].projects))
    assert project.status == ProjectStatus.CREATED and project.remote_id == real_id
    assert project.secrets["projectSecret"].startswith("ps_")
    assert len(sandbox.calls("photon", method="POST")) == 1


def test_a_lost_create_found_under_an_over_long_id_stays_unknown(r4_account, sandbox):
    lost = lost_an_hour_ago(r4_account)
    made_at_r4_under_an_over_long_id(sandbox, lost, "d")
    totals = services.account_sync(account=r4_account)

    lost.refresh_from_db()
    # Neither created under a cut id nor failed (it is there: a retry would duplicate it).
    assert lost.status == ProjectStatus.UNKNOWN and lost.remote_id == ""
    assert (totals.reconciled, totals.failed_reconcile, totals.still_unknown) == (0, 0, 1)
    event = AuditEvent.objects.get(action="project.reconciled")
    assert "can't be tracked here" in event.summary and f"{ID_MAX + 1} characters" in event.summary
