"""An answer declaring a charset Python can't decode with (unknown, no text encoding, or
one that refuses errors="replace") is read as UTF-8, not refused as unreadable."""

import dataclasses

import pytest

from providers import http
from providers.r4 import R4
from providers.sandbox.r4 import mint_key

from .loopback import RawServer


def declaring(charset: bytes, body: bytes):
    def handler(connection, _head):
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=%s\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (charset, len(body), body)
        )

    return handler


@pytest.mark.parametrize(
    "charset",
    [
        b"idna",  # refuses errors="replace"
        b"undefined",  # refuses everything
        b"rot13",  # no text encoding
        b"no-such-charset",
        b"utf\x008",  # a NUL in the name
    ],
)
def test_an_answer_in_a_charset_that_cannot_be_decoded_is_read_as_utf8(charset):
    body = '{"projects": [{"name": "Café"}]}'.encode()
    with RawServer(declaring(charset, body)) as server:
        answer = http.send("GET", f"http://127.0.0.1:{server.port}/project")
    assert answer.json() == {"projects": [{"name": "Café"}]}


def test_a_create_answered_in_an_odd_charset_is_created_not_outcome_unknown(sandbox, monkeypatch):
    r4 = sandbox.vendors["r4"]
    real_handle = r4.handle
    monkeypatch.setattr(
        r4,
        "handle",
        lambda request: dataclasses.replace(
            real_handle(request), content_type="application/json; charset=idna"
        ),
    )
    created = R4().create_project(
        base_url=sandbox.base_url("r4"),
        credentials={"api_key": mint_key("prov0001")},
        payload={"name": "Café launch"},
        reference="ref-1",
    )
    sent = sandbox.calls("r4", method="POST")
    assert len(sent) == 1
    assert created.remote_id in r4.projects["prov0001"]
