"""mozilla-django-oidc's backend, with the checks it leaves out and our own users.

The library exchanges the code (with the PKCE verifier), fetches the provider's keys and
checks the ID token's signature and nonce. It does not check the token's issuer or
audience, and checks `exp` only when present; here every ID token must name our issuer
and our client, and carry `exp`, `iat` and `sub` (a small clock skew allowed). Every
refusal is a SignInRefused with words for the person, shown on the login page.

The library's own calls (token, keys, userinfo) use `requests` unguarded; they are
replaced here by calls through outbound.py (size cap, deadline, SSRF guard).
"""

from __future__ import annotations

import base64
import logging
import re

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from dashboard.services.errors import ServiceError
from dashboard.services.identity import identity_sign_in
from dashboard.sso import sso_enabled
from dashboard.sso.discovery import ProviderUnavailable, provider_config
from dashboard.sso.outbound import UNREACHABLE, call_provider, json_object, words_for
from providers.errors import ProviderError
from providers.http import VendorResponse

logger = logging.getLogger(__name__)

NOT_VERIFIED = "The identity provider's answer could not be verified. Sign in again."
ANOTHER_ISSUER = "The identity provider's answer came from another issuer than the one configured."
ANOTHER_CLIENT = "The identity provider's answer was issued for another application."
EXPIRED = "The identity provider's answer has expired. Sign in again."
WRONG_NONCE = "The identity provider's answer does not belong to this sign-in. Sign in again."
CODE_REFUSED = (
    "The identity provider did not accept this sign-in: its code was already used or has "
    "expired. Sign in again."
)
CLIENT_REFUSED = (
    "The identity provider did not accept this application's credentials: an administrator "
    "should check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
)
UNREADABLE = (
    "The identity provider sent an answer this dashboard cannot read. Try again later, or "
    "ask an administrator to check the provider."
)
NOT_RECORDED = (
    "Your sign-in could not be recorded here: the identity provider sent something this "
    "dashboard cannot store. Ask an administrator."
)


_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


class SignInRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IdentityProviderBackend(OIDCAuthenticationBackend):
    """Signs in only from the callback (which alone passes a nonce), and only with SSO on."""

    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs) -> None:
        # The library reads the endpoints here; we read them when a sign-in needs them, so
        # loading a session's user (every request) never asks the provider anything.
        self.UserModel = get_user_model()

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider_config().token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return provider_config().userinfo_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider_config().jwks_uri

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return provider_config().signing_algorithm

    # The library's get_user skips the is_active check: a deactivated user keeps a session.
    get_user = ModelBackend.get_user

    def authenticate(self, request, nonce=None, code_verifier=None):
        if not sso_enabled() or request is None or not nonce:
            return None
        try:
            user = super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except ProviderUnavailable as exc:
            raise SignInRefused(str(exc)) from None
        except ProviderError as exc:
            raise SignInRefused(words_for(exc)) from None
        except (SuspiciousOperation, ValueError, KeyError, TypeError):
            # The keys or an answer of the wrong shape: nothing to say but "not verified".
            logger.warning("Sign-in refused: the provider's answer was not usable", exc_info=True)
            raise SignInRefused(NOT_VERIFIED) from None
        if user is None:
            # No code: refused here, so Django never tries the other backends (the password
            # throttle would count a sign-in through the provider as a wrong password).
            raise SignInRefused(NOT_VERIFIED)
        return user

    def get_token(self, payload) -> dict:
        """The token endpoint's answer to the code: a form POST, the client authenticated
        by HTTP Basic when OIDC_TOKEN_USE_BASIC_AUTH says so (as the library does)."""
        form = dict(payload)
        headers = {}
        if self.get_settings("OIDC_TOKEN_USE_BASIC_AUTH", False):
            secret = form.pop("client_secret", "")
            pair = f"{form.get('client_id', '')}:{secret}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        answer = call_provider("POST", self.OIDC_OP_TOKEN_ENDPOINT, headers=headers, form=form)
        self.raise_token_response_error(answer)
        tokens = json_object(answer)
        if (
            tokens is None
            or not isinstance(tokens.get("id_token"), str)
            or not isinstance(tokens.get("access_token"), str)
            # Sent back in a header: visible ASCII only (RFC 6750's b64token is narrower).
            or not _HEADER_SAFE.fullmatch(tokens["access_token"])
        ):
            raise SignInRefused(UNREADABLE)
        return tokens

    def raise_token_response_error(self, response: VendorResponse) -> None:
        """The token endpoint's refusal, in words (the library raises its body verbatim)."""
        if response.status == 200:
            return
        refusal = json_object(response) or {}
        if refusal.get("error") == "invalid_client":
            raise SignInRefused(CLIENT_REFUSED)
        if response.status == 400:
            raise SignInRefused(CODE_REFUSED)
        raise SignInRefused(UNREACHABLE)

    def retrieve_matching_jwk(self, token) -> jwt.PyJWK:
        """The key from the provider's JWKS that the token's header names (by `kid`, and by
        `alg` when the key gives one), or SignInRefused."""
        answer = call_provider("GET", self.OIDC_OP_JWKS_ENDPOINT)
        if not answer.ok:
            raise SignInRefused(UNREACHABLE)
        keys = (json_object(answer) or {}).get("keys")
        if not isinstance(keys, list):
            raise SignInRefused(UNREADABLE)
        header = jwt.get_unverified_header(token)
        matching = [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("kid") == header.get("kid")
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if not matching:
            raise SignInRefused(NOT_VERIFIED)
        try:
            return jwt.PyJWK(matching[-1])  # the last, as the library picks
        except jwt.PyJWTError:
            raise SignInRefused(NOT_VERIFIED) from None

    def verify_token(self, token, **kwargs) -> dict:
        """The ID token's signature, issuer, audience, times and nonce, or SignInRefused."""
        nonce = kwargs.get("nonce")
        if not isinstance(token, str) or not token:
            raise SignInRefused(NOT_VERIFIED)
        config = provider_config()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SignInRefused(NOT_VERIFIED) from None
        if header.get("alg") != config.signing_algorithm or "kid" not in header:
            raise SignInRefused(NOT_VERIFIED)
        key = self.retrieve_matching_jwk(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[config.signing_algorithm],
                audience=settings.OIDC_RP_CLIENT_ID,
                issuer=config.issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise SignInRefused(EXPIRED) from None
        except jwt.InvalidAudienceError:
            raise SignInRefused(ANOTHER_CLIENT) from None
        except jwt.InvalidIssuerError:
            raise SignInRefused(ANOTHER_ISSUER) from None
        except jwt.PyJWTError:
            raise SignInRefused(NOT_VERIFIED) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        # Core 3.1.3.7: with several audiences the authorized party must be us, and an
        # `azp` present must name us whatever the audience.
        if (len(audiences) > 1 or "azp" in claims) and claims.get(
            "azp"
        ) != settings.OIDC_RP_CLIENT_ID:
            raise SignInRefused(ANOTHER_CLIENT)
        if not nonce or claims.get("nonce") != nonce:
            raise SignInRefused(WRONG_NONCE)
        return claims

    def get_userinfo(self, access_token, id_token, payload) -> dict:
        """The ID token's claims, with the userinfo endpoint's on top (many providers send
        groups, names or email_verified only there). Userinfo must be about the same `sub`."""
        answer = call_provider(
            "GET", self.OIDC_OP_USER_ENDPOINT, headers={"Authorization": f"Bearer {access_token}"}
        )
        if not answer.ok:
            raise SignInRefused(UNREACHABLE)
        media_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type == "application/jwt":
            return dict(payload)  # a signed userinfo answer: the ID token says enough
        userinfo = json_object(answer) if media_type == "application/json" else None
        if userinfo is None:
            raise SignInRefused(UNREADABLE)
        if userinfo.get("sub") != payload["sub"]:
            raise SignInRefused(NOT_VERIFIED)
        return {**payload, **userinfo, "iss": payload["iss"]}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return identity_sign_in(issuer=provider_config().issuer, claims=claims)
        except ServiceError as exc:
            raise SignInRefused(exc.message) from None
        except DatabaseError:
            # A value the database will not take (identity_sign_in rolled back its work).
            logger.exception("Sign-in refused: the database refused the provider's claims")
            raise SignInRefused(NOT_RECORDED) from None
