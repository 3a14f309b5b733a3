"""API tokens: made once, kept only as a hash, and who a bearer header acts as."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import ApiToken, AuditAction, AuditEvent, Membership, Role
from dashboard.services.api_tokens import LAST_USED_EVERY, IssuedToken
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import MembershipFactory


def test_a_new_token_is_prefixed_random_and_only_its_hash_is_kept(member, team):
    token, plaintext = new_token(member, team, name="  Preview CI  ")
    _other, second = new_token(member, team)
    assert plaintext.startswith("vdash_") and len(plaintext) == 6 + 43 and plaintext != second
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.hint == f"vdash_…{plaintext[-4:]}" and token.name == "Preview CI"
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(plaintext not in str(value) for value in row.values())
    assert plaintext not in repr(plaintext) and token.hint in repr(plaintext)
    assert isinstance(plaintext, IssuedToken) and str(plaintext) == plaintext
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED, target_id=str(token.pk))
    assert event.actor == member and "Preview CI" in event.summary
    assert plaintext not in event.summary


def test_expiry_defaults_to_90_days_and_never_is_for_team_admins(owner, member, team):
    token = services.api_token_create(by=member, team=team, name="CI", role=Role.MEMBER).token
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    with pytest.raises(services.ServiceError) as refused:
        new_token(member, team, expires_days=None)
    assert "admins" in refused.value.field_errors["expires"]
    for days in (0, 366, -1, "30", True):
        with pytest.raises(services.ServiceError) as refused:
            new_token(owner, team, expires_days=days)
        assert "expires" in refused.value.field_errors
    assert new_token(owner, team, expires_days=None)[0].expires_at is None
    assert new_token(owner, team, expires_days=365)[0].expires_at is not None


def test_a_token_role_is_at_most_the_creator_role(owner, member, viewer, team, outsider):
    with pytest.raises(services.ServiceError) as refused:
        new_token(member, team, role=Role.ADMIN)
    assert "at most your own" in refused.value.field_errors["role"]
    with pytest.raises(services.ServiceError):
        new_token(viewer, team, role=Role.MEMBER)
    assert new_token(viewer, team, role=Role.VIEWER)[0].role == Role.VIEWER
    assert new_token(owner, team, role=Role.ADMIN)[0].role == Role.ADMIN
    with pytest.raises(services.ServiceError) as refused:
        new_token(outsider, team, role=Role.VIEWER)
    assert "team" in refused.value.field_errors
    with pytest.raises(services.ServiceError) as refused:
        new_token(member, team, role="root")
    assert "role" in refused.value.field_errors
    assert ApiToken.objects.count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "bad\x00name", "tab\tname"])
def test_a_token_needs_a_clean_name(member, team, name):
    with pytest.raises(services.ServiceError) as refused:
        new_token(member, team, name=name)
    assert "name" in refused.value.field_errors
    assert not ApiToken.objects.exists()


def test_a_bearer_header_acts_as_the_user_in_the_team(member, team):
    token, plaintext = new_token(member, team, name="Deploys")
    identity = services.api_identity_from_authorization(bearer(plaintext))
    assert (identity.user, identity.team, identity.role) == (member, team, Role.MEMBER)
    assert identity.token.pk == token.pk and identity.token_name == "Deploys"
    assert identity.via == "via API token “Deploys”"
    assert services.api_identity_from_authorization(f"bearer {plaintext}").user == member


@pytest.mark.parametrize(
    "shape",
    [
        None,
        "",
        "{t}",
        "Basic {t}",
        "Bearer",
        "Bearer ",
        "Bearer  {t}",
        "Bearer {t} ",
        " Bearer {t}",
        "Bearer\t{t}",
        "Bearer {t}\n",
        "Bearer {t}\x00",
        "Bearer \x00{t}",
        "Bearer {t}x",
        "Bearer {short}",
        "Bearer vdash_" + "é" * 43,
        "Bearer vdash_" + "A" * 43,
        "Bearer " + "A" * 100_000,
        b"Bearer {t}",
        ["Bearer {t}"],
    ],
)
def test_any_other_header_shape_is_no_identity(member, team, shape):
    _token, plaintext = new_token(member, team)
    if isinstance(shape, str):
        shape = shape.replace("{t}", plaintext).replace("{short}", plaintext[:-1])
    elif isinstance(shape, bytes):
        shape = shape.replace(b"{t}", plaintext.encode())
    elif isinstance(shape, list):
        shape = [shape[0].replace("{t}", plaintext)]
    assert services.api_identity_from_authorization(shape) is None


def test_revoked_expired_inactive_or_departed_tokens_stop_at_once(owner, member, team):
    header = bearer(new_token(member, team)[1])
    assert services.api_identity_from_authorization(header) is not None

    membership = Membership.objects.get(user=member, team=team)
    services.team_member_remove(membership=membership, actor=owner)
    assert services.api_identity_from_authorization(header) is None
    MembershipFactory(user=member, team=team, role=Role.MEMBER)
    assert services.api_identity_from_authorization(header) is not None

    member.is_active = False
    member.save()
    assert services.api_identity_from_authorization(header) is None
    member.is_active = True
    member.save()

    token = ApiToken.objects.get()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.api_identity_from_authorization(header) is None
    assert ApiToken.objects.get().state == "expired"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert services.api_identity_from_authorization(header) is not None

    assert services.api_token_revoke(by=member, token=token) is True
    assert services.api_identity_from_authorization(header) is None
    assert token.state == "revoked" and token.revoked_by == member


def test_the_role_is_the_lower_of_token_and_current_role(owner, team):
    MembershipFactory(team=team, role=Role.ADMIN)  # the team keeps an admin (PostgreSQL's guard)
    header = bearer(new_token(owner, team, role=Role.ADMIN)[1])
    assert services.api_identity_from_authorization(header).role == Role.ADMIN
    Membership.objects.filter(user=owner, team=team).update(role=Role.VIEWER)
    assert services.api_identity_from_authorization(header).role == Role.VIEWER
    Membership.objects.filter(user=owner, team=team).update(role=Role.MEMBER)
    assert services.api_identity_from_authorization(header).role == Role.MEMBER


def test_last_used_is_written_at_most_once_a_minute(member, team, django_assert_num_queries):
    token, plaintext = new_token(member, team)
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # the lookup, and the first use noted
        services.api_identity_from_authorization(bearer(plaintext))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only: no write per request
        services.api_identity_from_authorization(bearer(plaintext))
    assert ApiToken.objects.get().last_used_at == first
    earlier = first - LAST_USED_EVERY - timedelta(seconds=1)
    ApiToken.objects.update(last_used_at=earlier)
    services.api_identity_from_authorization(bearer(plaintext))
    assert ApiToken.objects.get().last_used_at > first


def test_revoke_is_for_the_owner_or_a_team_admin_and_audits_once(owner, member, viewer, team):
    token, _ = new_token(member, team)
    with pytest.raises(services.ServiceError):
        services.api_token_revoke(by=viewer, token=token)
    assert services.api_token_revoke(by=owner, token=token) is True
    assert services.api_token_revoke(by=member, token=token) is False
    revoked = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED)
    assert [(e.actor, e.target_id) for e in revoked] == [(owner, str(token.pk))]
    assert ApiToken.objects.get().revoked_by == owner


def test_the_list_shows_own_tokens_and_every_token_of_administered_teams(
    owner, member, viewer, team, outsider, other_team
):
    mine, _ = new_token(member, team)
    theirs, _ = new_token(viewer, team, role=Role.VIEWER)
    elsewhere, _ = new_token(outsider, other_team)
    assert list(services.api_tokens_visible(user=member)) == [mine]
    assert set(services.api_tokens_visible(user=owner)) == {mine, theirs}
    assert list(services.api_tokens_visible(user=outsider)) == [elsewhere]
