"""What the login throttle (django-axes) keys on: who signs in, and from which address.

Both come from the request, so both are cleaned: a 1 MB or NUL-laden username, or a
forged X-Forwarded-For, must not break the throttle's own bookkeeping.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from .inputs import printable

USERNAME_MAX = 150  # Django's own limit for usernames


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind a trusted proxy the address it appended last to
    X-Forwarded-For (entries before it are whatever the client chose to send)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")


def username(request: HttpRequest, credentials: dict | None) -> str:
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    return printable(str(raw or ""))[:USERNAME_MAX]
