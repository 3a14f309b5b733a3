"""The one outbound HTTP wrapper: timeouts, redirects, retries and error mapping."""

import socket
import time

import pytest

from providers import http
from providers.base import ErrorKind, ProviderError

from .loopback import RawServer, read_request_head


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
        socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("76.76.21.21", 443))]
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


# How an answer says what becomes of its connection. With "close" or HTTP/1.0, http.client
# hands the socket from the connection to the response, so the deadline must cut it there.
STATUS_LINES = {
    "keep-alive": b"HTTP/1.1 200 OK\r\n",
    "close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n",
    "http/1.0": b"HTTP/1.0 200 OK\r\n",
}


def trickle(where: str, seconds: float = 5.0, *, framing: str = "keep-alive"):
    """Answer one byte every 50 ms, in the headers or in the body, for `seconds`."""

    def handler(connection, _head):
        if where == "headers":
            connection.sendall(STATUS_LINES[framing] + b"X-Slow: ")
        else:
            connection.sendall(
                STATUS_LINES[framing] + b"Content-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n"
            )
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            connection.sendall(b"a")
            time.sleep(0.05)

    return handler


@pytest.mark.parametrize("framing", list(STATUS_LINES))
@pytest.mark.parametrize("where", ["headers", "body"])
@pytest.mark.parametrize(
    "method, kind", [("GET", ErrorKind.UNAVAILABLE), ("POST", ErrorKind.OUTCOME_UNKNOWN)]
)
def test_an_answer_that_trickles_is_abandoned_at_the_total_deadline(
    settings, where, method, kind, framing
):
    """Each byte arrives well within the read timeout; the whole answer never does."""
    settings.VENDOR_HTTP_TOTAL_TIMEOUT = 0.5
    with RawServer(trickle(where, framing=framing)) as server:
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            http.send(method, f"http://127.0.0.1:{server.port}/project", json_body={}, vendor="R4")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert caught.value.kind == kind
    assert "did not arrive in full within 0.5 seconds" in caught.value.message
    assert len(server.received) == 1  # sent once, never again


@pytest.mark.parametrize("framing", list(STATUS_LINES))
def test_an_answer_in_time_is_read_whole_however_its_connection_ends(settings, framing):
    """The deadline cuts only a call still running: a prompt answer, then the next call on
    the same pool (a kept-alive connection or a new one), both arrive whole."""
    settings.VENDOR_HTTP_TOTAL_TIMEOUT = 0.5

    def answer(connection, head):
        while head:
            connection.sendall(STATUS_LINES[framing] + b"Content-Length: 2\r\n\r\n{}")
            if framing != "keep-alive":
                return
            head = read_request_head(connection)

    with RawServer(answer) as server:
        url = f"http://127.0.0.1:{server.port}/project"
        for _ in range(2):
            assert http.send("GET", url).json() == {}
            time.sleep(0.6)  # past the first call's deadline: its timer must cut nothing
    assert len(server.received) == (1 if framing == "keep-alive" else 2)


def flood(size: int, *, declared: bool):
    def handler(connection, _head):
        framing = f"Content-Length: {size}" if declared else "Transfer-Encoding: chunked"
        connection.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()
        )
        chunk = b"[" + b"0," * 32767 + b"0]"  # 64 KiB
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            connection.sendall(part if declared else b"%x\r\n%s\r\n" % (len(part), part))
            sent += len(part)
        if not declared:
            connection.sendall(b"0\r\n\r\n")

    return handler


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    "method, kind", [("GET", ErrorKind.UNAVAILABLE), ("POST", ErrorKind.OUTCOME_UNKNOWN)]
)
def test_an_answer_over_the_size_cap_is_not_read(settings, declared, method, kind):
    settings.VENDOR_HTTP_MAX_ANSWER_BYTES = 256 * 1024
    with (
        RawServer(flood(4 * 1024 * 1024, declared=declared)) as server,
        pytest.raises(ProviderError) as caught,
    ):
        http.send(method, f"http://127.0.0.1:{server.port}/project", json_body={}, vendor="R4")
    assert caught.value.kind == kind
    assert "larger than 262,144 bytes" in caught.value.message
    assert len(server.received) == 1


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_answer_up_to_the_size_cap_is_read_whole(settings, declared):
    settings.VENDOR_HTTP_MAX_ANSWER_BYTES = 256 * 1024
    with RawServer(flood(256 * 1024, declared=declared)) as server:
        answer = http.send("GET", f"http://127.0.0.1:{server.port}/project")
    assert answer.status == 200 and len(answer.text) == 256 * 1024
