"""No door of Django admin leaves a team without an admin (the team pages are in test_teams)."""

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dashboard.models import Membership, Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory

REFUSAL = "Rocket would be left without an admin."


@pytest.fixture
def operator(client, db):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def page(response) -> str:
    return unescape(response.content.decode())


def roles(team) -> dict[str, str]:
    return dict(Membership.objects.filter(team=team).values_list("user__username", "role"))


def inline_data(team, changes: dict[str, dict]) -> dict:
    """The team's change form as the admin page posts it, with `changes` per username."""
    rows = list(Membership.objects.filter(team=team).select_related("user").order_by("pk"))
    data = {
        "name": team.name,
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        fields = {"id": row.pk, "team": team.pk, "user": row.user_id, "role": row.role}
        fields.update(changes.get(row.user.username, {}))
        data.update({f"memberships-{i}-{name}": value for name, value in fields.items()})
    return data


def membership_data(membership, **changes) -> dict:
    return {
        "user": membership.user_id,
        "team": membership.team_id,
        "role": membership.role,
        **changes,
    }


def test_the_team_inline_refuses_demoting_or_deleting_the_last_admin(operator, team, owner, member):
    url = reverse("admin:dashboard_team_change", args=[team.pk])
    for change in ({"role": Role.MEMBER}, {"DELETE": "on"}):
        response = operator.post(url, inline_data(team, {"owner": change}))
        assert response.status_code == 200 and REFUSAL in page(response)
        assert roles(team) == {"owner": Role.ADMIN, "member": Role.MEMBER}


def test_the_team_inline_may_hand_the_admin_role_over_in_one_save(operator, team, owner, member):
    url = reverse("admin:dashboard_team_change", args=[team.pk])
    swap = {"owner": {"role": Role.MEMBER}, "member": {"role": Role.ADMIN}}
    assert operator.post(url, inline_data(team, swap)).status_code == 302
    assert roles(team) == {"owner": Role.MEMBER, "member": Role.ADMIN}


def test_the_membership_page_refuses_demoting_or_moving_the_last_admin(operator, team, owner):
    elsewhere = TeamFactory(name="Elsewhere")
    mine = Membership.objects.get(team=team, user=owner)
    url = reverse("admin:dashboard_membership_change", args=[mine.pk])
    for change in ({"role": Role.VIEWER}, {"team": elsewhere.pk}):
        response = operator.post(url, membership_data(mine, **change))
        assert response.status_code == 200 and REFUSAL in page(response)
    assert roles(team) == {"owner": Role.ADMIN} and roles(elsewhere) == {}


def test_the_membership_page_demotes_an_admin_when_another_remains(operator, team, owner):
    MembershipFactory(team=team, user=UserFactory(username="second"), role=Role.ADMIN)
    mine = Membership.objects.get(team=team, user=owner)
    url = reverse("admin:dashboard_membership_change", args=[mine.pk])
    assert operator.post(url, membership_data(mine, role=Role.MEMBER)).status_code == 302
    assert roles(team) == {"owner": Role.MEMBER, "second": Role.ADMIN}


def test_deleting_the_last_admins_membership_is_refused_on_its_page(operator, team, owner):
    mine = Membership.objects.get(team=team, user=owner)
    url = reverse("admin:dashboard_membership_delete", args=[mine.pk])
    assert REFUSAL in page(operator.get(url))
    response = operator.post(url, {"post": "yes"})
    assert REFUSAL in page(response)
    assert roles(team) == {"owner": Role.ADMIN}


def test_the_bulk_delete_of_memberships_keeps_each_team_an_admin(operator, team, owner, member):
    other = MembershipFactory(team=TeamFactory(name="Other"), role=Role.ADMIN)
    url = reverse("admin:dashboard_membership_changelist")
    chosen = [Membership.objects.get(user=owner).pk, Membership.objects.get(user=member).pk]
    data = {"action": "delete_selected", "post": "yes", "_selected_action": chosen}

    assert REFUSAL in page(operator.post(url, data, follow=True))
    assert roles(team) == {"owner": Role.ADMIN, "member": Role.MEMBER}

    data["_selected_action"] = [Membership.objects.get(user=member).pk]
    operator.post(url, data)
    assert roles(team) == {"owner": Role.ADMIN}
    assert Membership.objects.filter(pk=other.pk).exists()


def test_deleting_a_teams_last_admin_user_is_refused(operator, team, owner, member):
    url = reverse("admin:auth_user_delete", args=[owner.pk])
    assert REFUSAL in page(operator.get(url))
    assert REFUSAL in page(operator.post(url, {"post": "yes"}))
    bulk = {"action": "delete_selected", "post": "yes", "_selected_action": [owner.pk, member.pk]}
    assert REFUSAL in page(operator.post(reverse("admin:auth_user_changelist"), bulk))
    assert get_user_model().objects.filter(pk__in=[owner.pk, member.pk]).count() == 2
    assert roles(team) == {"owner": Role.ADMIN, "member": Role.MEMBER}


def test_deleting_a_user_whose_teams_keep_an_admin_works(operator, team, owner, member):
    operator.post(reverse("admin:auth_user_delete", args=[member.pk]), {"post": "yes"})
    assert not get_user_model().objects.filter(pk=member.pk).exists()
    assert roles(team) == {"owner": Role.ADMIN}


def test_deleting_a_whole_team_is_not_refused(operator, team, owner):
    operator.post(reverse("admin:dashboard_team_delete", args=[team.pk]), {"post": "yes"})
    assert not Membership.objects.filter(user=owner).exists()
