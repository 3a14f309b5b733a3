"""Staff keep the group mapping in Django admin; identities are shown, never edited."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dashboard.models import GroupMapping, Identity, Role
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_map_a_group_to_a_team_and_role(operator):
    team = TeamFactory(name="Rocket", managed_by_identity_provider=True)
    answer = operator.post(
        reverse("admin:dashboard_groupmapping_add"),
        {"group": "rocket-devs", "team": team.pk, "role": Role.MEMBER},
    )
    assert answer.status_code == 302
    mapping = GroupMapping.objects.get()
    assert (mapping.group, mapping.team, mapping.role) == ("rocket-devs", team, Role.MEMBER)
    listed = operator.get(reverse("admin:dashboard_groupmapping_changelist")).content.decode()
    assert listed.count(">rocket-devs</a>") == 1
    assert listed.count('alt="True"') == 1  # its team is managed


def test_one_role_per_group_and_team(operator):
    team = TeamFactory()
    GroupMapping.objects.create(group="devs", team=team, role=Role.MEMBER)
    answer = operator.post(
        reverse("admin:dashboard_groupmapping_add"),
        {"group": "devs", "team": team.pk, "role": Role.ADMIN},
    )
    assert answer.status_code == 200
    assert "already exists" in answer.content.decode()
    assert GroupMapping.objects.get().role == Role.MEMBER


def test_the_team_page_has_the_managed_flag(operator):
    team = TeamFactory()
    page = operator.get(reverse("admin:dashboard_team_change", args=[team.pk])).content.decode()
    assert page.count('name="managed_by_identity_provider"') == 1


def test_staff_without_the_permission_and_non_staff_cannot_map(client):
    team = TeamFactory()
    add = reverse("admin:dashboard_groupmapping_add")
    data = {"group": "devs", "team": team.pk, "role": Role.ADMIN}
    client.force_login(UserFactory(is_staff=False))
    assert client.post(add, data).status_code == 302  # to the admin's login
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_groupmapping"))
    client.force_login(viewer)
    assert client.post(add, data).status_code == 403
    assert not GroupMapping.objects.exists()


def test_identities_are_shown_and_never_edited(operator):
    identity = Identity.objects.create(
        user=UserFactory(username="ada"), issuer="https://id.example", subject="sub-1"
    )
    change = reverse("admin:dashboard_identity_change", args=[identity.pk])
    page = operator.get(change).content.decode()
    assert "sub-1" in page and 'name="subject"' not in page
    assert operator.get(reverse("admin:dashboard_identity_add")).status_code == 403
    operator.post(change, {"subject": "other"})
    identity.refresh_from_db()
    assert identity.subject == "sub-1"


def test_the_teams_page_says_which_team_the_provider_manages(client):
    from tests.factories import MembershipFactory

    user = UserFactory()
    MembershipFactory(
        user=user, team=TeamFactory(name="Managed", managed_by_identity_provider=True)
    )
    MembershipFactory(user=user, team=TeamFactory(name="By hand"))
    client.force_login(user)
    page = client.get(reverse("dashboard:team_list"), HTTP_HX_REQUEST="true").content.decode()
    assert page.count("Managed by the identity provider") == 1
    # Teams are listed by name: the note sits in Managed's card, after By hand's.
    note = page.index("Managed by the identity provider")
    assert page.index("<h2>By hand</h2>") < page.index("<h2>Managed</h2>") < note
