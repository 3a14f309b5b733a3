"""The SSRF guard of the one outbound HTTP wrapper (providers/http.py).

Base URLs are typed by users, so a vendor call may reach only globally routable unicast
addresses (or what settings.ALLOWED_VENDOR_HOSTS lists). A name is resolved once per
call; every address it gave is checked, and the connection is made to a checked address
(pinned), with the name kept for the Host header and for TLS (SNI and certificate). So a
name that answers differently the next time (DNS rebinding) never gets a connection.

IPv6 forms that carry an IPv4 address (mapped, NAT64, SIIT) are judged by that IPv4
address; deprecated ranges and tunnels to any IPv4 address (6to4, Teredo) are refused.

A call also has a deadline, which bounds every step that can block: the name lookup (in
a worker thread, as getaddrinfo has no timeout), each connect and TLS handshake (their
timeouts are cut to what is left), and sending and reading (the deadline's timer shuts
the socket). A call therefore ends within a few milliseconds of its deadline.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from providers.errors import ErrorKind, ProviderError

# IPv6 addresses whose last 32 bits are the IPv4 address actually reached.
_CARRIES_IPV4 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
    )
)
# Refused whatever Python's `is_global` says about them.
_REFUSED = tuple(
    ipaddress.ip_network(network)
    for network in (
        "::/96",  # IPv4-compatible (deprecated, RFC 4291); also :: and ::1
        "fec0::/10",  # site-local (deprecated, RFC 3879)
        "3ffe::/16",  # 6bone (returned, RFC 3701)
        "2002::/16",  # 6to4: a tunnel to the IPv4 address inside
        "2001::/32",  # Teredo: a tunnel to the (obfuscated) IPv4 address inside
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated, RFC 7526)
    )
)


# The allow-list vendor calls read; other callers (webhooks) name their own.
VENDOR_ALLOW_LIST = "ALLOWED_VENDOR_HOSTS"


class BlockedAddress(Exception):
    """A connection the guard refuses. Not an OSError, so never retried."""


def allowed(
    host: str,
    ip: str | None = None,
    *,
    allow_setting: str = VENDOR_ALLOW_LIST,
    also_allowed: Iterable[str] = (),
) -> bool:
    """Whether the allow-list named `allow_setting`, or an entry of `also_allowed` (a caller's
    own exceptions, in the same forms), lets `host` (or `ip`) through."""
    listed = [*getattr(settings, allow_setting), *also_allowed]
    entries = [entry.strip().lower() for entry in listed if entry.strip()]
    if host.lower().strip("[]") in entries:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip.split("%")[0])
    for entry in entries:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name, not an address
    return False


def is_public(ip: str) -> bool:
    """Only globally routable unicast addresses: not private, loopback, link-local, shared
    (carrier-grade NAT, 100.64.0.0/10, where some clouds keep metadata), reserved, ..."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and any(
        address in network for network in _CARRIES_IPV4
    ):
        address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in network for network in _REFUSED if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


@dataclasses.dataclass(frozen=True)
class Destination:
    host: str
    addresses: tuple[str, ...]  # as resolved, each one checked


