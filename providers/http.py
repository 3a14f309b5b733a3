"""The one outbound HTTP wrapper every vendor call goes through.

It sets a timeout, a User-Agent and no redirects on every call, retries only
what is safe to retry (a connection that never opened), and turns every
transport failure into a ProviderError. Whether a failure after sending means
"nothing happened" or "outcome unknown" depends on the method, decided here once.

Base URLs are typed by users, so every destination passes an SSRF guard: only
http(s); no loopback, private, link-local, multicast or reserved address unless
allow-listed in settings.ALLOWED_VENDOR_HOSTS; https when DEBUG is off. It is
checked twice: on the resolved name before anything is sent, and on the address
the socket actually connected to (so DNS rebinding can't slip past).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .base import ErrorKind, ProviderError

logger = logging.getLogger(__name__)

USER_AGENT = "vendor-dashboard/0.1 (+https://github.com/; requests)"
CONNECT_RETRIES = 2
_RETRY_PAUSE_SECONDS = 0.2
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BlockedAddress(Exception):
    """A connection reached an address the guard refuses. Not an OSError, so never retried."""


def _allowed(host: str, ip: str | None = None) -> bool:
    entries = [entry.strip().lower() for entry in settings.ALLOWED_VENDOR_HOSTS if entry.strip()]
    if host.lower().strip("[]") in entries:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    for entry in entries:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name, not an address
    return False


def _is_public(ip: str) -> bool:
    """Only globally routable unicast addresses: not private, loopback, link-local, shared
    (carrier-grade NAT, 100.64.0.0/10, where some clouds keep metadata), reserved, ..."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _check_peer(host: str, ip: str) -> None:
    if not _is_public(ip) and not _allowed(host, ip):
        raise BlockedAddress(ip)


class _GuardedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.host, self.sock.getpeername()[0])


class _GuardedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.host, self.sock.getpeername()[0])


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }


_session = requests.Session()
_session.headers["User-Agent"] = USER_AGENT
_session.mount("http://", _GuardedAdapter())
_session.mount("https://", _GuardedAdapter())


def check_destination(url: str, *, field: str | None = "base_url") -> None:
    """Refuse a URL the dashboard must never call; the error is a field error on `field`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ProviderError(ErrorKind.INVALID, "Enter an http:// or https:// address.", field=field)
    if _allowed(host):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {
            info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        }
    except (socket.gaierror, UnicodeError, ValueError):
        raise ProviderError(
            ErrorKind.INVALID, f"The host “{host}” could not be found.", field=field
        ) from None
    if all(_allowed(host, ip) for ip in addresses):
        return
    if parts.scheme == "http" and not settings.DEBUG:
        raise ProviderError(
            ErrorKind.INVALID,
            "Use an https:// address; plain http is only allowed for hosts listed in "
            "ALLOWED_VENDOR_HOSTS.",
            field=field,
        )
    blocked = sorted(ip for ip in addresses if not _is_public(ip) and not _allowed(host, ip))
    if blocked:
        raise ProviderError(
            ErrorKind.INVALID,
            f"“{host}” points to a private or reserved address, which the dashboard never "
            "calls. An operator can allow it in ALLOWED_VENDOR_HOSTS.",
            field=field,
        )


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
    check_destination(url.strip())
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
    check_destination(url, field=None)  # nothing is sent to a refused address
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
        except BlockedAddress:
            _log(method, url, "refused: private address", started)
            raise ProviderError(
                ErrorKind.INVALID,
                f"{vendor}'s address resolved to a private or reserved address when "
                "connecting, so nothing was sent.",
            ) from None
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
