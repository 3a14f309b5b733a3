"""Who is calling: an API token in `Authorization: Bearer`, never a session cookie.

The token acts as its user, in its one team, with the lower of its role and the user's
current role; every request counts against the token's rate limit, kept in the database.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from dashboard.api.problems import ApiProblem
from dashboard.models import ROLE_RANK
from dashboard.services.api_requests import api_rate_wait
from dashboard.services.api_tokens import ApiIdentity, api_identity_from_authorization
from dashboard.services.audit import act_via, acting_via_scope


class ApiTokenAuth(HttpBearer):
    """Bearer in the OpenAPI document; the header is read by the tokens service, strictly."""

    def __call__(self, request: HttpRequest) -> ApiIdentity | None:
        identity = api_identity_from_authorization(request.headers.get("Authorization", ""))
        if identity is None:
            return None
        wait = api_rate_wait(token_id=identity.token.pk)
        if wait is not None:
            raise ApiProblem(
                "rate-limited",
                f"This token made more requests this minute than the limit allows. Try again "
                f"in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        act_via(f"API token “{identity.token.name}”")
        return identity

    def authenticate(self, request: HttpRequest, token: str) -> None:  # pragma: no cover
        raise NotImplementedError("__call__ reads the whole header")


def require_role(identity: ApiIdentity, role: str) -> None:
    """403 for an object of the token's own team that its role may not touch."""
    if ROLE_RANK[identity.role] < ROLE_RANK[role]:
        raise ApiProblem(
            "forbidden",
            f"This needs the {role} role; this token acts as {identity.role}.",
        )


def audit_scope_middleware(get_response):
    """What an API request set for the audit trail ends with the request (threads are reused)."""

    def middleware(request: HttpRequest):
        with acting_via_scope():
            return get_response(request)

    return middleware
