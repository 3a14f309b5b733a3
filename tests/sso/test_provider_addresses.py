"""Where sign-in may send its calls: the issuer's own host even when private (a provider
run inside the company), other private hosts only when OIDC_ALLOWED_HOSTS lists them, and
never a metadata address, whether named by discovery or reached through a redirect."""

from __future__ import annotations

import socket

import pytest

from dashboard.models import Identity
from dashboard.sso import outbound
from providers import http
from tests.providers.loopback import RawServer
from tests.sso.conftest import forged_sign_in, refused_with, signed_in_as, use_provider

pytestmark = pytest.mark.django_db

CALLED = ["token_endpoint", "jwks_uri", "userinfo_endpoint"]


@pytest.fixture
def corp_names(monkeypatch, _loopback_only):
    """Names on a company network; all of them resolve to the stand-in on 127.0.0.1."""
    _loopback_only.update({"idp.corp.internal", "keys.corp.internal"})
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".corp.internal"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def sent(monkeypatch):
    """Every URL the outbound session was asked for: a refused address never gets there."""
    urls = []
    real = http._session.request
    monkeypatch.setattr(
        http._session, "request", lambda m, u, *a, **k: urls.append(u) or real(m, u, *a, **k)
    )
    return urls


@pytest.fixture
def internal(settings, forging, corp_names):
    """The forging stand-in as a company's provider: issuer http://idp.corp.internal:port."""
    settings.OIDC_ALLOWED_HOSTS = []
    port = forging.url.rsplit(":", 1)[1]
    issuer = f"http://idp.corp.internal:{port}"
    honest = forging.discovery()
    forging.discovery = lambda: {
        **honest,
        "issuer": issuer,
        **{name: honest[name].replace(forging.url, issuer) for name in CALLED},
    }
    forging.overrides = {"iss": issuer}
    use_provider(settings, issuer)
    return forging


def move(provider, endpoint: str, url: str) -> None:
    """The discovery document names `url` for `endpoint` from now on."""
    before = provider.discovery
    provider.discovery = lambda: {**before(), endpoint: url}


def test_the_issuers_own_private_host_is_called_without_being_listed(client, internal, sent):
    assert forged_sign_in(client, internal)["Location"] == "/"
    assert signed_in_as(client).email == "forged@example.com"
    hosts = {url.split("/")[2].split(":")[0] for url in sent}
    assert hosts == {"idp.corp.internal"}


@pytest.mark.parametrize("listed", ["keys.corp.internal", "127.0.0.0/8"])
@pytest.mark.parametrize("endpoint", CALLED)
def test_an_endpoint_on_another_private_host_is_refused_unless_listed(
    client, settings, internal, sent, endpoint, listed, caplog
):
    port = internal.url.rsplit(":", 1)[1]
    path = internal.discovery()[endpoint].split(port, 1)[1]
    move(internal, endpoint, f"http://keys.corp.internal:{port}{path}")
    settings.ALLOWED_VENDOR_HOSTS = [listed]  # the vendors' list does not count here
    refused_with(client, forged_sign_in(client, internal), outbound.ADDRESS_REFUSED)
    assert not any("keys.corp.internal" in url for url in sent)
    assert "keys.corp.internal" in caplog.text and "OIDC_ALLOWED_HOSTS" in caplog.text
    assert not Identity.objects.exists()

    settings.OIDC_ALLOWED_HOSTS = [listed]
    assert forged_sign_in(client, internal)["Location"] == "/"
    assert any("keys.corp.internal" in url for url in sent)


@pytest.mark.parametrize("endpoint", CALLED)
def test_an_endpoint_on_a_metadata_address_is_refused_before_sending(
    client, forging, sent, endpoint
):
    move(forging, endpoint, "http://169.254.169.254/latest/meta-data/iam/security-credentials/")
    refused_with(client, forged_sign_in(client, forging), outbound.ADDRESS_REFUSED)
    assert not any("169.254.169.254" in url for url in sent)


@pytest.mark.parametrize("endpoint", CALLED)
def test_a_redirect_to_a_metadata_address_is_not_followed(client, forging, sent, endpoint):
    """The endpoint is on the issuer's host, so it is called; where it points is not."""

    def redirect(connection, _head):
        connection.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\n"
            b"Content-Length: 0\r\n\r\n"
        )

    with RawServer(redirect) as server:
        move(forging, endpoint, f"http://127.0.0.1:{server.port}/moved")
        refused_with(client, forged_sign_in(client, forging), outbound.UNREACHABLE)
    assert len(server.received) == 1
    assert not any("169.254.169.254" in url for url in sent)


def test_a_discovery_redirect_to_a_metadata_address_is_not_followed(client, forging, sent):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    forging.answers["/.well-known/openid-configuration"] = redirect
    assert client.get("/oidc/authenticate/")["Location"] == "/login/"
    shown = [str(m) for m in client.get("/login/").context["messages"]]
    assert shown == [outbound.UNREACHABLE]
    assert not any("169.254.169.254" in url for url in sent)
