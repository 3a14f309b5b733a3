"""PostgreSQL refuses, at commit, any path that leaves a team without an admin."""

import pytest
from django.db import IntegrityError, connection, transaction

from dashboard.models import Membership, Role, Team
from tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's deferred trigger (migration 0018)"
    ),
    pytest.mark.django_db(transaction=True),  # the guard runs when a transaction commits
]


def test_deleting_the_last_admins_user_outside_the_doors_fails_at_commit(team, owner, member):
    with pytest.raises(IntegrityError, match="without an admin"):
        owner.delete()  # e.g. from a shell: a cascade no door sees
    assert Membership.objects.get(user=owner).role == Role.ADMIN


def test_demoting_or_moving_the_last_admin_with_a_queryset_fails_at_commit(team, other_team, owner):
    for change in ({"role": Role.MEMBER}, {"team": other_team}):
        with pytest.raises(IntegrityError, match="without an admin"):
            Membership.objects.filter(user=owner).update(**change)
    assert Membership.objects.get(user=owner).team == team


def test_handing_over_in_one_transaction_and_deleting_a_team_pass(team, owner, member):
    with transaction.atomic():
        Membership.objects.filter(user=owner).update(role=Role.MEMBER)
        Membership.objects.filter(user=member).update(role=Role.ADMIN)
    assert Membership.objects.get(user=member).role == Role.ADMIN
    team.delete()
    assert not Team.objects.filter(pk=team.pk).exists()


def test_removing_a_member_of_a_team_with_no_admin_is_not_refused(team):
    lonely = MembershipFactory(team=team, user=UserFactory(), role=Role.MEMBER)
    lonely.delete()
    assert not Membership.objects.filter(team=team).exists()
