"""Each way a sign-in can be forged or spoiled is refused on the login page, in words,
with no session: wrong state, replayed code, wrong nonce, another client, expired, another
issuer; and what the provider or the account says no to."""

from __future__ import annotations

import base64

import pytest

from dashboard.models import Identity
from dashboard.services import identity as identity_service
from dashboard.sso import backend, views
from dashboard.sso.discovery import forget_provider_config
from tests.factories import UserFactory
from tests.sso.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    forged_sign_in,
    refused_with,
    sign_in,
    signed_in_as,
    start,
    use_provider,
)
from tests.sso.stand_in import query_of

pytestmark = pytest.mark.django_db


def test_a_wrong_state_is_refused(client, sso):
    sso.set_user("ann", email="ann@example.com")
    callback = sso.approve(start(client), "ann")
    forged = callback.replace(f"state={query_of(callback)['state']}", "state=someone-elses")
    refused_with(client, client.get(forged), views.WRONG_STATE)
    assert not Identity.objects.exists()


def test_a_callback_no_sign_in_started_here_is_refused(client, sso):
    """Login CSRF: an attacker's own code and state, sent to the victim's browser."""
    attacker = client.__class__()
    sso.set_user("mallory", email="mallory@example.com")
    callback = sso.approve(start(attacker), "mallory")
    refused_with(client, client.get(callback), views.WRONG_STATE)


@pytest.mark.parametrize(
    "query", ["?error=access_denied", "?error=x&state=y", "?code=x&state=y", "", "?state=y"]
)
def test_a_callback_this_browser_did_not_start_leaves_its_session_alone(client, sso, query):
    """A cross-site link to the callback must not sign anyone out."""
    user = UserFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    answer = client.get(f"/oidc/callback/{query}")
    assert (answer.status_code, answer["Location"]) == (302, "/login/")
    assert signed_in_as(client) == user
    page = client.get("/login/", follow=True)
    assert [str(m) for m in page.context["messages"]] == [views.WRONG_STATE]
    assert signed_in_as(client) == user


def test_a_refused_sign_in_this_browser_started_closes_a_session_already_open(client, sso):
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    callback = sso.deny(start(client))
    refused_with(client, client.get(callback), views.PROVIDER_DECLINED)


def test_a_replayed_callback_is_refused(client, sso):
    sso.set_user("ben", email="ben@example.com")
    callback = sso.approve(start(client), "ben")
    assert client.get(callback)["Location"] == "/"
    client.post("/logout/")
    refused_with(client, client.get(callback), views.WRONG_STATE)


def test_a_replayed_code_in_a_new_sign_in_is_refused_by_the_provider(client, sso):
    sso.set_user("cat", email="cat@example.com")
    spent = query_of(sso.approve(start(client), "cat"))
    client.get(f"/oidc/callback/?code={spent['code']}&state={spent['state']}")
    client.post("/logout/")

    fresh = query_of(start(client))  # a state this browser did start
    answer = client.get(f"/oidc/callback/?code={spent['code']}&state={fresh['state']}")
    refused_with(client, answer, backend.CODE_REFUSED)


def test_a_wrong_nonce_is_refused(client, sso):
    sso.set_user("dan", email="dan@example.com")
    callback = sso.approve(start(client), "dan")
    session = client.session
    session["oidc_states"][query_of(callback)["state"]]["nonce"] = "not-the-one-sent"
    session.save()
    refused_with(client, client.get(callback), backend.WRONG_NONCE)
    assert not Identity.objects.exists()


def test_an_expired_id_token_is_refused(client, settings, expiring_provider):
    use_provider(settings, expiring_provider.url)
    expiring_provider.set_user("eli", email="eli@example.com")
    refused_with(client, sign_in(client, expiring_provider, "eli"), backend.EXPIRED)
    forget_provider_config()