def resolve(
    url: str,
    *,
    field: str | None = "base_url",
    deadline: float | None = None,
    allow_setting: str = VENDOR_ALLOW_LIST,
    also_allowed: Iterable[str] = (),
    https_only: bool | None = None,
) -> Destination:
    """Resolve the URL's host once and check every address; the error is a field error on
    `field`. Nothing may be sent to an address that was not returned here. The lookup is
    given up at `deadline` (time.monotonic()); by default VENDOR_HTTP_TOTAL_TIMEOUT from now.
    `allow_setting` names the allow-list and `also_allowed` adds the caller's own entries;
    plain http is refused unless the host is on one (`https_only`; by default only with
    DEBUG off)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ProviderError(ErrorKind.INVALID, "Enter an http:// or https:// address.", field=field)
    if https_only is None:
        https_only = not settings.DEBUG
    if deadline is None:
        deadline = time.monotonic() + settings.VENDOR_HTTP_TOTAL_TIMEOUT
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = _lookup(host, port, deadline=deadline)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ProviderError(
            ErrorKind.INVALID, f"The host “{host}” could not be found.", field=field
        ) from None
    except TimeoutError:
        raise ProviderError(
            ErrorKind.UNAVAILABLE,
            f"The address of “{host}” could not be looked up in time. Nothing was sent; "
            "try again in a moment.",
            field=field,
        ) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    destination = Destination(host, addresses)

    def listed(ip: str | None = None) -> bool:
        return allowed(host, ip, allow_setting=allow_setting, also_allowed=also_allowed)

    if listed() or all(listed(ip) for ip in addresses):
        return destination
    if parts.scheme == "http" and https_only:
        raise ProviderError(
            ErrorKind.INVALID,
            "Use an https:// address; plain http is only allowed for hosts listed in "
            f"{allow_setting}.",
            field=field,
        )
    if not addresses or any(not is_public(ip) and not listed(ip) for ip in addresses):
        raise ProviderError(
            ErrorKind.INVALID,
            f"“{host}” points to a private or reserved address, which the dashboard never "
            f"calls. An operator can allow it in {allow_setting}.",
            field=field,
        )
    return destination


def _lookup(host: str, port: int, *, deadline: float) -> list[Any]:
    """getaddrinfo, given up (TimeoutError) at `deadline`. It runs in a daemon thread, as it
    has no timeout of its own; one given up on ends when the system resolver gives up."""
    outcome: dict[str, Any] = {}

    def look_up() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=look_up, name="vendor-name-lookup", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if "error" in outcome:
        raise outcome["error"]
    if "infos" not in outcome:
        raise TimeoutError(f"looking up {host}")
    return outcome["infos"]


@dataclasses.dataclass
class Call:
    """One vendor call: where it may connect, until when, and the connections it holds.

    A connection belongs to the call from its request until it goes back to the pool;
    the deadline's timer shuts only what the call still holds, under the call's lock.
    """

    destination: Destination
    deadline: float  # time.monotonic() at which the call ends
    requested: bool = False  # a request was started, so it may have reached the vendor
    _cut: bool = False
    _connections: list[HTTPConnection] = dataclasses.field(default_factory=list)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @property
    def expired(self) -> bool:
        return self._cut or time.monotonic() >= self.deadline

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def watch(self, connection: HTTPConnection) -> None:
        """The call holds `connection` now: the deadline cuts it."""
        with self._lock:
            if self.expired:
                raise ConnectTimeoutError(connection, "The call's deadline passed.")
            self.requested = True
            if connection not in self._connections:
                self._connections.append(connection)
            connection._vendor_call = self  # type: ignore[attr-defined]

    def release(self, connection: HTTPConnection) -> None:
        """`connection` goes back to the pool: from now on the deadline leaves it alone."""
        with self._lock:
            if getattr(connection, "_vendor_call", None) is self:
                connection._vendor_call = None  # type: ignore[attr-defined]
                if connection.sock is None:  # its answer took the socket, and is done
                    connection._vendor_sock = None  # type: ignore[attr-defined]
            if connection in self._connections:
                self._connections.remove(connection)

    def expire(self) -> None:
        """Cut every connection the call holds: a read blocked on it returns at once."""
        with self._lock:
            self._cut = True
            for connection in self._connections:
                # The socket as connected: with "Connection: close" or HTTP/1.0, http.client
                # moves it to the response (connection.sock is None) while the body is read.
                sock = connection.sock or getattr(connection, "_vendor_sock", None)
                if getattr(connection, "_vendor_call", None) is self and sock:
                    with contextlib.suppress(OSError):  # the plain socket's, under TLS too
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current_call: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "vendor_call", default=None
)


@contextmanager
def pinned(destination: Destination, *, deadline: float) -> Iterator[Call]:
    """Connections made inside go to `destination`'s checked addresses only, and the call
    ends at `deadline` (time.monotonic())."""
    call = Call(destination, deadline)
    timer = threading.Timer(call.remaining(), call.expire)
    timer.daemon = True
    token = _current_call.set(call)
    timer.start()
    try:
        yield call
    finally:
        timer.cancel()
        _current_call.reset(token)


def _release_to_pool(connection: HTTPConnection | None) -> HTTPConnection | None:
    """Detach a connection from its call before it goes back to the pool, where another
    call may take it: no call's deadline timer may cut it from then on."""
    owner: Call | None = getattr(connection, "_vendor_call", None)
    if owner is not None:
        owner.release(connection)  # type: ignore[arg-type]
    return connection


def _within(timeout: object, call: Call) -> float:
    """A connection's own timeout, cut to what is left of the call (never 0: blocking)."""
    left = max(call.remaining(), 0.001)
    return min(timeout, left) if isinstance(timeout, int | float) else left


class _PinnedConnectionMixin:
    """Connects to the current call's checked addresses instead of resolving the name
    again; `host` (Host header, TLS server name and certificate check) stays the name."""

    _dns_host: str

    def _new_conn(self) -> socket.socket:
        call = _current_call.get()
        if call is None:
            raise BlockedAddress("a connection outside a checked vendor call")
        deadline_passed = ConnectTimeoutError(self, "The call's deadline passed.")
        error: Exception = deadline_passed
        name, timeout = self._dns_host, self.timeout
        for address in call.destination.addresses:
            if call.expired:
                break
            self._dns_host = address
            self.timeout = _within(timeout, call)
            try:
                sock = super()._new_conn()  # type: ignore[misc]
            except (NewConnectionError, ConnectTimeoutError) as exc:
                error = exc
                continue
            finally:
                self._dns_host, self.timeout = name, timeout
            if call.expired:
                sock.close()
                raise deadline_passed
            # The TLS handshake that follows ends by this timeout: Python's ssl applies it
            # to the whole handshake, however slowly its bytes trickle in.
            sock.settimeout(_within(timeout, call))
            return sock
        raise error

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        # Kept for the deadline (under TLS, the wrapped socket that reads the answer).
        self._vendor_sock = self.sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        call = _current_call.get()
        if call is None:
            raise BlockedAddress("a request outside a checked vendor call")
        call.watch(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection

    def _put_conn(self, conn: Any) -> None:
        super()._put_conn(_release_to_pool(conn))


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection

    def _put_conn(self, conn: Any) -> None:
        super()._put_conn(_release_to_pool(conn))


class PinnedAdapter(HTTPAdapter):
    """requests' adapter with pinned connections, and no proxy: a proxy's own pool would
    connect wherever the proxy is, unchecked."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PinnedHTTPConnectionPool,
            "https": _PinnedHTTPSConnectionPool,
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise BlockedAddress("vendor calls never go through a proxy")
