"""Every call to the identity provider (discovery, token, keys, userinfo), through the
hardened outbound HTTP of providers/http.py: its size cap, a total deadline of
OIDC_TIMEOUT, no redirects, logs without headers or bodies, and its SSRF guard.

The guard lets through the issuer's own host (companies run their provider on an internal
address) and OIDC_ALLOWED_HOSTS; any other host an endpoint names must be public. So a
discovery document cannot send the dashboard to a metadata service or an internal admin.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from providers import http
from providers.errors import ErrorKind, ProviderError

logger = logging.getLogger(__name__)

ALLOW_LIST = "OIDC_ALLOWED_HOSTS"
WHO = "The identity provider"
UNREACHABLE = "The identity provider could not be reached. Try again in a moment."
ADDRESS_REFUSED = (
    "The identity provider's address was refused: not found, not https, or private and "
    "not listed in OIDC_ALLOWED_HOSTS. An administrator can find which in the log."
)


def call_provider(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
) -> http.VendorResponse:
    """One request to the identity provider; `form` is sent form-urlencoded. Raises
    ProviderError for anything that is not an HTTP answer, or a refused address."""
    sent_headers = {"Accept": "application/json", **(headers or {})}
    body = None
    if form is not None:
        sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(form).encode()
    return http.send(
        method,
        url,
        headers=sent_headers,
        body=body,
        vendor=WHO,
        total_timeout=settings.OIDC_TIMEOUT,
        allow_setting=ALLOW_LIST,
        also_allowed=_issuer_host(),
    )


def json_object(answer: http.VendorResponse) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is no JSON or JSON of another type."""
    parsed = answer.json()
    return parsed if isinstance(parsed, dict) else None


def words_for(failure: ProviderError) -> str:
    """A person's sentence for a failed call; the operator's detail goes to the log."""
    # The message names a host and a reason, never a path, header or body.
    logger.warning("A call to the identity provider failed: %s", failure.message)
    return ADDRESS_REFUSED if failure.kind == ErrorKind.INVALID else UNREACHABLE


def _issuer_host() -> tuple[str, ...]:
    # Read at each call, so an overridden OIDC_ISSUER (tests) holds.
    host = urlsplit(settings.OIDC_ISSUER).hostname
    return (host,) if host else ()
