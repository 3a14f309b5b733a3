"""A fifth vendor, "Acme", defined only here: its provider and its sandbox stand-in.

It exists to prove that a new vendor costs one module: nothing in dashboard/, templates/
or the other providers knows about it. Its contract: Bearer token auth; POST /projects
{title, notes} → 201 {"project": {...}}; GET /projects → {"projects": [...]};
GET /projects/<id> → the project or 404; errors {"error": "..."}.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from providers.base import (
    AccountCheck,
    CreateResult,
    ErrorKind,
    FieldSpec,
    Provider,
    ProviderError,
    RemoteProject,
    unexpected_answer,
)
from providers.http import send
from providers.sandbox.core import SandboxRequest, SandboxResponse, VendorStandIn

TOKEN = "acme-token-1234"


class Acme(Provider):
    slug = "acme"
    name = "Acme"
    default_base_url = "https://api.acme.test"
    connect_title = "Connect with an Acme token"
    credential_fields = (
        FieldSpec("token", "Token", kind="password", required=True, secret=True, max_length=200),
    )
    project_fields = (
        FieldSpec("title", "Title", required=True, max_length=40),
        FieldSpec("notes", "Notes", kind="textarea", max_length=200),
    )
    name_field = "title"

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        return f"token ••••{credentials.get('token', '')[-4:]}"

    def verify(self, *, base_url: str, credentials: Mapping[str, str]) -> AccountCheck:
        self._get(base_url, "/projects", credentials)
        return AccountCheck(identity="Acme user")

    def create_project(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        body = {"title": payload["title"], "notes": payload.get("notes", "")}
        response = send(
            "POST",
            f"{base_url}/projects",
            headers=_auth(credentials),
            json_body=body,
            vendor="Acme",
        )
        if response.status == 201:
            return CreateResult(remote_id=str(response.json()["project"]["id"]))
        raise self._error(response, creating=True)

    def list_projects(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> list[RemoteProject]:
        projects = self._get(base_url, "/projects", credentials)["projects"]
        return [
            RemoteProject(remote_id=str(p["id"]), name=p["title"], status="live") for p in projects
        ]

    def _get(self, base_url: str, path: str, credentials: Mapping[str, str]) -> Any:
        response = send("GET", f"{base_url}{path}", headers=_auth(credentials), vendor="Acme")
        if not response.ok:
            raise self._error(response, creating=False)
        return response.json()

    def _error(self, response, *, creating: bool) -> ProviderError:
        if response.status == 401:
            return ProviderError(ErrorKind.AUTH, "Acme refused the token.", field="token")
        if response.status == 422:
            return ProviderError(
                ErrorKind.INVALID, "Acme refused the title.", field="title", status=422
            )
        return unexpected_answer("Acme", response.status, creating=creating)


def _auth(credentials: Mapping[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.get('token', '')}"}


class AcmeStandIn(VendorStandIn):
    slug = "acme"

    def __init__(self, state) -> None:
        super().__init__(state)
        self.reset()

    def reset(self) -> None:
        self.projects: dict[str, dict] = {}
        self.ids = itertools.count(1)

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        return {"token": TOKEN}

    def error_response(self, status: int) -> SandboxResponse:
        return SandboxResponse(status, {"error": "injected"})

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return SandboxResponse(401, {"error": "bad token"})
        if request.path == "/projects" and request.method == "POST":
            body = request.json if isinstance(request.json, dict) else {}
            if "forbidden" in str(body.get("title", "")).lower():
                return SandboxResponse(422, {"error": "title not allowed"})
            project = {"id": str(next(self.ids)), "title": body.get("title", "")}
            self.projects[project["id"]] = project
            return SandboxResponse(201, {"project": project})
        if request.path == "/projects" and request.method == "GET":
            return SandboxResponse(200, {"projects": list(self.projects.values())})
        return SandboxResponse(404, {"error": "not found"})
