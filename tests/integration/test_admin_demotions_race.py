"""Two operators demoting a team's two admins in Django admin at once: one is refused."""

import pytest
from django.urls import reverse

from dashboard.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory
from tests.processes import IMMEDIATE_BACKEND, UserAgent, at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admin_demotions_at_once_leave_the_team_an_admin(services_running, team, owner):
    second = MembershipFactory(team=team, user=UserFactory(username="second"), role=Role.ADMIN)
    first = Membership.objects.get(team=team, user=owner)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=2, threads=2)
    operators = [UserAgent(web.url, UserFactory(is_staff=True, is_superuser=True)) for _ in "ab"]
    targets = [first, second]

    def demote(i: int) -> int:
        url = reverse("admin:dashboard_membership_change", args=[targets[i].pk])
        data = {"user": targets[i].user_id, "team": team.pk, "role": Role.MEMBER}
        return operators[i].post(url, data).status_code

    for _ in range(5):
        Membership.objects.filter(pk__in=[first.pk, second.pk]).update(role=Role.ADMIN)
        # One is saved (302); the other form comes back refused (200). Never a 500.
        assert sorted(at_once(2, demote)) == [200, 302]
        assert Membership.objects.filter(team=team, role=Role.ADMIN).count() == 1
