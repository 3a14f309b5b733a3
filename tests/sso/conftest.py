"""Single sign-on against oidc-provider-mock started as a real process on loopback."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from dashboard.sso.discovery import forget_provider_config
from tests.sso.forging_provider import ForgingProvider
from tests.sso.stand_in import MockProvider, path_and_query

CLIENT_ID = "vendor-dashboard"
CLIENT_SECRET = "stand-in-client-secret"


@pytest.fixture(scope="session")
def mock_provider(tmp_path_factory):
    provider = MockProvider(tmp_path_factory.mktemp("oidc-provider-mock"))
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def expiring_provider(tmp_path_factory):
    """The same stand-in, its ID tokens expired five minutes before they are issued."""
    provider = MockProvider(tmp_path_factory.mktemp("oidc-expired"), "--token-max-age=-300")
    yield provider
    provider.stop()


@pytest.fixture
def forging_provider():
    provider = ForgingProvider()
    yield provider
    provider.stop()


def use_provider(settings, issuer: str) -> None:
    forget_provider_config()
    # The stand-ins speak plain http on loopback, which only DEBUG allows (as `make run`).
    settings.DEBUG = True
    settings.OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_BUTTON_LABEL = "Sign in with Stand-in"


@pytest.fixture
def sso(settings, mock_provider):
    """SSO on, against the mock process; the provider's configuration read afresh."""
    use_provider(settings, mock_provider.url)
    yield mock_provider
    forget_provider_config()


def start(client: Client, query: str = "") -> str:
    """Press "Sign in with …": the provider's authorize URL the browser is sent to."""
    answer = client.get(f"/oidc/authenticate/{query}")
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def sign_in(client: Client, provider, sub: str):
    """The whole round trip; the dashboard's answer to the callback."""
    return client.get(provider.approve(start(client), sub))


def signed_in_as(client: Client):
    from django.contrib.auth import get_user

    class Holder:
        session = client.session

    user = get_user(Holder)
    return user if user.is_authenticated else None


def refused_with(client: Client, answer, message: str) -> None:
    """The callback ended on the login page with `message`, and there is no session."""
    assert answer.status_code == 302
    assert answer["Location"] == "/login/"
    page = client.get("/login/")
    assert page.status_code == 200
    shown = [str(m) for m in page.context["messages"]]
    assert shown == [message]
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"].startswith("/login/")


@pytest.fixture
def forging(settings, forging_provider):
    """SSO on, against the forging stand-in."""
    use_provider(settings, forging_provider.url)
    yield forging_provider
    forget_provider_config()


def forged_sign_in(client: Client, provider):
    """The forging stand-in approves at once: follow its redirect back to the callback."""
    authorize = start(client)
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    return client.get(path_and_query(answer.headers["Location"]))
