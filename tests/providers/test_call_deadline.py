"""VENDOR_HTTP_TOTAL_TIMEOUT is a hard limit on a whole vendor call: name lookup, each
connect, the TLS handshake, sending and reading all end by it. The device sign-in lease
and check dashboard.E001 rely on that."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest

from providers import http, ssrf
from providers.base import ErrorKind, ProviderError

from .loopback import RawServer, read_request_head

TOTAL = 0.5
SLACK = 0.4  # a loaded test machine's scheduling, far below any overrun measured before


@pytest.fixture
def short_deadline(settings):
    settings.VENDOR_HTTP_TOTAL_TIMEOUT = TOTAL
    settings.VENDOR_HTTP_CONNECT_TIMEOUT = 2.0  # each step alone would outlast the call
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.1"]


@pytest.fixture
def slow_resolver(monkeypatch, _loopback_only):
    """slow-dns.example resolves to 127.0.0.1, after 5 seconds (released at teardown)."""
    released = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "slow-dns.example":
            released.wait(5)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    _loopback_only.add("slow-dns.example")
    yield
    released.set()


@contextmanager
def timed():
    took = {}
    started = time.monotonic()
    try:
        yield took
    finally:
        took["seconds"] = time.monotonic() - started


def test_a_slow_name_lookup_ends_at_the_call_deadline(short_deadline, slow_resolver, sandbox):
    url = sandbox.base_url("r4").replace("127.0.0.1", "slow-dns.example")
    with timed() as took, pytest.raises(ProviderError) as caught:
        http.send("POST", f"{url}/project", json_body={"name": "x"})
    assert took["seconds"] < TOTAL + SLACK
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert "Nothing was sent" in caught.value.message
    assert sandbox.calls("r4") == []


def test_a_base_url_whose_name_resolves_too_slowly_is_a_field_error(short_deadline, slow_resolver):
    with timed() as took, pytest.raises(ProviderError) as caught:
        http.check_base_url("http://slow-dns.example/api")
    assert took["seconds"] < TOTAL + SLACK
    assert "could not be looked up in time" in caught.value.field_errors["base_url"]


@pytest.fixture
def unanswered_port():
    """A port whose listener never accepts and whose queue is full: a connect hangs."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    queued = socket.create_connection(("127.0.0.1", port))
    yield port
    queued.close()
    listener.close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_connect_that_hangs_ends_at_the_call_deadline(short_deadline, unanswered_port, method):
    with timed() as took, pytest.raises(ProviderError) as caught:
        http.send(method, f"http://127.0.0.1:{unanswered_port}/project", json_body={})
    assert took["seconds"] < TOTAL + SLACK
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert "Nothing was sent" in caught.value.message


def trickled_handshake(connection, _head):
    """Take the ClientHello, announce a 16 KiB handshake record, then send a byte every
    50 ms: every read is well within the connect timeout, the handshake never ends."""
    connection.recv(65536)
    connection.sendall(b"\x16\x03\x03\x40\x00")
    for _ in range(100):
        time.sleep(0.05)
        connection.sendall(b"\x02")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tls_handshake_that_trickles_ends_at_the_call_deadline(short_deadline, method):
    with (
        RawServer(trickled_handshake, read_head=False) as server,
        timed() as took,
        pytest.raises(ProviderError) as caught,
    ):
        http.send(method, f"https://127.0.0.1:{server.port}/project", json_body={})
    assert took["seconds"] < TOTAL + SLACK
    # The request never left: a create is not left "outcome unknown".
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert "Nothing was sent" in caught.value.message
    assert len(server.received) == 1


def keep_alive(connection, head):
    """Answer every request on the connection, as a vendor behind a keep-alive server."""
    while head:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        head = read_request_head(connection)


def test_a_deadline_timer_firing_as_its_call_ends_leaves_the_pooled_connection_alone(
    monkeypatch,
):
    """Call A ends; its timer fires that very moment, while call B has just taken the
    kept-alive connection A gave back to the pool. B's request must go through."""
    calls = []
    real_pinned = ssrf.pinned

    @contextmanager
    def recording(*args, **kwargs):
        with real_pinned(*args, **kwargs) as call:
            calls.append(call)
            yield call

    real_request = ssrf._PinnedConnectionMixin.request

    def request(connection, *args, **kwargs):
        if len(calls) == 2:
            calls[0].expire()  # A's timer, late: B holds the connection, not yet sending
        return real_request(connection, *args, **kwargs)

    monkeypatch.setattr(ssrf, "pinned", recording)
    monkeypatch.setattr(ssrf._PinnedConnectionMixin, "request", request)
    with RawServer(keep_alive) as server:
        url = f"http://127.0.0.1:{server.port}/project"
        assert http.send("GET", url).status == 200
        assert http.send("POST", url, json_body={}).status == 200
    assert len(server.received) == 1  # one connection: B did reuse A's
