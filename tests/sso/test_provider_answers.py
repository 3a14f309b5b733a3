"""What the identity provider answers to the token, keys and userinfo calls (and to
discovery) that must end the sign-in in words, never a 500: answers too large, too slow,
not JSON or of the wrong shape. And no secret of a sign-in ever reaches the log."""

from __future__ import annotations

import json
import logging
import time

import pytest

from dashboard.models import Identity
from dashboard.sso import backend, outbound
from tests.sso.conftest import CLIENT_SECRET, forged_sign_in, refused_with

pytestmark = pytest.mark.django_db

PATHS = {"token": "/token", "keys": "/jwks", "userinfo": "/userinfo"}


def answer(body: bytes, *, content_type: str = "application/json", status: int = 200):
    """An answer a test puts in the stand-in's mouth for one path."""

    def write(handler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return write


def trickle(handler) -> None:
    """Headers at once, then a byte of the body every 50 ms: never late enough for a read
    timeout, never complete."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    stop = time.monotonic() + 5
    try:
        while time.monotonic() < stop:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass  # the dashboard hung up, as it should


@pytest.mark.parametrize("called", list(PATHS))
def test_an_answer_over_the_size_cap_is_refused(client, forging, settings, called):
    settings.VENDOR_HTTP_MAX_ANSWER_BYTES = 64 * 1024
    huge = json.dumps({"padding": "x" * 1024 * 1024}).encode()
    forging.answers[PATHS[called]] = answer(huge)
    refused_with(client, forged_sign_in(client, forging), outbound.UNREACHABLE)
    assert not Identity.objects.exists()


@pytest.mark.parametrize("called", list(PATHS))
def test_an_answer_that_trickles_ends_at_the_timeout(client, forging, settings, called):
    settings.OIDC_TIMEOUT = 0.5
    forging.answers[PATHS[called]] = trickle
    started = time.monotonic()
    refused = forged_sign_in(client, forging)
    assert time.monotonic() - started < 1.5  # the whole round trip, the cut call included
    refused_with(client, refused, outbound.UNREACHABLE)


def test_a_discovery_document_that_trickles_ends_at_the_timeout(client, forging, settings):
    settings.OIDC_TIMEOUT = 0.5
    forging.answers["/.well-known/openid-configuration"] = trickle
    started = time.monotonic()
    assert client.get("/oidc/authenticate/")["Location"] == "/login/"
    assert time.monotonic() - started < 1.5
    shown = [str(m) for m in client.get("/login/").context["messages"]]
    assert shown == [outbound.UNREACHABLE]


WRONG_ANSWERS = {
    "token": [
        answer(b"<html>Service Unavailable</html>", content_type="text/html"),
        answer(b"[1, 2, 3]"),
        answer(b'{"access_token": "at", "id_token": 42}'),
        answer(b'{"access_token": ["at"], "id_token": "x.y.z"}'),
        answer(b'{"access_token": "at\\r\\nX-Injected: 1", "id_token": "x.y.z"}'),
    ],
    "keys": [
        answer(b"not json", content_type="text/plain"),
        answer(b'"keys"'),
        answer(b'{"keys": "all of them"}'),
    ],
    "userinfo": [
        answer(b"<html>Sign in first</html>", content_type="text/html"),
        answer(b'[{"sub": "forged-sub"}]'),
        answer(b'{"sub": "forged-sub"', content_type="application/json"),
    ],
}


@pytest.mark.parametrize(
    "called, wrong",
    [(called, wrong) for called, answers in WRONG_ANSWERS.items() for wrong in answers],
)
def test_an_answer_not_json_or_of_the_wrong_type_is_a_clear_refusal(client, forging, called, wrong):
    forging.answers[PATHS[called]] = wrong
    refused_with(client, forged_sign_in(client, forging), backend.UNREADABLE)
    assert not Identity.objects.exists()


@pytest.mark.parametrize(
    "keys",
    [
        ["not a key"],
        [{"kid": "forging-key", "kty": "RSA", "alg": "RS256", "n": "!!", "e": "AQAB"}],
        [{"kid": "forging-key", "kty": "no-such-type"}],
        [{"kid": "forging-key", "kty": "RSA", "alg": "ES256", "crv": "P-256"}],
    ],
)
def test_keys_that_cannot_check_the_token_refuse_it(client, forging, keys):
    forging.answers["/jwks"] = answer(json.dumps({"keys": keys}).encode())
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)


def test_userinfo_with_a_subject_of_another_type_is_refused(client, forging):
    forging.answers["/userinfo"] = answer(b'{"sub": 12345}')
    refused_with(client, forged_sign_in(client, forging), backend.NOT_VERIFIED)


def test_a_discovery_document_that_is_not_json_is_shown_at_the_start(client, forging):
    forging.answers["/.well-known/openid-configuration"] = answer(
        b"<html/>", content_type="text/html"
    )
    assert client.get("/oidc/authenticate/")["Location"] == "/login/"
    shown = [str(m) for m in client.get("/login/").context["messages"]]
    assert shown == ["The identity provider's configuration is not readable."]


@pytest.mark.parametrize("ending", ["signed in", "token refused", "userinfo too large"])
def test_no_secret_of_a_sign_in_reaches_the_log(client, forging, settings, caplog, ending):
    caplog.set_level(logging.DEBUG)
    if ending == "token refused":
        # A provider that echoes what it was sent in its error.
        forging.answers["/token"] = lambda handler: answer(
            json.dumps({"error": "invalid_client", "got": forging.token_requests[-1]}).encode(),
            status=401,
        )(handler)
    if ending == "userinfo too large":
        settings.VENDOR_HTTP_MAX_ANSWER_BYTES = 16 * 1024
        forging.answers["/userinfo"] = answer(b'{"x": "' + b"y" * 64 * 1024 + b'"}')
    forged_sign_in(client, forging)

    sent = forging.token_requests[-1]
    tokens = forging.issued[-1]
    secrets = [
        CLIENT_SECRET,
        sent["authorization"].removeprefix("Basic "),
        sent["code"],
        sent["code_verifier"],
        tokens["access_token"],
        tokens["id_token"],
        tokens["id_token"].split(".")[2],  # its signature alone
    ]
    assert "/token" in caplog.text  # the calls are logged ...
    for secret in secrets:
        assert secret not in caplog.text  # ... without what they carried
