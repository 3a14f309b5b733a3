"""The SSRF guard: user-typed base URLs never reach private or reserved addresses."""

import socket

import pytest

from providers import http
from providers.base import ErrorKind, ProviderError


@pytest.fixture
def nothing_allowed(settings):
    settings.ALLOWED_VENDOR_HOSTS = []
    settings.DEBUG = True  # so plain http isn't what refuses them


@pytest.fixture
def sent(monkeypatch):
    """Every request that reached the session: a refusal must leave this empty."""
    calls = []
    real = http._session.request
    monkeypatch.setattr(
        http._session, "request", lambda m, u, *a, **k: calls.append(u) or real(m, u, *a, **k)
    )
    return calls


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8100/r4",
        "http://10.1.2.3/api",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/",
        "http://localhost:8000/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://192.168.1.10/",
        "http://[fe80::1]/",
        "http://100.100.100.200/latest/meta-data/",  # carrier-grade NAT: a cloud's metadata
        "http://100.64.0.1/",
        "http://198.18.0.1/",  # benchmarking
        "http://192.0.0.170/",
        "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    ],
)
def test_private_and_reserved_destinations_are_refused_before_sending(nothing_allowed, sent, url):
    with pytest.raises(ProviderError) as caught:
        http.check_base_url(url)
    assert caught.value.field_errors["base_url"]
    with pytest.raises(ProviderError) as caught:
        http.send("GET", url + "/me")
    assert caught.value.kind == ErrorKind.INVALID and "private or reserved" in caught.value.message
    assert sent == []


def test_a_public_name_resolving_to_a_private_address_is_refused(
    nothing_allowed, sent, monkeypatch
):
    monkeypatch.setattr(
        http.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 443))]
    )
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("https://otas.example.com")
    message = caught.value.field_errors["base_url"]
    assert "private or reserved" in message and "10.0.0.7" not in message  # no internal echo
    assert sent == []


def test_dns_rebinding_is_caught_at_connect_time(
    nothing_allowed, sandbox, monkeypatch, _loopback_only
):
    """The name looked public when checked, then the socket reached loopback: nothing is sent."""
    _loopback_only.add("rebind.example")  # it really is 127.0.0.1 below
    port = sandbox.httpd.server_address[1]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])  # first lookup public, the next one loopback

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            return real_getaddrinfo(next(answers, "127.0.0.1"), *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(ProviderError) as caught:
        http.send("GET", f"http://rebind.example:{port}/r4/api/v1/machine/me")
    assert "nothing was sent" in caught.value.message
    assert sandbox.calls() == []


def test_a_redirect_to_a_private_address_is_not_followed(sandbox, sent, monkeypatch):
    from providers.sandbox.core import SandboxResponse

    monkeypatch.setattr(
        sandbox.vendors["r4"],
        "handle",
        lambda r: SandboxResponse(
            302, "", headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        ),
    )
    with pytest.raises(ProviderError) as caught:
        http.send("GET", f"{sandbox.base_url('r4')}/me")
    assert "redirect" in caught.value.message
    assert sent == [f"{sandbox.base_url('r4')}/me"]


def test_allow_listed_hosts_and_networks_pass(settings, sandbox):
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.0/8"]
    assert http.send("GET", f"{sandbox.base_url('r4')}/me").status == 401


def test_https_is_required_when_debug_is_off_unless_allow_listed(settings, monkeypatch):
    settings.DEBUG = False
    settings.ALLOWED_VENDOR_HOSTS = []
    monkeypatch.setattr(
        http.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80))]
    )
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("http://otas.example.com")
    assert "https://" in caught.value.field_errors["base_url"]
    assert http.check_base_url("https://otas.example.com") == "https://otas.example.com"
    settings.ALLOWED_VENDOR_HOSTS = ["otas.example.com"]
    assert http.check_base_url("http://otas.example.com") == "http://otas.example.com"


def test_unknown_hosts_are_a_clear_field_error(nothing_allowed):
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("https://no-such-host.invalid")
    assert "could not be found" in caught.value.field_errors["base_url"]
