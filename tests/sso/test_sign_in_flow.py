"""The OpenID Connect round trip through oidc-provider-mock, a real process: the user made
and linked, roles from groups at each sign-in, and a group lost ending that team's tokens."""

from __future__ import annotations

import pytest

from dashboard import services
from dashboard.models import AuditAction, AuditEvent, GroupMapping, Identity, Membership, Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.sso.conftest import CLIENT_ID, sign_in, signed_in_as, start
from tests.sso.stand_in import query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rocket():
    """A team managed by the identity provider, its groups mapped to roles."""
    team = TeamFactory(name="Rocket", managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN, user=UserFactory(username="keeper"))
    GroupMapping.objects.create(group="rocket-admins", team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="rocket-devs", team=team, role=Role.MEMBER)
    GroupMapping.objects.create(group="everyone", team=team, role=Role.VIEWER)
    return team


def test_the_start_sends_state_nonce_and_a_pkce_challenge(client, sso):
    authorize = start(client, "?next=/accounts/")
    asked = query_of(authorize)
    assert authorize.startswith(f"{sso.url}/oauth2/authorize?")
    assert asked["client_id"] == CLIENT_ID
    assert asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == "http://testserver/oidc/callback/"
    kept = client.session["oidc_states"][asked["state"]]
    assert kept["nonce"] == asked["nonce"] and len(kept["code_verifier"]) == 64


def test_a_first_sign_in_makes_the_user_with_the_roles_their_groups_give(client, sso, rocket):
    other = TeamFactory(name="Moon", managed_by_identity_provider=True)
    GroupMapping.objects.create(group="everyone", team=other, role=Role.VIEWER)
    sso.set_user(
        "ada-1",
        email="ada@example.com",
        email_verified=True,
        given_name="Ada",
        family_name="Lovelace",
        preferred_username="ada",
        groups=["rocket-devs", "everyone", "unmapped"],
    )

    answer = sign_in(client, sso, "ada-1")

    assert answer.status_code == 302 and answer["Location"] == "/"
    user = signed_in_as(client)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ada",
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert not user.has_usable_password()
    identity = Identity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.url, "ada-1")
    assert identity.last_sign_in_at is not None
    roles = dict(Membership.objects.filter(user=user).values_list("team__name", "role"))
    assert roles == {"Rocket": Role.MEMBER, "Moon": Role.VIEWER}  # the highest of each team
    added = AuditEvent.objects.filter(action=AuditAction.MEMBER_ADDED, target_type="Membership")
    assert sorted((e.team.name, e.summary, e.via, e.actor) for e in added) == [
        ("Moon", "ada added as viewer.", "the identity provider", None),
        ("Rocket", "ada added as member.", "the identity provider", None),
    ]
    page = client.get("/")
    assert page.status_code == 200 and b"ada" in page.content


def test_a_changed_group_changes_the_role_and_the_profile_at_the_next_sign_in(client, sso, rocket):
    sso.set_user(
        "bo-1", email="bo@example.com", email_verified=True, name="Bo Diddley", groups=["everyone"]
    )
    sign_in(client, sso, "bo-1")
    user = signed_in_as(client)
    assert Membership.objects.get(user=user, team=rocket).role == Role.VIEWER
    client.post("/logout/")

    sso.set_user(
        "bo-1",
        email="bo@new.example",
        email_verified=True,
        name="Bo D",
        groups=["everyone", "rocket-admins"],
    )
    sign_in(client, sso, "bo-1")

    user.refresh_from_db()
    assert signed_in_as(client) == user
    assert (user.email, user.first_name, user.last_name) == ("bo@new.example", "Bo", "D")
    assert Membership.objects.get(user=user, team=rocket).role == Role.ADMIN
    changed = AuditEvent.objects.get(action=AuditAction.MEMBER_ROLE_CHANGED)
    assert (changed.summary, changed.via) == ("bo: viewer → admin.", "the identity provider")
    assert Identity.objects.filter(user=user).count() == 1


def test_a_group_removed_removes_the_membership_and_that_teams_tokens_stop(client, sso, rocket):
    from dashboard.services.api_tokens import api_identity_from_authorization

    hand_made = TeamFactory(name="Hand made")
    GroupMapping.objects.create(group="rocket-devs", team=hand_made, role=Role.ADMIN)
    sso.set_user("cy-1", email="cy@example.com", groups=["rocket-devs"])
    sign_in(client, sso, "cy-1")
    user = signed_in_as(client)
    MembershipFactory(user=user, team=hand_made, role=Role.VIEWER)  # set by hand
    rocket_token = services.api_token_create(by=user, team=rocket, name="ci", role=Role.MEMBER)
    other_token = services.api_token_create(by=user, team=hand_made, name="ci", role=Role.VIEWER)
    for token in (rocket_token, other_token):
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.plaintext}"}
        assert client.get("/api/v1/accounts", **bearer).status_code == 200
    client.post("/logout/")

    sso.set_user("cy-1", email="cy@example.com", groups=[])
    sign_in(client, sso, "cy-1")

    assert not Membership.objects.filter(user=user, team=rocket).exists()
    # A team not managed by the provider keeps what its admins set, mapping or not.
    assert Membership.objects.get(user=user, team=hand_made).role == Role.VIEWER
    removed = AuditEvent.objects.get(action=AuditAction.MEMBER_REMOVED)
    assert (removed.team, removed.summary, removed.via) == (
        rocket,
        "cy removed from the team.",
        "the identity provider",
    )
    rocket_bearer = {"HTTP_AUTHORIZATION": f"Bearer {rocket_token.plaintext}"}
    assert client.get("/api/v1/accounts", **rocket_bearer).status_code == 401
    assert api_identity_from_authorization(f"Bearer {rocket_token.plaintext}") is None
    other_bearer = {"HTTP_AUTHORIZATION": f"Bearer {other_token.plaintext}"}
    assert client.get("/api/v1/accounts", **other_bearer).status_code == 200


