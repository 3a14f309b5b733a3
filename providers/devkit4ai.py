"""Dev Kit for AI ("DevKit4AI"): email/password login to tokens, automatic refresh, tier limits.

Contract: ../shared/vendor-docs/devkit4ai-create-project.txt and VENDORS.md section 2.
Every developer call sends three headers: Authorization, X-User-Role and X-Developer-Key.

Calls may refresh the access token, through `refresh_once`: the caller's credentials
store the new tokens, and spend a single-use refresh token once across processes.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping, MutableMapping
from functools import partial
from typing import Any

from providers.base import (
    AccountCheck,
    CreateResult,
    ErrorKind,
    FieldSpec,
    Provider,
    ProviderError,
    RemoteProject,
    activatable_remote,
    masked_tail,
    project_list,
    rate_limited,
    refresh_once,
)
from providers.bodies import (
    ActivatableProject,
    Body,
    Filled,
    Identified,
    ProjectsListed,
    read,
    read_items,
)
from providers.guidance import naming_guidance
from providers.http import VendorResponse, send

ACCESS_TTL = 30 * 60
REFRESH_TTL = 7 * 24 * 3600
EXPIRY_MARGIN = 30  # refresh a little early rather than send a token about to die
DEVELOPER_KEY_RE = re.compile(r"^\S+$")  # one word; the rest is the vendor's to judge
BAD_EMAIL = "Enter the email address you sign in to Dev Kit for AI with."
BAD_KEY = "A developer key is one word, without spaces."
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLANS = (
    ("free_starter", "Free Starter", 5),
    ("cloud_starter", "Cloud Starter", 20),
    ("cloud_premium", "Cloud Premium", None),
)
_PUBLIC_FIELDS = ("description", "owner_id", "is_active", "created_at", "updated_at")
SIGN_IN_AGAIN = "Dev Kit for AI needs you to sign in again: an admin must reconnect this account."


class DevKit4AI(Provider):
    slug = "devkit4ai"
    name = "Dev Kit for AI"
    default_base_url = "https://api.devkit4ai.com"
    plans = PLANS
    default_plan = "free_starter"
    most_requests_per_call = 3  # _developer_call: the request, a refresh on 401, resent
    connect_title = "Sign in with your Dev Kit for AI account"
    credentials_refused = SIGN_IN_AGAIN
    credential_fields = (
        FieldSpec(
            "email",
            "Email",
            required=True,
            max_length=254,
            placeholder="you@example.com",
            validators=(lambda email: None if EMAIL_RE.match(email) else BAD_EMAIL,),
        ),
        FieldSpec(
            "password",
            "Password",
            kind="password",
            required=True,
            secret=True,
            max_length=1024,
            help_text="Used once to sign in; it is never stored.",
        ),
        FieldSpec(
            "developer_key",
            "Developer key",
            kind="password",
            required=True,
            secret=True,
            max_length=200,
            validators=(lambda key: None if DEVELOPER_KEY_RE.match(key) else BAD_KEY,),
        ),
    )
    project_fields = (
        FieldSpec(
            "name",
            "Name",
            required=True,
            min_length=3,
            max_length=100,
            help_text="3 to 100 characters. Descriptive and unique, e.g. “Staging - Mobile App”.",
        ),
        FieldSpec("description", "Description", kind="textarea", max_length=500),
    )

    # --- credentials ------------------------------------------------------------------

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        key = credentials.get("developer_key", "")
        email = credentials.get("email", "")
        return f"{email} · key {masked_tail(key)}"

    def connect(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> tuple[dict[str, str], AccountCheck]:
        """Sign in with email and password; keep the tokens, never the password."""
        response = send(
            "POST",
            f"{base_url}/api/v1/auth/login",
            vendor=self.name,
            json_body={"email": credentials["email"], "password": credentials["password"]},
        )
        body = response.json()
        detail = _detail(body)
        if response.status == 401:
            raise ProviderError(
                ErrorKind.AUTH,
                "Dev Kit for AI says the email or password is wrong.",
                field="password",
                status=401,
                code="login_failed",
            )
        if response.status == 400 and "activated" in detail.lower():
            raise ProviderError(
                ErrorKind.FORBIDDEN,
                "This Dev Kit for AI account is not activated yet. "
                "Open the activation email first.",
                field="email",
                status=400,
                code="not_activated",
            )
        tokens = self.read_answer(response, _Tokens)
        stored = {"email": credentials["email"], "developer_key": credentials["developer_key"]}
        _store_tokens(stored, tokens)
        return stored, self.verify(base_url=base_url, credentials=stored)

    def verify(self, *, base_url: str, credentials: MutableMapping[str, str]) -> AccountCheck:
        try:
            response = self._developer_call("GET", base_url, "/api/v1/projects/", credentials)
        except ProviderError as exc:
            if exc.code == "developer_key":
                exc.field_errors.setdefault("developer_key", exc.message)
            raise
        projects = self.read_answer(response, ProjectsListed).projects
        return AccountCheck(
            identity=credentials.get("email", "developer"), details={"projects": len(projects)}
        )

    # --- projects -------------------------------------------------------------------------

    def guidance(
        self, cleaned: Mapping[str, Any], *, name_taken: Callable[[str], bool]
    ) -> dict[str, list[str]]:
        advice = naming_guidance(cleaned.get("name", ""), name_taken=name_taken)
        return {"name": advice} if advice else {}

    def plan_limit(self, plan: str) -> int | None:
        return next((limit for slug, _, limit in PLANS if slug == plan), PLANS[0][2])

    def create_project(
        self,
        *,
        base_url: str,
        credentials: MutableMapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        body = {"name": payload["name"]}
        if payload.get("description"):
            body["description"] = payload["description"]
        response = self._developer_call(
            "POST", base_url, "/api/v1/projects/", credentials, json_body=body, creating=True
        )
        created = self.read_answer(response, Identified, creating=True)
        answer = response.json()  # a dict: it was read
        details = {k: answer[k] for k in _PUBLIC_FIELDS if k in answer}
        return CreateResult(remote_id=created.id, details=details)

    def list_projects(
        self, *, base_url: str, credentials: MutableMapping[str, str]
    ) -> list[RemoteProject]:
        response = self._developer_call("GET", base_url, "/api/v1/projects/", credentials)
        listed = self.read_answer(response, ProjectsListed).projects
        return project_list(read_items(_Project, listed), activatable_remote)

    def get_project(
        self, *, base_url: str, credentials: MutableMapping[str, str], remote_id: str
    ) -> RemoteProject | None:
        try:
            response = self._developer_call(
                "GET", base_url, f"/api/v1/projects/{remote_id}", credentials
            )
        except ProviderError as exc:
            if exc.status == 404:
                return None
            raise
        return activatable_remote(self.read_answer(response, _Project))

    # --- the developer call, with one refresh ------------------------------------------------

    def _developer_call(
        self,
        method: str,
        base_url: str,
        path: str,
        credentials: MutableMapping[str, str],
        *,
        json_body: Any = None,
        creating: bool = False,
    ) -> VendorResponse:
        refreshed = False
        if _expired(credentials, "access_expires_at"):
            self._refresh(base_url, credentials)
            refreshed = True
        while True:
            response = self.request(method, f"{base_url}{path}", credentials, json_body=json_body)
            if response.status == 401 and not refreshed:
                # A 401 is never acted on, so refreshing and sending once more is safe.
                self._refresh(base_url, credentials)
                refreshed = True
                continue
            self.raise_for_response(response, creating=creating)
            return response

    def _refresh(self, base_url: str, credentials: MutableMapping[str, str]) -> None:
        refresh_once(credentials, partial(self._spend_refresh, base_url), consumed="refresh_token")

    def _spend_refresh(self, base_url: str, credentials: MutableMapping[str, str]) -> None:
        if not credentials.get("refresh_token") or _expired(
            credentials, "refresh_expires_at", margin=0
        ):
            raise ProviderError(ErrorKind.AUTH, SIGN_IN_AGAIN, code="refresh_expired")
        response = send(
            "POST",
            f"{base_url}/api/v1/auth/refresh",
            vendor=self.name,
            json_body={"refresh_token": credentials["refresh_token"]},
        )
        if response.status in (400, 401, 403):
            raise ProviderError(
                ErrorKind.AUTH, SIGN_IN_AGAIN, code="refresh_refused", status=response.status
            )
        _store_tokens(credentials, self.read_answer(response, _Tokens))

    @staticmethod
    def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {credentials.get('access_token', '')}",
            "X-User-Role": "developer",
            "X-Developer-Key": credentials.get("developer_key", ""),
        }

    def documented_error(
        self, response: VendorResponse, body: Any, *, creating: bool
    ) -> ProviderError | None:
        status = response.status
        detail = _detail(body)
        refusal = read(_Refusal, body)
        if status == 422 and refusal and isinstance(refusal.detail, list):
            fields: dict[str, str] = {}
            for item in read_items(_ValidationItem, refusal.detail):
                loc = [str(part) for part in item.loc if part != "body"]
                fields.setdefault(loc[0] if loc else "__all__", item.msg[:300])
            general = fields.pop("__all__", "")
            return ProviderError(
                ErrorKind.INVALID,
                general or "Dev Kit for AI refused some values; see the marked fields.",
                field_errors=fields,
                code="validation",
                status=status,
            )
        if status == 403 and "maximum number of projects" in detail.lower():
            return ProviderError(
                ErrorKind.FORBIDDEN,
                "Dev Kit for AI says this account has reached its "
                "subscription tier's project limit. Deactivate a project or upgrade the tier.",
                code="tier_limit",
                status=status,
            )
        if status == 403 and "developer role" in detail.lower():
            return ProviderError(
                ErrorKind.FORBIDDEN,
                "Dev Kit for AI refused: this user does not have the "
                "developer role. Use a developer account.",
                code="developer_role",
                status=status,
            )
        if status == 403:  # the developer key no longer works: new credentials are needed
            return ProviderError(
                ErrorKind.AUTH,
                f"Dev Kit for AI refused the developer key: {detail[:200] or 'forbidden'}.",
                code="developer_key",
                status=status,
            )
        if status == 429:  # its body may say how long to wait
            return rate_limited(self.name, _retry_after(body, response))
        if status in (400, 404, 409) and detail:
            return ProviderError(
                ErrorKind.INVALID,
                f"Dev Kit for AI refused the request: {detail[:300]}",
                status=status,
            )
        return None


# Dev Kit for AI's bodies, as documented (and as deployed: a list may come wrapped).
class _Tokens(Body):
    access_token: Filled
    refresh_token: str | None = None


_Project = ActivatableProject


class _ValidationItem(Body):
    loc: list[str | int] = []
    msg: str = "invalid value"


class _Refusal(Body):
    detail: str | list[Any] = ""  # a message, or FastAPI's list of field errors
    retry_after: int | None = None


def _store_tokens(credentials: MutableMapping[str, str], tokens: _Tokens) -> None:
    now = int(time.time())
    credentials["access_token"] = tokens.access_token
    credentials["access_expires_at"] = str(_jwt_exp(tokens.access_token) or now + ACCESS_TTL)
    if refresh := tokens.refresh_token:
        credentials["refresh_token"] = refresh
        credentials["refresh_expires_at"] = str(_jwt_exp(refresh) or now + REFRESH_TTL)


def _jwt_exp(token: str) -> int | None:
    """The `exp` claim of a JWT, read without verifying (only to know when to refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp")
        return int(exp) if isinstance(exp, int | float) else None
    except (IndexError, ValueError, AttributeError):
        return None


def _expired(credentials: Mapping[str, str], key: str, *, margin: int = EXPIRY_MARGIN) -> bool:
    value = credentials.get(key, "")
    return bool(value) and value.isdigit() and int(value) <= time.time() + margin


def _detail(body: Any) -> str:
    refusal = read(_Refusal, body)
    return refusal.detail if refusal and isinstance(refusal.detail, str) else ""


def _retry_after(body: Any, response: VendorResponse) -> int | None:
    refusal = read(_Refusal, body)
    return (refusal.retry_after if refusal else None) or response.retry_after
