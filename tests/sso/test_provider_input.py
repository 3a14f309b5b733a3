"""What a provider's configuration and tokens may carry that must be refused: plain-http
endpoints with DEBUG off, an ID token authorized for another party, and values that
PostgreSQL cannot store (a clear refusal, never a 500)."""

from __future__ import annotations

import pytest
from django.db import DataError

from dashboard.models import GroupMapping, Identity, Membership, Role
from dashboard.services import identity as identity_service
from dashboard.services.errors import ServiceError
from dashboard.sso import backend
from dashboard.sso.discovery import ProviderUnavailable, forget_provider_config, provider_config
from tests.factories import MembershipFactory, TeamFactory
from tests.sso.conftest import CLIENT_ID, forged_sign_in, refused_with

pytestmark = pytest.mark.django_db
ISSUER = "https://id.example"


@pytest.mark.parametrize(
    "endpoint", ["authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"]
)
def test_a_plain_http_endpoint_is_refused_with_debug_off(forging, settings, endpoint):
    https = {
        name: f"https://id.example/{name}"
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
    }
    honest = forging.discovery()
    forging.discovery = lambda: {**honest, **https, endpoint: f"http://id.example/{endpoint}"}
    settings.DEBUG = False
    with pytest.raises(ProviderUnavailable) as refused:
        provider_config()
    assert endpoint in str(refused.value) and "https" in str(refused.value)

    forget_provider_config()
    forging.discovery = lambda: {**honest, **https}
    assert provider_config().token_endpoint == "https://id.example/token_endpoint"

    forget_provider_config()
    settings.DEBUG = True  # a stand-in on loopback, in development
    forging.discovery = lambda: {**honest, **https, endpoint: f"http://id.example/{endpoint}"}
    assert getattr(provider_config(), endpoint) == f"http://id.example/{endpoint}"


def test_an_id_token_for_us_authorized_for_another_party_is_refused(client, forging):
    forging.overrides = {"azp": "another-application"}  # one audience, ours
    refused_with(client, forged_sign_in(client, forging), backend.ANOTHER_CLIENT)
    assert not Identity.objects.exists()


def test_an_id_token_authorized_for_us_signs_in(client, forging):
    forging.overrides = {"azp": CLIENT_ID}
    assert forged_sign_in(client, forging)["Location"] == "/"


@pytest.mark.parametrize("bad", ["devs\x00", "de\nvs", "\ud800", "x\x1b"])
def test_groups_with_control_characters_are_dropped(bad):
    team = TeamFactory(managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="devs", team=team, role=Role.MEMBER)
    user = identity_service.identity_sign_in(
        issuer=ISSUER, claims={"sub": "s", "groups": [bad, "devs"]}
    )
    assert Membership.objects.get(user=user, team=team).role == Role.MEMBER
    user = identity_service.identity_sign_in(issuer=ISSUER, claims={"sub": "t", "groups": [bad]})
    assert not Membership.objects.filter(user=user).exists()


def test_a_huge_groups_list_still_gives_the_mapped_role():
    team = TeamFactory(managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="devs", team=team, role=Role.VIEWER)
    groups = [f"g{n}" for n in range(100_000)] + ["devs"]
    user = identity_service.identity_sign_in(issuer=ISSUER, claims={"sub": "s", "groups": groups})
    assert Membership.objects.get(user=user, team=team).role == Role.VIEWER


@pytest.mark.parametrize("email", ["a\x00b@example.com", "a@exa\nmple.com", "\ud800@example.com"])
def test_a_verified_email_with_control_characters_is_refused(email):
    claims = {"sub": "s", "email": email, "email_verified": True}
    with pytest.raises(ServiceError) as refused:
        identity_service.identity_sign_in(issuer=ISSUER, claims=claims)
    assert refused.value.message == identity_service.UNUSABLE_EMAIL
    assert not Identity.objects.exists()


def test_a_database_error_during_sign_in_is_a_clear_refusal(client, forging, monkeypatch):
    def fails(**kwargs):
        raise DataError("invalid byte sequence")

    monkeypatch.setattr(backend, "identity_sign_in", fails)
    refused_with(client, forged_sign_in(client, forging), backend.NOT_RECORDED)