def test_the_last_admin_of_a_managed_team_is_kept_when_their_groups_say_otherwise(
    client, sso, caplog
):
    team = TeamFactory(name="Solo", managed_by_identity_provider=True)
    GroupMapping.objects.create(group="solo-admins", team=team, role=Role.ADMIN)
    sso.set_user("dee-1", email="dee@example.com", groups=["solo-admins"])
    sign_in(client, sso, "dee-1")
    user = signed_in_as(client)
    client.post("/logout/")

    sso.set_user("dee-1", email="dee@example.com", groups=[])
    sign_in(client, sso, "dee-1")

    assert signed_in_as(client) == user
    assert Membership.objects.get(user=user, team=team).role == Role.ADMIN
    assert "Solo would be left without an admin" in caplog.text
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_REMOVED).exists()


def test_a_verified_email_links_the_existing_account(client, sso):
    existing = UserFactory(username="eve", email="Eve@Example.com")
    sso.set_user("eve-1", email="eve@example.com", email_verified=True, preferred_username="x")
    sign_in(client, sso, "eve-1")
    assert signed_in_as(client) == existing
    assert Identity.objects.get(subject="eve-1").user == existing


@pytest.mark.parametrize("verified", [None, False, "false", "yes", 1])
def test_an_unverified_email_never_links_an_existing_account(client, sso, verified):
    existing = UserFactory(username="fay", email="fay@example.com", is_superuser=True)
    claims = {"email": "fay@example.com", "preferred_username": "fay"}
    if verified is not None:
        claims["email_verified"] = verified
    sso.set_user("fay-1", **claims)

    sign_in(client, sso, "fay-1")

    user = signed_in_as(client)
    assert user != existing and not user.is_superuser
    assert user.username == "fay-2"  # the provider's name never finds an account either
    assert Identity.objects.get(subject="fay-1").user == user
    assert not Identity.objects.filter(user=existing).exists()


def test_a_verified_email_never_takes_an_account_already_linked_to_someone_else(client, sso):
    first = UserFactory(username="gil", email="gil@example.com")
    Identity.objects.create(user=first, issuer=sso.url, subject="gil-old")
    sso.set_user("gil-new", email="gil@example.com", email_verified=True)
    sign_in(client, sso, "gil-new")
    assert signed_in_as(client) not in (None, first)


def test_sign_out_ends_the_session_here_and_at_the_provider(client, sso):
    sso.set_user("hal-1", email="hal@example.com")
    sign_in(client, sso, "hal-1")
    assert signed_in_as(client) is not None

    answer = client.post("/logout/")

    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{sso.url}/oauth2/end_session?")
    assert query_of(answer["Location"]) == {
        "client_id": CLIENT_ID,
        "post_logout_redirect_uri": "http://testserver/login/",
    }
    assert signed_in_as(client) is None
    assert client.get("/")["Location"].startswith("/login/")


def test_a_password_sign_out_stays_here_with_sso_on(client, sso):
    user = UserFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    answer = client.post("/logout/")
    assert (answer.status_code, answer["Location"]) == (302, "/login/")
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    ("asked", "landed"), [("/accounts/", "/accounts/"), ("https://evil.example/", "/")]
)
def test_a_sign_in_returns_to_the_page_asked_for_when_it_is_ours(client, sso, asked, landed):
    from urllib.parse import quote

    sso.set_user("kim", email="kim@example.com")
    callback = sso.approve(start(client, f"?next={quote(asked)}"), "kim")
    assert client.get(callback)["Location"] == landed


def test_no_token_or_client_secret_is_kept_in_the_session_or_the_logs(client, sso, caplog):
    from django.contrib.sessions.models import Session

    from tests.sso.conftest import CLIENT_SECRET

    sso.set_user("lee", email="lee@example.com")
    sign_in(client, sso, "lee")
    kept = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert sorted(kept) == [
        "_auth_user_backend",
        "_auth_user_hash",
        "_auth_user_id",
        "_session_expiry",
        "oidc_id_token_expiration",
        "oidc_login_next",
        "oidc_states",
    ]
    assert kept["oidc_states"] == {}  # the state was spent
    assert CLIENT_SECRET not in caplog.text and "eyJ" not in caplog.text