def test_the_forging_stand_in_signs_in_when_honest_and_gets_the_pkce_verifier(client, forging):
    assert forged_sign_in(client, forging)["Location"] == "/"
    assert signed_in_as(client).email == "forged@example.com"
    sent = forging.token_requests[-1]
    assert (sent["client_id"], len(sent["code_verifier"])) == (CLIENT_ID, 64)
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent["authorization"] == f"Basic {basic}" and "client_secret" not in sent


def test_a_provider_without_end_session_signs_out_here_only(client, forging):
    forged_sign_in(client, forging)
    assert signed_in_as(client) is not None
    answer = client.post("/logout/")
    assert (answer.status_code, answer["Location"]) == (302, "/login/")
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "query",
    [
        "code=x&state=%00",
        "code=%00&state=a%0Ab",
        f"code={'x' * 100_000}&state={'y' * 100_000}",
        "code=&state=",
        "state=only",
        "code=only",
        "code=x&state=%D9%A1%D9%A2",
        "code=x&state=x&state=y",
    ],
)
def test_nasty_callback_values_are_a_wrong_state(client, sso, query):
    start(client)  # a sign-in this browser did start, with another state
    refused_with(client, client.get(f"/oidc/callback/?{query}"), views.WRONG_STATE)


def test_an_id_token_for_another_client_is_refused(client, forging):
    forging.overrides = {"aud": "another-application"}
    refused_with(client, forged_sign_in(client, forging), backend.ANOTHER_CLIENT)


def test_an_id_token_for_several_clients_not_authorized_for_us_is_refused(client, forging):
    forging.overrides = {"aud": [CLIENT_ID, "another-application"], "azp": "another-application"}
    refused_with(client, forged_sign_in(client, forging), backend.ANOTHER_CLIENT)


def test_an_id_token_from_another_issuer_is_refused(client, forging):
    forging.overrides = {"iss": "https://evil.example"}
    refused_with(client, forged_sign_in(client, forging), backend.ANOTHER_ISSUER)


def test_an_id_token_without_a_nonce_is_refused(client, forging):
    forging.overrides = {"nonce": None}
    refused_with(client, forged_sign_in(client, forging), backend.WRONG_NONCE)


def test_an_id_token_signed_by_another_key_is_refused(client, forging):
    from cryptography.hazmat.primitives.asymmetric import rsa

    forging.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)


def test_an_id_token_naming_a_key_the_provider_does_not_publish_is_refused(client, forging):
    forging.kid = "not-published"
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)


def test_userinfo_about_someone_else_is_refused(client, forging):
    forging.overrides = {"sub": "someone-else"}  # the userinfo answer is about forged-sub
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)
    assert not Identity.objects.exists()


@pytest.mark.parametrize("missing", ["exp", "iat", "sub"])
def test_an_id_token_without_a_required_claim_is_refused(client, forging, missing):
    forging.overrides = {missing: None}
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)


def test_a_deactivated_user_is_refused(client, sso):
    user = UserFactory(username="gus", is_active=False)
    Identity.objects.create(user=user, issuer=sso.url, subject="gus-1")
    sso.set_user("gus-1", email="gus@example.com")
    refused_with(client, sign_in(client, sso, "gus-1"), identity_service.DEACTIVATED)


def test_two_accounts_with_the_verified_email_link_neither(client, sso):
    UserFactory(email="hub@example.com")
    UserFactory(email="HUB@example.com")
    sso.set_user("hub-1", email="hub@example.com", email_verified=True)
    refused_with(client, sign_in(client, sso, "hub-1"), identity_service.SHARED_EMAIL)


def test_a_denial_at_the_provider_is_shown(client, sso):
    refused_with(client, client.get(sso.deny(start(client))), views.PROVIDER_DECLINED)


def test_an_unreachable_provider_is_shown_at_the_start(client, settings):
    from tests.processes import free_port

    use_provider(settings, f"http://127.0.0.1:{free_port()}")
    answer = client.get("/oidc/authenticate/")
    assert answer["Location"] == "/login/"
    shown = [str(m) for m in client.get("/login/").context["messages"]]
    assert shown == ["The identity provider could not be reached. Try again in a moment."]
    forget_provider_config()
