"""Membership edits in Django admin show in the team's activity feed, by whom and what."""

import pytest
from django.urls import reverse

from dashboard.models import AuditAction, AuditEvent, Membership, Role
from tests.dashboard.test_admin_keeps_a_team_admin import inline_data, membership_data
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


def feed(team) -> list[tuple[str, str, str]]:
    events = AuditEvent.objects.filter(team=team).order_by("pk")
    return [(event.actor.username, event.action, event.summary) for event in events]


def test_the_team_inline_audits_added_changed_and_removed_members(operator, team, owner, member):
    viewer = MembershipFactory(team=team, user=UserFactory(username="vi"), role=Role.VIEWER)
    newcomer = UserFactory(username="newcomer")
    data = inline_data(team, {"member": {"role": Role.ADMIN}, "vi": {"DELETE": "on"}})
    data.update(
        {
            "memberships-TOTAL_FORMS": "4",
            "memberships-3-team": team.pk,
            "memberships-3-user": newcomer.pk,
            "memberships-3-role": Role.VIEWER,
        }
    )
    response = operator.post(reverse("admin:dashboard_team_change", args=[team.pk]), data)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert feed(team) == [
        ("operator", AuditAction.MEMBER_REMOVED, "vi removed from the team (in Django admin)."),
        ("operator", AuditAction.MEMBER_ADDED, "newcomer added as viewer (in Django admin)."),
        ("operator", AuditAction.MEMBER_ROLE_CHANGED, "member: member → admin (in Django admin)."),
    ]


def test_the_membership_pages_audit_add_change_move_and_delete(operator, team, owner, member):
    elsewhere = TeamFactory(name="Elsewhere")
    add = reverse("admin:dashboard_membership_add")
    newcomer = UserFactory(username="newcomer")
    data = {"user": newcomer.pk, "team": team.pk, "role": Role.MEMBER}
    assert operator.post(add, data).status_code == 302
    theirs = Membership.objects.get(user=member)
    change = reverse("admin:dashboard_membership_change", args=[theirs.pk])
    assert operator.post(change, membership_data(theirs, role=Role.VIEWER)).status_code == 302
    theirs.refresh_from_db()
    assert operator.post(change, membership_data(theirs, team=elsewhere.pk)).status_code == 302
    delete = reverse("admin:dashboard_membership_delete", args=[theirs.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 302

    assert feed(team) == [
        ("operator", AuditAction.MEMBER_ADDED, "newcomer added as member (in Django admin)."),
        ("operator", AuditAction.MEMBER_ROLE_CHANGED, "member: member → viewer (in Django admin)."),
        ("operator", AuditAction.MEMBER_REMOVED, "member removed from the team (in Django admin)."),
    ]
    assert feed(elsewhere) == [
        ("operator", AuditAction.MEMBER_ADDED, "member added as viewer (in Django admin)."),
        ("operator", AuditAction.MEMBER_REMOVED, "member removed from the team (in Django admin)."),
    ]


def test_a_bulk_delete_of_memberships_or_users_is_audited(operator, team, owner, member):
    viewer = MembershipFactory(team=team, user=UserFactory(username="vi"), role=Role.VIEWER)
    memberships = reverse("admin:dashboard_membership_changelist")
    bulk = {"action": "delete_selected", "post": "yes", "_selected_action": [viewer.pk]}
    assert operator.post(memberships, bulk).status_code == 302
    users = reverse("admin:auth_user_changelist")
    bulk["_selected_action"] = [member.pk]
    assert operator.post(users, bulk).status_code == 302
    assert Membership.objects.filter(team=team).count() == 1
    assert feed(team) == [
        ("operator", AuditAction.MEMBER_REMOVED, "vi removed from the team (in Django admin)."),
        ("operator", AuditAction.MEMBER_REMOVED, "member removed from the team (in Django admin)."),
    ]


def test_saving_an_unchanged_membership_writes_no_audit_row(operator, team, owner):
    mine = Membership.objects.get(user=owner)
    change = reverse("admin:dashboard_membership_change", args=[mine.pk])
    assert operator.post(change, membership_data(mine)).status_code == 302
    assert operator.post(
        reverse("admin:dashboard_team_change", args=[team.pk]), inline_data(team, {})
    ).status_code in (302,)
    assert feed(team) == []
