"""The identity provider's endpoints, from OIDC_ISSUER's /.well-known/openid-configuration.

Read when first needed (never at startup, so a provider that is down never stops the app
from starting, and with SSO off nothing is ever asked), then kept for the life of the
process. A failed read is not kept: the next sign-in asks again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings

from dashboard.sso.outbound import UNREACHABLE, call_provider, json_object, words_for
from providers.errors import ProviderError

# Asymmetric algorithms we accept for ID tokens, best first; never "none" or a shared secret.
ACCEPTED_ALGORITHMS = ("RS256", "ES256", "PS256", "RS384", "ES384", "RS512", "ES512")


class ProviderUnavailable(Exception):
    """The provider's configuration could not be read or is not usable; words for a person."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str  # exactly as the provider writes it; ID tokens must carry this `iss`
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    end_session_endpoint: str  # "" when the provider offers none
    signing_algorithm: str


_lock = threading.Lock()
_known: dict[str, ProviderConfig] = {}


def provider_config() -> ProviderConfig:
    issuer = settings.OIDC_ISSUER
    if not issuer:
        raise ProviderUnavailable("Single sign-on is not configured.")
    with _lock:
        known = _known.get(issuer)
    if known is not None:
        return known
    config = _read(issuer)
    with _lock:
        _known[issuer] = config
    return config


def forget_provider_config() -> None:
    """For tests, and for a provider whose configuration changed: read it again next time."""
    with _lock:
        _known.clear()


def _read(issuer: str) -> ProviderConfig:
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        answer = call_provider("GET", url)
    except ProviderError as exc:
        raise ProviderUnavailable(words_for(exc)) from None
    if not answer.ok:
        raise ProviderUnavailable(UNREACHABLE)
    document = json_object(answer)
    if document is None:
        raise ProviderUnavailable("The identity provider's configuration is not readable.")
    # OpenID Connect Discovery 1.0, 4.3: the issuer it names must be the one we asked.
    named = document.get("issuer")
    if not isinstance(named, str) or named.rstrip("/") != issuer:
        raise ProviderUnavailable(
            "The identity provider's configuration names another issuer than OIDC_ISSUER."
        )
    return ProviderConfig(
        issuer=named,
        authorization_endpoint=_url(document, "authorization_endpoint"),
        token_endpoint=_url(document, "token_endpoint"),
        jwks_uri=_url(document, "jwks_uri"),
        userinfo_endpoint=_url(document, "userinfo_endpoint"),
        end_session_endpoint=_url(document, "end_session_endpoint", required=False),
        signing_algorithm=_algorithm(document),
    )


def _url(document: dict, name: str, *, required: bool = True) -> str:
    value = document.get(name)
    # Plain http only in development (as check E009 says of OIDC_ISSUER): codes, tokens
    # and keys would otherwise cross the network readable and changeable on the way.
    schemes = ("https://", "http://") if settings.DEBUG else ("https://",)
    if isinstance(value, str) and value.startswith(schemes):
        return value
    if isinstance(value, str) and value.startswith("http://"):
        raise ProviderUnavailable(
            f"The identity provider's configuration gives a plain-http {name}; it must be https."
        )
    if required:
        raise ProviderUnavailable(f"The identity provider's configuration has no {name}.")
    return ""


def _algorithm(document: dict) -> str:
    offered = document.get("id_token_signing_alg_values_supported")
    if not isinstance(offered, list):
        offered = ["RS256"]  # the specification's default
    for algorithm in ACCEPTED_ALGORITHMS:
        if algorithm in offered:
            return algorithm
    raise ProviderUnavailable("The identity provider signs ID tokens with no algorithm we accept.")
