"""The login throttle (django-axes): what it keys on, and the limit of each key.

Three counts, each over the last LOGIN_LOCKOUT_MINUTES, and the first that reaches its
limit pauses the login:
- one username from one address (AXES_FAILURE_LIMIT): someone guessing one password;
- one address, any usernames (LOGIN_FAILURE_LIMIT_PER_ADDRESS): password spraying;
- one username, any addresses (LOGIN_FAILURE_LIMIT_PER_USERNAME): a guess spread over
  many addresses. It is higher, because it pauses the real person everywhere.

An IPv6 address counts by its /64, which one customer usually holds whole.

Both keys come from the request, so both are cleaned: a 1 MB or NUL-laden username, or a
forged X-Forwarded-For, must not break the throttle's own bookkeeping. People type their
password into the username field, so a username that names nobody is kept (in the
database and the logs) only as a keyed digest.
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from dashboard.validation.text import printable

USERNAME_MAX = 150  # Django's own limit for usernames
IPV6_NETWORK_PREFIX = 64
PAIR = frozenset({"username", "ip_address"})


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind a trusted proxy the address it appended last to
    X-Forwarded-For (entries before it are whatever the client chose to send);
    an IPv6 address as its /64 network."""
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            ipaddress.ip_address(last)
            raw = last
        except ValueError:
            pass
    return throttle_address(raw)


def throttle_address(raw: str) -> str:
    """The address a failure counts against: IPv4 as is, IPv6 as its /64's first address."""
    try:
        address = ipaddress.ip_address(raw.split("%")[0])
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_NETWORK_PREFIX), strict=False)
        return str(network.network_address)
    return str(address)


def username(request: HttpRequest, credentials: dict | None) -> str:
    """The username as typed when it names an account; otherwise a digest of it, which
    counts the same way without keeping what was typed (often a password)."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    typed = str(raw or "")
    if not typed:
        return ""
    user_model = get_user_model()
    storable = len(typed) <= USERNAME_MAX and printable(typed) == typed
    if (
        storable
        and user_model._default_manager.filter(**{user_model.USERNAME_FIELD: typed}).exists()
    ):
        return typed
    # Spaces and parentheses are not allowed in usernames, so this never names a person.
    digest = salted_hmac(
        "login-throttle-username", typed.encode("utf-8", "surrogatepass"), algorithm="sha256"
    )
    return f"(no such user) {digest.hexdigest()[:16]}"


def client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest
) -> str:
    """How axes names a client in its log lines: the cleaned username (the POST data and
    its username field are masked by AXES_SENSITIVE_PARAMETERS), address and path."""
    return f'{{username: "{username}", ip_address: "{ip_address}", path_info: "{path_info}"}}'


def _limit(parameters: str | list[str]) -> int:
    names = frozenset([parameters] if isinstance(parameters, str) else parameters)
    if names == PAIR:
        return settings.AXES_FAILURE_LIMIT
    if names == {"ip_address"}:
        return settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    if names == {"username"}:
        return settings.LOGIN_FAILURE_LIMIT_PER_USERNAME
    raise ValueError(f"No login failure limit for {sorted(names)}")


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler, with a limit per AXES_LOCKOUT_PARAMETERS entry.

    axes compares one number, `get_failures()`, with AXES_FAILURE_LIMIT. Here that number
    is AXES_FAILURE_LIMIT minus the failures left before the nearest limit, so it reaches
    AXES_FAILURE_LIMIT exactly when any count reaches its own limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        groups = get_lockout_parameters(request, credentials)
        querysets = self.get_user_attempts(request, credentials)
        left = min(
            _limit(group) - (attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)
            for group, attempts in zip(groups, querysets, strict=True)
        )
        return get_failure_limit(request, credentials) - left

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A success clears only its own username and address: signing in to one's own
        account must not wipe an address's or a username's count of other failures."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count
