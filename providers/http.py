"""The one outbound HTTP wrapper every vendor call goes through.

It sets a timeout, a User-Agent and no redirects on every call, retries only
what is safe to retry (a connection that never opened), and turns every
transport failure into a ProviderError. Whether a failure after sending means
"nothing happened" or "outcome unknown" depends on the method, decided here once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .base import ErrorKind, ProviderError

logger = logging.getLogger(__name__)

USER_AGENT = "vendor-dashboard/0.1 (+https://github.com/; requests)"
CONNECT_RETRIES = 2
_RETRY_PAUSE_SECONDS = 0.2
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_session = requests.Session()
_session.headers["User-Agent"] = USER_AGENT
_session.max_redirects = 0


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
    def ok(self) -> bool:
        return 200 <= self.status < 300


def check_base_url(url: str) -> str:
    """Refuse anything but a plain http(s) URL with a host; returns it without a trailing /."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError(
            ErrorKind.INVALID, "Enter an http:// or https:// address.", field="base_url"
        )
    if parts.username or parts.password:
        raise ProviderError(
            ErrorKind.INVALID, "Don't put credentials in the address.", field="base_url"
        )
    if parts.query or parts.fragment:
        raise ProviderError(ErrorKind.INVALID, "Leave out ? and # parts.", field="base_url")
    return url.strip().rstrip("/")


def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    vendor: str = "The vendor",
) -> VendorResponse:
    """Send one request; raise ProviderError for anything that is not an HTTP answer."""
    method = method.upper()
    timeout = (settings.VENDOR_HTTP_CONNECT_TIMEOUT, settings.VENDOR_HTTP_READ_TIMEOUT)
    attempt = 0
    while True:
        started = time.monotonic()
        try:
            response = _session.request(
                method,
                url,
                headers=headers,
                json=json_body,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            if _never_sent(exc) and attempt < CONNECT_RETRIES:
                attempt += 1
                time.sleep(_RETRY_PAUSE_SECONDS * attempt)
                continue
            _log(method, url, f"failed: {type(exc).__name__}", started)
            raise _transport_error(exc, method, vendor) from None
        _log(method, url, response.status_code, started)
        if 300 <= response.status_code < 400:
            raise ProviderError(
                ErrorKind.UNAVAILABLE if method in _SAFE_METHODS else ErrorKind.OUTCOME_UNKNOWN,
                f"{vendor} answered with a redirect, which is never followed. "
                "Check the account's base URL.",
                status=response.status_code,
                field="base_url" if method in _SAFE_METHODS else None,
            )
        return VendorResponse(response.status_code, response.headers, response.text)


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


def _transport_error(exc: Exception, method: str, vendor: str) -> ProviderError:
    if _never_sent(exc):
        return ProviderError(
            ErrorKind.UNAVAILABLE,
            f"{vendor} could not be reached. Nothing was sent; try again in a moment.",
        )
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


def _log(method: str, url: str, outcome: object, started: float) -> None:
    # Host and path only: queries, headers and bodies may hold secrets.
    parts = urlsplit(url)
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "vendor %s %s%s -> %s (%.0f ms)", method, parts.netloc, parts.path, outcome, elapsed_ms
    )
