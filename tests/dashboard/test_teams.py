"""Team admins manage who is in their team; a team always keeps an admin."""

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent, Membership, Role
from tests.factories import PASSWORD, UserFactory


def member_of(team, user):
    return Membership.objects.get(team=team, user=user)


def test_an_admin_adds_a_member_changes_the_role_and_removes_them(client, team, owner):
    newcomer = UserFactory(username="newcomer")
    client.force_login(owner)
    add = reverse("dashboard:team_member_add", args=[team.pk])
    assert client.post(add, {"username": "newcomer", "role": "viewer"}).status_code == 302
    membership = member_of(team, newcomer)
    assert membership.role == Role.VIEWER
    page = client.get(reverse("dashboard:team_list")).content.decode()
    assert "newcomer" in page and page.count(f"Add to {team.name}") == 1
    role_url = reverse("dashboard:team_member_role", args=[team.pk, membership.pk])
    client.post(role_url, {"role": "admin"})
    assert member_of(team, newcomer).role == Role.ADMIN
    client.post(reverse("dashboard:team_member_remove", args=[team.pk, membership.pk]))
    assert not Membership.objects.filter(user=newcomer).exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor__username"))
    assert actions == [
        ("team.member_added", "owner"),
        ("team.member_role_changed", "owner"),
        ("team.member_removed", "owner"),
    ]


def test_an_admin_adds_a_user_by_email_but_not_by_an_email_two_users_share(client, team, owner):
    UserFactory(username="cy", email="Cy@Example.com")
    UserFactory(username="di", email="shared@example.com")
    UserFactory(username="ed", email="shared@example.com")
    client.force_login(owner)
    add = reverse("dashboard:team_member_add", args=[team.pk])
    client.post(add, {"username": "cy@example.com", "role": "member"})
    refused = client.post(add, {"username": "shared@example.com", "role": "member"}, follow=True)
    assert "No such person." in refused.content.decode()
    in_team = set(Membership.objects.filter(team=team).values_list("user__username", flat=True))
    assert in_team == {"owner", "cy"}


def test_the_last_admin_can_neither_be_demoted_nor_removed(client, team, owner):
    client.force_login(owner)
    mine = member_of(team, owner)
    page = client.post(
        reverse("dashboard:team_member_role", args=[team.pk, mine.pk]),
        {"role": "member"},
        follow=True,
    ).content.decode()
    assert "at least one admin" in page and member_of(team, owner).role == Role.ADMIN
    client.post(reverse("dashboard:team_member_remove", args=[team.pk, mine.pk]))
    assert member_of(team, owner).role == Role.ADMIN


def test_unknown_users_duplicates_and_bad_roles_are_clear_refusals(client, team, owner, member):
    client.force_login(owner)
    add = reverse("dashboard:team_member_add", args=[team.pk])
    for data, words in (
        ({"username": "nobody", "role": "member"}, "No such person."),
        ({"username": "member", "role": "admin"}, "Anyone already in it keeps their role."),
        ({"username": "member", "role": "owner"}, "Choose one of the listed roles."),
        ({"username": "x\x00" * 200, "role": "member"}, "No such person."),
    ):
        assert words in client.post(add, data, follow=True).content.decode()
    assert Membership.objects.filter(team=team).count() == 2
    assert member_of(team, member).role == Role.MEMBER


@pytest.mark.parametrize("who", ["member", "viewer", "outsider"])
def test_only_the_teams_admins_manage_it(client, request, team, owner, member, who):
    client.force_login(request.getfixturevalue(who))
    target = member_of(team, member)
    assert (
        client.post(
            reverse("dashboard:team_member_add", args=[team.pk]),
            {"username": "owner", "role": "admin"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("dashboard:team_member_role", args=[team.pk, target.pk]), {"role": "admin"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("dashboard:team_member_remove", args=[team.pk, target.pk])).status_code
        == 404
    )
    assert member_of(team, member).role == Role.MEMBER
    page = client.get(reverse("dashboard:team_list")).content.decode()
    assert ("Rocket" in page) is (who != "outsider") and "Add to Rocket" not in page


def test_people_change_their_own_password(client, member):
    client.force_login(member)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-and-long-passphrase-42",
            "new_password2": "a-new-and-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-new-and-long-passphrase-42")
