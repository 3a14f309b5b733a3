"""A built export is downloaded only while its requester is in every team it holds."""

import pytest
from django.urls import reverse

from dashboard.models import Membership, ProjectExport, Role
from tests.factories import MembershipFactory, ProjectFactory, R4AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_teams(settings, member, team, other_team, r4_account):
    """`member` is in both teams, each with projects; any list of them is built by a worker."""
    settings.EXPORT_STREAM_MAX_ROWS = 1
    MembershipFactory(team=other_team, user=member, role=Role.VIEWER)
    ProjectFactory.create_batch(2, account=r4_account, status="created")
    ProjectFactory.create_batch(2, account=R4AccountFactory(team=other_team), status="created")


def export_of(client, user, **filters) -> ProjectExport:
    client.force_login(user)
    response = client.get(reverse("dashboard:project_export"), filters)
    return ProjectExport.objects.get(reference=response["Location"].split("/")[-2])


def download(client, export):
    return client.get(reverse("dashboard:export_download", args=[export.reference]))


def assert_gone(client, export) -> None:
    """Neither the file nor the export's page is there for its requester any more."""
    assert download(client, export).status_code == 404
    assert (
        client.get(reverse("dashboard:export_detail", args=[export.reference])).status_code == 404
    )


def leave(user, team) -> None:
    Membership.objects.filter(user=user, team=team).delete()


def test_a_member_downloads_their_export_and_no_cache_keeps_it(client, member, two_teams):
    export = export_of(client, member)

    response = download(client, export)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).decode().count("\r\n") == 5  # header + 4


def test_after_leaving_the_team_the_export_is_gone(client, member, team, r4_account, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    ProjectFactory.create_batch(2, account=r4_account, status="created")
    export = export_of(client, member)
    leave(member, team)

    assert_gone(client, export)


def test_an_export_of_two_teams_is_gone_when_one_membership_was_removed(
    client, member, two_teams, other_team
):
    export = export_of(client, member)
    leave(member, other_team)

    assert_gone(client, export)


def test_an_export_holding_one_team_stays_when_another_team_is_left(
    client, member, two_teams, other_team, r4_account
):
    export = export_of(client, member, account=r4_account.pk)  # only `team`'s projects
    leave(member, other_team)

    response = download(client, export)

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_a_small_streamed_export_is_not_cached_either(client, member, r4_account):
    ProjectFactory(account=r4_account, status="created")
    client.force_login(member)

    response = client.get(reverse("dashboard:project_export"))

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
