"""OTAS (self-hosted): user token from login, the status envelope, projects.

Contract: ../shared/vendor-docs/otas-create-project.txt and VENDORS.md section 4.
Every answer carries `status` (1 or 0) as well as an HTTP code; both are read.
The login answer puts its payload under `response`, everything else under `response_body`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from providers.base import (
    AccountCheck,
    CreateResult,
    ErrorKind,
    FieldSpec,
    Provider,
    ProviderError,
    RemoteProject,
    activatable_remote,
    field_named_in,
    masked_tail,
    project_list,
)
from providers.bodies import ActivatableProject, Body, Filled, ProjectsField, read, read_items
from providers.http import VendorResponse, send

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")
_url_validator = URLValidator(schemes=["http", "https"])
BAD_TOKEN = "That doesn't look like an OTAS user token (a JWT: three dot-separated parts)."


def _domain_error(domain: str) -> str | None:
    # The OTAS server stores whatever it gets, so the dashboard checks the address.
    try:
        _url_validator(domain)
    except ValidationError:
        return "Enter a full http:// or https:// address, e.g. https://myapp.example.com."
    if urlsplit(domain).username or urlsplit(domain).password:
        return "Leave credentials out of the domain."
    return None


# The words in OTAS's error messages that name a project field.
_FIELD_WORDS = {
    "domain": "project_domain",
    "description": "project_description",
    "name": "project_name",
}
SIGN_IN_AGAIN = (
    "OTAS no longer accepts this account's user token. An admin must reconnect the account."
)


class OTAS(Provider):
    slug = "otas"
    connect_title = "Sign in with your OTAS account, or paste a user token"
    credentials_refused = SIGN_IN_AGAIN
    name = "OTAS"
    default_base_url = ""  # self-hosted: there is no address to assume
    credential_fields = (
        FieldSpec("email", "Email", max_length=254, help_text="Sign in with email and password…"),
        FieldSpec(
            "password",
            "Password",
            kind="password",
            secret=True,
            max_length=1024,
            help_text="Used once to get a user token; it is never stored.",
        ),
        FieldSpec(
            "user_token",
            "…or an existing user token",
            kind="password",
            secret=True,
            max_length=4096,
            help_text="The JWT from /api/user/v1/login/.",
            validators=(lambda token: None if _TOKEN_RE.match(token) else BAD_TOKEN,),
        ),
    )
    project_fields = (
        FieldSpec("project_name", "Name", required=True, min_length=1, max_length=255),
        FieldSpec(
            "project_description",
            "Description",
            kind="textarea",
            max_length=300,
            answered_as="description",
        ),
        FieldSpec(
            "project_domain",
            "Domain",
            kind="url",
            max_length=200,
            placeholder="https://myapp.example.com",
            help_text="The project's primary http(s) address.",
            validators=(_domain_error,),
            answered_as="domain",
        ),
    )
    name_field = "project_name"

    def check_credentials(
        self, cleaned: dict[str, str], errors: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """A pasted user token, or an email and password to get one: never a mix."""
        token, email, password = (cleaned.get(k, "") for k in ("user_token", "email", "password"))
        if token:
            return {"user_token": token}, errors
        if not email and not password:
            errors.setdefault(
                "email", "Enter the email and password of your OTAS user, or paste a user token."
            )
        elif not email:
            errors.setdefault("email", "Email is required to sign in.")
        elif not password:
            errors.setdefault("password", "Password is required to sign in.")
        return {"email": email, "password": password}, errors

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        token = credentials.get("user_token", "")
        hint = f"user token {masked_tail(token)}"
        return f"{hint} ({identity})" if identity and identity != "OTAS user" else hint

    def connect(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> tuple[dict[str, str], AccountCheck]:
        identity = ""
        if "user_token" in credentials:
            token = credentials["user_token"]
        else:
            token, identity = self._login(base_url, credentials["email"], credentials["password"])
        stored = {"user_token": token}
        check = self.verify(base_url=base_url, credentials=stored)
        return stored, AccountCheck(identity=identity or check.identity, details=check.details)

    def _login(self, base_url: str, email: str, password: str) -> tuple[str, str]:
        response = send(
            "POST",
            f"{base_url}/api/user/v1/login/",
            json_body={"email": email, "password": password},
            vendor=self.name,
        )
        answer = _envelope(response.json())
        if response.status in (400, 401) or answer.status == 0:
            raise ProviderError(
                ErrorKind.AUTH,
                "OTAS says the email or password is wrong.",
                field="password",
                code=answer.status_description or "login_failed",
                status=response.status,
            )
        login = self.read_answer(response, _LoginAnswer).response
        return login.jwt_token, (login.user.email if login.user else None) or email

    def verify(self, *, base_url: str, credentials: Mapping[str, str]) -> AccountCheck:
        response = self.request("GET", f"{base_url}/api/project/v1/list/", credentials)
        try:
            listed = self.read_answer(response, _ListAnswer).response_body
        except ProviderError as error:
            if error.kind == ErrorKind.AUTH:
                error.field_errors.setdefault("user_token", "OTAS refused this user token.")
            raise
        return AccountCheck(identity="OTAS user", details={"projects": len(listed.projects)})

    def create_project(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        body = {"project_name": payload["project_name"]}
        for key in ("project_description", "project_domain"):
            if payload.get(key):
                body[key] = payload[key]
        response = self.request(
            "POST", f"{base_url}/api/project/v1/create/", credentials, json_body=body
        )
        project = self.read_answer(response, _CreateAnswer, creating=True).response_body.project
        details = {"description": project.description, "domain": project.domain}
        return CreateResult(remote_id=project.id, details={k: v for k, v in details.items() if v})

    def list_projects(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> list[RemoteProject]:
        response = self.request("GET", f"{base_url}/api/project/v1/list/", credentials)
        listed = self.read_answer(response, _ListAnswer).response_body
        return project_list(read_items(_Project, listed.projects), activatable_remote)

    def succeeded(self, response: VendorResponse) -> bool:
        # The envelope's status says it too: a 2xx with status 0 is a refusal.
        return response.ok and _envelope(response.json()).status == 1

    @staticmethod
    def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
        # Sent raw: OTAS wants no "Bearer" prefix.
        return {"X-OTAS-USER-TOKEN": credentials.get("user_token", "")}

    def documented_error(
        self, response: VendorResponse, body: Any, *, creating: bool
    ) -> ProviderError | None:
        status = response.status
        answer = _envelope(body)
        description = answer.status_description
        if description in ("missing_token", "invalid_token"):
            return ProviderError(ErrorKind.AUTH, SIGN_IN_AGAIN, code=description, status=status)
        if description == "invalid_json":
            return ProviderError(
                ErrorKind.INVALID,
                "OTAS could not read the request (invalid JSON).",
                code=description,
                status=status,
            )
        if description == "project_creation_failed" and status < 500:
            messages = [str(m)[:300] for m in answer.errors if m]
            fields: dict[str, str] = {}
            general = []
            for message in messages:
                field = field_named_in(message, _FIELD_WORDS)
                if field:
                    fields.setdefault(field, message)
                else:
                    general.append(message)
            text = "OTAS refused the project" + (f": {'; '.join(general)}" if general else ".")
            return ProviderError(
                ErrorKind.INVALID, text, field_errors=fields, code=description, status=status
            )
        if description and status >= 500:
            return ProviderError(
                ErrorKind.UNAVAILABLE,
                "OTAS had an internal error and did not create the project. Try again later.",
                code=description,
                status=status,
            )
        return None


# OTAS's bodies: every answer is an envelope; what it carries is read only where expected.
class _Envelope(Body):
    status: int | None = None
    status_description: str = ""
    errors: list[Any] = []
    response: Any = None  # the login answer
    response_body: Any = None  # everything else


class _User(Body):
    email: str | None = None


class _Login(Body):
    jwt_token: Filled
    user: _User | None = None


class _Project(ActivatableProject):
    domain: str | None = None


class _Created(Body):
    project: _Project


# A success's envelope, with its payload where each call puts it.
class _LoginAnswer(Body):
    response: _Login


class _CreateAnswer(Body):
    response_body: _Created


class _ListAnswer(Body):
    response_body: ProjectsField


def _envelope(body: Any) -> _Envelope:
    """The envelope, or an empty one (no status) when the body is not one."""
    return read(_Envelope, body) or _Envelope()
