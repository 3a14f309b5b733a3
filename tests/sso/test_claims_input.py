"""What a provider may send that must not break a sign-in or reach a column as it is."""

import pytest
from django.contrib.auth import get_user_model

from dashboard.models import GroupMapping, Identity, Membership, Role
from dashboard.services.errors import ServiceError
from dashboard.services.identity import NO_SUBJECT, identity_sign_in
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db
ISSUER = "https://id.example"


@pytest.mark.parametrize(
    "sub", [None, "", 7, ["a"], "nul\x00byte", "line\nbreak", "x" * 256, "\ud800"]
)
def test_an_unusable_sub_is_refused_and_changes_nothing(sub):
    with pytest.raises(ServiceError) as refused:
        identity_sign_in(issuer=ISSUER, claims={"sub": sub, "email": "a@example.com"})
    assert refused.value.message == NO_SUBJECT
    assert not get_user_model().objects.exists() and not Identity.objects.exists()


@pytest.mark.parametrize(
    ("claims", "username"),
    [
        ({"preferred_username": "Zoë Ünicode"}, "Zoë-Ünicode"),
        ({"preferred_username": "a\x00b\x1bc"}, "abc"),
        ({"preferred_username": "../..", "email": "ok@example.com"}, "ok"),
        ({"preferred_username": "x" * 10_000}, "x" * 142),
        ({"preferred_username": 12, "email": ["not", "text"]}, "user"),
        ({}, "user"),
        ({"preferred_username": "١٢٣"}, "١٢٣"),  # Unicode digits are word characters
    ],
)
def test_a_new_username_is_made_from_what_can_be_used(claims, username):
    user = identity_sign_in(issuer=ISSUER, claims={"sub": "s", **claims})
    assert user.username == username
    user.full_clean()  # Django's own username and field rules hold


def test_over_long_and_control_characters_in_the_profile_are_cut_and_cleaned():
    claims = {
        "sub": "s",
        "given_name": "A\x00da" + "x" * 500,
        "family_name": "Love\nlace",
        "email": "a" * 300 + "@example.com",
        "email_verified": True,
    }
    user = identity_sign_in(issuer=ISSUER, claims=claims)
    user.refresh_from_db()
    assert user.first_name == ("Ada" + "x" * 500)[:150]
    assert user.last_name == "Lovelace"
    assert len(user.email) == 254


@pytest.mark.parametrize(
    "groups",
    ["devs", ["devs", 3, None, {"x": 1}, "d" * 300], ["devs", "devs"]],
)
def test_groups_of_odd_shapes_give_what_can_be_read(groups):
    team = TeamFactory(managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="devs", team=team, role=Role.MEMBER)
    user = identity_sign_in(issuer=ISSUER, claims={"sub": "s", "groups": groups})
    assert Membership.objects.get(user=user, team=team).role == Role.MEMBER


@pytest.mark.parametrize("groups", [3, {"devs": True}, None, "", []])
def test_groups_that_are_not_a_list_of_names_give_nothing(groups):
    team = TeamFactory(managed_by_identity_provider=True)
    GroupMapping.objects.create(group="devs", team=team, role=Role.MEMBER)
    user = identity_sign_in(issuer=ISSUER, claims={"sub": "s", "groups": groups})
    assert not Membership.objects.filter(user=user).exists()


def test_the_groups_claim_setting_names_the_claim(settings):
    settings.OIDC_GROUPS_CLAIM = "roles"
    team = TeamFactory(managed_by_identity_provider=True)
    GroupMapping.objects.create(group="devs", team=team, role=Role.VIEWER)
    user = identity_sign_in(issuer=ISSUER, claims={"sub": "s", "groups": ["x"], "roles": ["devs"]})
    assert Membership.objects.get(user=user, team=team).role == Role.VIEWER


def test_a_mapping_to_a_team_not_managed_changes_nothing():
    team = TeamFactory(managed_by_identity_provider=False)
    GroupMapping.objects.create(group="devs", team=team, role=Role.ADMIN)
    user = identity_sign_in(issuer=ISSUER, claims={"sub": "s", "groups": ["devs"]})
    assert not Membership.objects.filter(user=user).exists()


def test_the_same_sub_at_another_issuer_is_another_person():
    first = identity_sign_in(issuer=ISSUER, claims={"sub": "s", "preferred_username": "p"})
    second = identity_sign_in(issuer="https://other.example", claims={"sub": "s"})
    assert first != second
    assert (first.username, second.username) == ("p", "user")
    assert Identity.objects.filter(subject="s").count() == 2
