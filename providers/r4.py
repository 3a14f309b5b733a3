"""R4, the secret and license manager for agents (machine API).

Contract: ../shared/vendor-docs/r4-create-project.txt and VENDORS.md section 3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from providers.base import (
    AccountCheck,
    CreateResult,
    ErrorKind,
    FieldSpec,
    Provider,
    ProviderError,
    RemoteProject,
    field_named_in,
    parse_timestamp,
    project_list,
    rate_limited,
)
from providers.bodies import Body, Identified, ProjectBody, ProjectsField, read, read_items
from providers.http import VendorResponse

# The documented shape, rk_<access>.<secret>; lengths and alphabets are R4's to judge.
API_KEY_RE = re.compile(r"^(rk_[^\s.]+)\.(\S+)$")

BAD_KEY = (
    "That doesn't look like an R4 API key. It has two parts joined by a dot: "
    "the access key starting with rk_, then the secret (e.g. rk_abc123def456.ghij…)."
)
_AUTH_CODES = {"unauthorized", "missing_api_key", "invalid_api_key"}
# The words in R4's error messages that name a project field.
_FIELD_WORDS = {
    "externalid": "externalId",
    "external id": "externalId",
    "description": "description",
    "name": "name",
}


class R4(Provider):
    slug = "r4"
    credentials_refused = "R4 rejected the API key. Check it, or replace it on the account page."
    name = "R4"
    default_base_url = "https://r4.dev/api/v1/machine"
    credential_fields = (
        FieldSpec(
            "api_key",
            "API key",
            kind="password",
            required=True,
            secret=True,
            max_length=330,
            placeholder="rk_…",
            help_text="The full key, rk_<access>.<secret>, from R4's machine keys page.",
            validators=(lambda key: None if API_KEY_RE.match(key) else BAD_KEY,),
        ),
    )
    project_fields = (
        FieldSpec(
            "name",
            "Name",
            required=True,
            min_length=1,
            max_length=255,
            help_text="Names need not be unique in R4.",
        ),
        FieldSpec(
            "externalId",
            "External ID",
            max_length=255,
            help_text="Links the project to another system. Left blank, the dashboard's own "
            "project id is sent, so the project can always be found again.",
        ),
        FieldSpec("description", "Description", kind="textarea", max_length=1000),
    )

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        match = API_KEY_RE.match(credentials.get("api_key", ""))
        return f"{match.group(1)[:64]}.••••" if match else "••••"

    def verify(self, *, base_url: str, credentials: Mapping[str, str]) -> AccountCheck:
        me = self.read_answer(self.request("GET", f"{base_url}/me", credentials), _Me)
        tenant = me.tenant
        if isinstance(tenant, _Tenant):
            tenant = tenant.name or tenant.id
        return AccountCheck(identity=str(tenant or "R4 tenant"), details={"scope": me.scope or ""})

    def create_project(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        body: dict[str, str] = {"name": payload["name"]}
        # Our own id goes in externalId when the user gave none: a lost answer can be found again.
        body["externalId"] = payload.get("externalId") or reference
        if payload.get("description"):
            body["description"] = payload["description"]
        response = self.request("POST", f"{base_url}/project", credentials, json_body=body)
        created = self.read_answer(response, Identified, creating=True)
        return CreateResult(remote_id=created.id, details={"externalId": body["externalId"]})

    def list_projects(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> list[RemoteProject]:
        response = self.request("GET", f"{base_url}/project", credentials)
        listed = self.read_answer(response, ProjectsField)
        return project_list(read_items(_Project, listed.projects), _remote)

    def find_created(
        self,
        candidates: list[RemoteProject],
        *,
        reference: str,
        payload: Mapping[str, Any],
        name: str,
        since: datetime | None,
    ) -> list[RemoteProject]:
        # The request carried an externalId (the user's, or else our own id), so the match
        # is exact whatever the name or the clocks say.
        sent = payload.get("externalId") or reference
        return [p for p in candidates if p.external_id == sent]

    def get_project(
        self, *, base_url: str, credentials: Mapping[str, str], remote_id: str
    ) -> RemoteProject | None:
        response = self.request("GET", f"{base_url}/project/{remote_id}", credentials)
        if response.status == 404:
            return None
        return _remote(self.read_answer(response, _Project))

    @staticmethod
    def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
        return {"X-API-Key": credentials.get("api_key", "")}

    def documented_error(
        self, response: VendorResponse, body: Any, *, creating: bool
    ) -> ProviderError | None:
        refusal = read(_Error, body)
        if refusal is None:
            return None  # not R4's own error body
        code, vendor_message = refusal.error.code, refusal.error.message[:500]
        status = response.status
        if status == 401 or code in _AUTH_CODES:
            return ProviderError(
                ErrorKind.AUTH,
                "R4 rejected the API key. Check it, or replace it on the account page.",
                field="api_key" if not creating else None,
                code=code,
                status=status,
            )
        if status == 403:
            return ProviderError(
                ErrorKind.FORBIDDEN,
                "This R4 API key is not allowed to do that. Check the key's policy in R4.",
                code=code,
                status=status,
            )
        if status == 429:
            what = "requests for this key (100 a minute)"
            return rate_limited(self.name, response.retry_after, what=what, code=code)
        if status >= 500:
            return ProviderError(
                ErrorKind.UNAVAILABLE,
                "R4 had an internal error and did not create the project. Try again later.",
                code=code,
                status=status,
            )
        return ProviderError(
            ErrorKind.INVALID,
            f"R4 refused the project: {vendor_message or 'invalid request.'}",
            field=field_named_in(vendor_message, _FIELD_WORDS),
            code=code,
            status=status,
        )


# R4's bodies, as documented.
class _Tenant(Body):
    name: str | None = None
    id: str | None = None


class _Me(Body):
    tenant: _Tenant | str | None = None
    scope: str | list[str] | None = None


class _Project(ProjectBody):
    description: str | None = None
    externalId: str | None = None
    createdAt: str | None = None


class _ErrorDetail(Body):
    code: str = ""
    message: str = ""


class _Error(Body):
    error: _ErrorDetail


def _remote(project: _Project) -> RemoteProject:
    return RemoteProject(
        remote_id=project.id,
        name=project.name,
        description=project.description or "",
        external_id=project.externalId or "",
        created_at=parse_timestamp(project.createdAt),
    )
