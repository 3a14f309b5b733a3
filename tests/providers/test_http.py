"""The one outbound HTTP wrapper: timeouts, redirects, retries and error mapping."""

import socket

import pytest

from providers import http
from providers.base import ErrorKind, ProviderError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_retried_then_unavailable_with_nothing_sent(monkeypatch):
    attempts = []
    real = http._session.request
    monkeypatch.setattr(http, "_RETRY_PAUSE_SECONDS", 0)
    monkeypatch.setattr(
        http._session, "request", lambda *a, **k: attempts.append(1) or real(*a, **k)
    )
    with pytest.raises(ProviderError) as caught:
        http.send("POST", f"http://127.0.0.1:{_closed_port()}/x", json_body={}, vendor="R4")
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert "Nothing was sent" in caught.value.message
    assert len(attempts) == 1 + http.CONNECT_RETRIES


def test_a_lost_answer_to_a_get_is_unavailable_not_unknown(sandbox):
    sandbox.inject("drop", vendor="r4")
    with pytest.raises(ProviderError) as caught:
        http.send("GET", f"{sandbox.base_url('r4')}/me")
    assert caught.value.kind == ErrorKind.UNAVAILABLE


def test_redirects_are_never_followed(sandbox, monkeypatch):
    from providers.sandbox.core import SandboxResponse

    monkeypatch.setattr(
        sandbox.vendors["r4"],
        "handle",
        lambda request: SandboxResponse(302, "", headers={"Location": "http://10.0.0.1/steal"}),
    )
    with pytest.raises(ProviderError) as caught:
        http.send("POST", f"{sandbox.base_url('r4')}/project", json_body={"name": "x"})
    assert caught.value.kind == ErrorKind.OUTCOME_UNKNOWN
    assert len(sandbox.calls("r4")) == 1


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "javascript:alert(1)",
        "http://",
        "example.com/api",
        "http://user:pw@example.com",
        "https://example.com/?token=1",
        "",
    ],
)
def test_base_urls_must_be_plain_http(url):
    with pytest.raises(ProviderError) as caught:
        http.check_base_url(url)
    assert caught.value.field_errors["base_url"]


def test_base_url_loses_its_trailing_slash(monkeypatch):
    monkeypatch.setattr(
        http.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("76.76.21.21", 443))]
    )
    assert (
        http.check_base_url(" https://r4.dev/api/v1/machine/ ") == "https://r4.dev/api/v1/machine"
    )


def test_log_lines_carry_no_headers_or_bodies(sandbox, caplog):
    caplog.set_level("INFO", logger="providers.http")
    http.send(
        "POST",
        f"{sandbox.base_url('r4')}/project",
        headers={"X-API-Key": "rk_x.SECRETSECRETSECRET"},
        json_body={"name": "body-marker"},
    )
    text = caplog.text
    assert "/r4/api/v1/machine/project -> 401" in text
    assert "SECRETSECRETSECRET" not in text and "body-marker" not in text
