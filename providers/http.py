"""The one outbound HTTP wrapper every vendor call goes through.

It sets a timeout, a User-Agent and no redirects on every call, retries only
what is safe to retry (a connection that never opened), and turns every
transport failure into a ProviderError. Whether a failure after sending means
"nothing happened" or "outcome unknown" depends on the method, decided here once.

Every destination passes the SSRF guard (providers/ssrf.py): the name is resolved
once, every address checked, and the connection pinned to a checked address. No
proxy and no ~/.netrc from the environment. An answer is read up to
VENDOR_HTTP_MAX_ANSWER_BYTES, and a whole call (name lookup, connects, TLS, retries and
reading included) ends after VENDOR_HTTP_TOTAL_TIMEOUT seconds, give or take a few
milliseconds, so a server or resolver that trickles or floods holds nobody.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from providers import ssrf
from providers.errors import ErrorKind, ProviderError

logger = logging.getLogger(__name__)

USER_AGENT = "vendor-dashboard/0.1 (+https://github.com/; requests)"
CONNECT_RETRIES = 2
_RETRY_PAUSE_SECONDS = 0.2
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHUNK_BYTES = 64 * 1024

_session = requests.Session()
_session.headers["User-Agent"] = USER_AGENT
_session.trust_env = False  # no proxy, no ~/.netrc credentials, from the environment
# ... but an operator's CA bundle still counts (requests reads it only with trust_env).
_session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
_session.mount("http://", ssrf.PinnedAdapter())
_session.mount("https://", ssrf.PinnedAdapter())


class _Abandoned(Exception):
    """The answer was too large or too slow; `reason` says which, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VendorResponse:
    status: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any:
        """The parsed body, or None when it is not JSON (an HTML error page, say)."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def retry_after(self) -> int | None:
        """Seconds from a Retry-After header, when the vendor sent a number."""
        value = self.headers.get("Retry-After", "").strip()
        return int(value) if value.isdigit() else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def check_base_url(url: str) -> str:
    """Refuse anything but a plain, reachable http(s) URL; returns it without a trailing /."""
    parts = urlsplit(url.strip())
    if parts.username or parts.password:
        raise ProviderError(
            ErrorKind.INVALID, "Don't put credentials in the address.", field="base_url"
        )
    if parts.query or parts.fragment:
        raise ProviderError(ErrorKind.INVALID, "Leave out ? and # parts.", field="base_url")
    ssrf.resolve(url.strip(), field="base_url")
    return url.strip().rstrip("/")


def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    body: bytes | None = None,
    vendor: str = "The vendor",
    total_timeout: float | None = None,
    allow_setting: str = ssrf.VENDOR_ALLOW_LIST,
    also_allowed: Iterable[str] = (),
    https_only: bool | None = None,
    log_path: bool = True,
) -> VendorResponse:
    """Send one request; raise ProviderError for anything that is not an HTTP answer.

    `body` is sent as these exact bytes (a signed webhook); `total_timeout` replaces
    VENDOR_HTTP_TOTAL_TIMEOUT (and bounds the read); `allow_setting`, `also_allowed` and
    `https_only` are the SSRF guard's (see `ssrf.resolve`); `log_path=False` logs the host
    alone (a URL whose path is a credential, as a Slack incoming webhook's is)."""
    method = method.upper()
    started = time.monotonic()
    logged = url if log_path else _host_only(url)
    total = total_timeout if total_timeout is not None else settings.VENDOR_HTTP_TOTAL_TIMEOUT
    deadline = started + total
    # Nothing is sent to a refused address.
    destination = ssrf.resolve(
        url,
        field=None,
        deadline=deadline,
        allow_setting=allow_setting,
        also_allowed=also_allowed,
        https_only=https_only,
    )
    timeout = (settings.VENDOR_HTTP_CONNECT_TIMEOUT, settings.VENDOR_HTTP_READ_TIMEOUT)
    if total_timeout is not None:
        timeout = (min(timeout[0], total), total)
    with ssrf.pinned(destination, deadline=deadline) as call:
        attempt = 0
        while True:
            try:
                response = _session.request(
                    method,
                    url,
                    headers=headers,
                    json=json_body,
                    data=body,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                )
                with response:
                    if 300 <= response.status_code < 400:
                        _log(method, logged, response.status_code, started)
                        raise _redirect(response.status_code, method, vendor)
                    answer = _read_capped(response, call, total)
            except ssrf.BlockedAddress:
                # Worded as any unreachable host: a refusal here must not tell an open
                # port from a closed one.
                _log(method, logged, "refused: blocked connection", started)
                raise _unreachable(vendor) from None
            except _Abandoned as exc:
                _log(method, logged, f"abandoned: {exc.reason}", started)
                raise _abandoned(exc.reason, method, vendor, total, sent=True) from None
            except requests.RequestException as exc:
                if call.expired:
                    reason = _too_slow(total)
                    _log(method, logged, f"abandoned: {reason}", started)
                    sent = call.requested and not _never_sent(exc)
                    raise _abandoned(reason, method, vendor, total, sent=sent) from None
                if _never_sent(exc) and attempt < CONNECT_RETRIES:
                    attempt += 1
                    time.sleep(min(_RETRY_PAUSE_SECONDS * attempt, call.remaining()))
                    continue
                _log(method, logged, f"failed: {type(exc).__name__}", started)
                raise _transport_error(exc, method, vendor) from None
            _log(method, logged, response.status_code, started)
            return VendorResponse(response.status_code, response.headers, _text(response, answer))


def _redirect(status: int, method: str, vendor: str) -> ProviderError:
    return ProviderError(
        ErrorKind.UNAVAILABLE if method in _SAFE_METHODS else ErrorKind.OUTCOME_UNKNOWN,
        f"{vendor} answered with a redirect, which is never followed. "
        "Check the account's base URL.",
        status=status,
        field="base_url" if method in _SAFE_METHODS else None,
    )


def _read_capped(response: requests.Response, call: ssrf.Call, total: float) -> bytes:
    """The body, up to VENDOR_HTTP_MAX_ANSWER_BYTES and until the call's deadline."""
    limit = settings.VENDOR_HTTP_MAX_ANSWER_BYTES
    too_large = f"the answer was larger than {limit:,} bytes"
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise _Abandoned(too_large)
    body = bytearray()
    for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise _Abandoned(too_large)
        if call.expired:
            raise _Abandoned(_too_slow(total))
    if call.expired:  # the deadline cut the connection, which can look like a short answer
        raise _Abandoned(_too_slow(total))
    return bytes(body)


def _too_slow(seconds: float) -> str:
    return f"the answer did not arrive in full within {seconds:g} seconds"


def _text(response: requests.Response, body: bytes) -> str:
    try:
        return body.decode(response.encoding or "utf-8", errors="replace")
    # A charset Python does not know or that is no text encoding (LookupError), one that
    # refuses "replace" (UnicodeError, a ValueError: idna, undefined) or a name with a
    # NUL (ValueError): read the answer as UTF-8.
    except (LookupError, ValueError):
        return body.decode("utf-8", errors="replace")


def _never_sent(exc: Exception) -> bool:
    """True when the connection never opened, so the vendor cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectTimeoutError):
            return True
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                stack.append(linked)
    return False


def _unreachable(vendor: str) -> ProviderError:
    return ProviderError(
        ErrorKind.UNAVAILABLE,
        f"{vendor} could not be reached. Nothing was sent; try again in a moment.",
    )


def _abandoned(reason: str, method: str, vendor: str, total: float, *, sent: bool) -> ProviderError:
    """An answer too large or too slow: the transport failure of its method."""
    if not sent:
        return ProviderError(
            ErrorKind.UNAVAILABLE,
            f"{vendor} could not be reached within {total:g} "
            "seconds. Nothing was sent; try again in a moment.",
        )
    if method in _SAFE_METHODS:
        return ProviderError(
            ErrorKind.UNAVAILABLE,
            f"The call to {vendor} was abandoned: {reason}. Try again in a moment.",
        )
    return ProviderError(
        ErrorKind.OUTCOME_UNKNOWN,
        f"The request reached {vendor} but the call was abandoned: {reason}. We can't "
        "tell whether it was carried out.",
    )


def _transport_error(exc: Exception, method: str, vendor: str) -> ProviderError:
    if _never_sent(exc):
        return _unreachable(vendor)
    if method in _SAFE_METHODS:
        return ProviderError(
            ErrorKind.UNAVAILABLE, f"{vendor} did not answer in time. Try again in a moment."
        )
    # The request went out; the vendor may have acted on it. Never resend blindly.
    return ProviderError(
        ErrorKind.OUTCOME_UNKNOWN,
        f"The request reached {vendor} but the answer was lost, so we can't tell "
        "whether it was carried out.",
    )


def _host_only(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _log(method: str, url: str, outcome: object, started: float) -> None:
    # Host and path only: queries, headers and bodies may hold secrets.
    parts = urlsplit(url)
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "vendor %s %s%s -> %s (%.0f ms)", method, parts.netloc, parts.path, outcome, elapsed_ms
    )
