"""An inactive user's admin role does not count: unticking "Active" on a team's last active
admin is refused in Django admin, and the team pages count only active admins."""

from html import unescape

import pytest
from django.urls import reverse

from dashboard.models import Membership, Role
from tests.dashboard.test_admin_keeps_a_team_admin import inline_data, membership_data
from tests.factories import MembershipFactory, UserFactory

REFUSAL = "Rocket would be left without an admin."


@pytest.fixture
def operator(client, db):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def user_change_data(user, **changes) -> dict:
    """Django's user change form as the admin page posts it ("Active" ticked unless False)."""
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def deactivate(operator, user):
    url = reverse("admin:auth_user_change", args=[user.pk])
    return operator.post(url, user_change_data(user, is_active=False))


def test_deactivating_a_teams_last_active_admin_is_refused(operator, team, owner, member):
    response = deactivate(operator, owner)
    assert response.status_code == 200
    assert REFUSAL in unescape(response.content.decode())
    assert "An inactive user cannot act as an admin." in unescape(response.content.decode())
    owner.refresh_from_db()
    assert owner.is_active


def test_an_inactive_second_admin_does_not_keep_the_team(operator, team, owner):
    MembershipFactory(team=team, user=UserFactory(username="gone", is_active=False), role="admin")
    assert REFUSAL in unescape(deactivate(operator, owner).content.decode())
    owner.refresh_from_db()
    assert owner.is_active


def test_deactivating_an_admin_is_allowed_while_another_active_admin_remains(operator, team, owner):
    MembershipFactory(team=team, user=UserFactory(username="second"), role=Role.ADMIN)
    assert deactivate(operator, owner).status_code == 302
    owner.refresh_from_db()
    assert not owner.is_active


def test_editing_an_active_last_admin_without_deactivating_is_allowed(operator, team, owner):
    url = reverse("admin:auth_user_change", args=[owner.pk])
    response = operator.post(url, user_change_data(owner, first_name="Ada"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.first_name == "Ada" and owner.is_active


def test_the_team_pages_count_only_active_admins(client, team, owner):
    MembershipFactory(team=team, user=UserFactory(username="gone", is_active=False), role="admin")
    client.force_login(owner)
    mine = Membership.objects.get(team=team, user=owner)
    page = client.post(
        reverse("dashboard:team_member_role", args=[team.pk, mine.pk]),
        {"role": "member"},
        follow=True,
    ).content.decode()
    assert "at least one admin" in page
    assert Membership.objects.get(pk=mine.pk).role == Role.ADMIN
    client.post(reverse("dashboard:team_member_remove", args=[team.pk, mine.pk]))
    assert Membership.objects.filter(pk=mine.pk, role=Role.ADMIN).exists()


def test_handing_the_admin_role_to_an_inactive_user_in_the_admin_is_refused(operator, team, owner):
    gone = MembershipFactory(team=team, user=UserFactory(username="gone", is_active=False))
    swap = {"owner": {"role": Role.MEMBER}, "gone": {"role": Role.ADMIN}}
    response = operator.post(
        reverse("admin:dashboard_team_change", args=[team.pk]), inline_data(team, swap)
    )
    assert REFUSAL in unescape(response.content.decode())
    mine = Membership.objects.get(team=team, user=owner)
    url = reverse("admin:dashboard_membership_change", args=[mine.pk])
    response = operator.post(url, membership_data(mine, user=gone.user_id))
    assert REFUSAL in unescape(response.content.decode())
    assert Membership.objects.get(pk=mine.pk).role == Role.ADMIN
    assert Membership.objects.get(pk=mine.pk).user == owner
