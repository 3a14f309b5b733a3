"""The list's counts come from tallies that database triggers keep, whatever writes the rows."""

import pytest
from django.db.models import Count

from dashboard.listing.tallies import group_counts, tallied_counts
from dashboard.models import Project, ProjectStatus, ProjectTally
from tests.factories import ProjectFactory, R4AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def counted(team_ids) -> dict:
    rows = (
        Project.objects.filter(team_id__in=team_ids)
        .values("vendor", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return group_counts((row["vendor"], row["status"], row["n"]) for row in rows)


def test_every_kind_of_write_keeps_the_tallies_exact(team, other_team):
    mine = R4AccountFactory(team=team)
    theirs = R4AccountFactory(team=other_team)
    ProjectFactory.create_batch(3, account=mine)
    Project.objects.bulk_create(
        [ProjectFactory.build(account=theirs, status=ProjectStatus.FAILED) for _ in range(40)]
    )
    one = Project.objects.filter(account=mine).first()
    one.status = ProjectStatus.CREATED
    one.save()
    one.save()  # a save that changes no counted column counts nothing
    ten = list(Project.objects.filter(account=theirs).values_list("pk", flat=True)[:10])
    Project.objects.filter(pk__in=ten).update(status=ProjectStatus.PENDING)
    pending = Project.objects.filter(account=mine, status=ProjectStatus.PENDING).first()
    assert Project.objects.move(pending.pk, to=ProjectStatus.UNKNOWN)
    assert not Project.objects.move(one.pk, to=ProjectStatus.CREATED)  # refused: counts nothing
    Project.objects.filter(account=theirs, status=ProjectStatus.FAILED)[:1].get().delete()
    Project.objects.filter(account=mine, status=ProjectStatus.PENDING).delete()

    for teams in ([team.pk], [other_team.pk], [team.pk, other_team.pk]):
        assert tallied_counts(team_ids=teams) == counted(teams)
    assert tallied_counts(team_ids=[other_team.pk])["by_status"] == {"pending": 10, "failed": 29}
    assert tallied_counts(team_ids=[team.pk], status="created", account_id=mine.pk)["total"] == 1
    assert tallied_counts(team_ids=[team.pk])["by_status"] == {"created": 1, "unknown": 1}


def test_a_tally_never_stays_below_zero(team):
    account = R4AccountFactory(team=team)
    ProjectFactory.create_batch(2, account=account)
    Project.objects.all().delete()
    assert list(ProjectTally.objects.values_list("count", flat=True)) == [0]
    assert tallied_counts(team_ids=[team.pk]) == {"by_vendor": {}, "by_status": {}, "total": 0}
