"""Photon (Photon Dashboard API): device login, projects, Spectrum project secrets.

Contract: ../shared/vendor-docs/photon-create-project.md and VENDORS.md section 1.
The deployed server answers in shapes its docs don't show; every one is accepted here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from providers.base import (
    AccountCheck,
    CreateResult,
    ErrorKind,
    FieldSpec,
    Provider,
    ProviderError,
    RemoteProject,
    field_named_in,
    masked_tail,
    parse_timestamp,
    project_list,
    success_without_id,
    unreadable_answer,
)
from providers.bodies import Body, Filled, ProjectBody, ProjectsListed, read, read_items
from providers.device_login import (
    DeviceAuthorization,
    DevicePoll,
    PollState,
    positive_seconds,
    web_address,
)
from providers.http import VendorResponse, send

CLIENT_ID = "photon-cli"
DEFAULT_INTERVAL = 5
DEFAULT_EXPIRES_IN = 1800
PLATFORMS = (("imessage", "iMessage"), ("whatsapp_business", "WhatsApp Business"))
PLATFORMS += (("voice", "Voice"),)
BAD_TOKEN = "That doesn't look like a Photon access token: it is one word, without spaces."


def _without_bearer(token: str) -> str:
    """A token pasted with its "Bearer " prefix is the same token."""
    return token[7:].strip() if token.lower().startswith("bearer ") else token


_TOKEN_RE = re.compile(r"^\S+$")  # one word; its length and alphabet are Photon's to judge
# Fields of a created project that are safe to keep and show.
_PUBLIC_FIELDS = ("status", "location", "spectrum", "spectrumProjectId", "template")
_PUBLIC_FIELDS += ("observability", "userId", "createdAt", "updatedAt", "ownerStatus")
_FIELD_NAMES = ("name", "location", "platforms", "spectrum", "template", "observability")
_FIELD_WORDS = {name: name for name in _FIELD_NAMES}  # named in messages as spelled
_DEVICE_ERRORS = {
    "authorization_pending": (PollState.PENDING, "Waiting for you to approve the code at Photon."),
    "slow_down": (PollState.SLOW_DOWN, "Photon asked us to poll more slowly."),
    "access_denied": (PollState.DENIED, "The sign-in was denied at Photon."),
    "expired_token": (PollState.EXPIRED, "The code expired before it was approved."),
}


class Photon(Provider):
    slug = "photon"
    name = "Photon"
    default_base_url = "https://app.photon.codes"
    supports_device_login = True
    supports_secret_regeneration = True
    most_requests_per_call = 2  # a create read back for its secret; a verify's fallback
    device_token_field = "access_token"
    regenerated_secret = "projectSecret"
    connect_title = "Or paste an access token"
    credentials_refused = (
        "Photon no longer accepts this account's access token. An admin must reconnect the account."
    )
    credential_fields = (
        FieldSpec(
            "access_token",
            "Access token",
            kind="password",
            required=True,
            secret=True,
            max_length=4096,
            help_text="An existing Photon access token (e.g. from the photon CLI).",
            normalize=_without_bearer,
            validators=(lambda token: None if _TOKEN_RE.match(token) else BAD_TOKEN,),
        ),
    )
    project_fields = (
        FieldSpec("name", "Name", required=True, min_length=1, max_length=255),
        FieldSpec(
            "location",
            "Location",
            max_length=255,
            default="United States",
            help_text='Where the project runs, e.g. "United States".',
        ),
        FieldSpec(
            "spectrum",
            "Spectrum",
            kind="checkbox",
            help_text="Provision a Spectrum project; Photon then issues a project secret.",
        ),
        FieldSpec("template", "Template", kind="checkbox"),
        FieldSpec("observability", "Observability", kind="checkbox"),
        FieldSpec("platforms", "Platforms", kind="multichoice", choices=PLATFORMS, default=()),
    )

    # --- credentials ------------------------------------------------------------

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        token = credentials.get("access_token", "")
        # The last 4 characters only of a long token; a short one shows whose it is instead.
        hint = f"token {masked_tail(token)}"
        return f"{hint} ({identity})" if identity else hint

    def verify(self, *, base_url: str, credentials: Mapping[str, str]) -> AccountCheck:
        response = self.request("GET", f"{base_url}/api/auth/get-session", credentials)
        if response.status == 404:
            response = self.request("GET", f"{base_url}/api/profile", credentials)
        body = response.json()
        session = read(_User, body) if response.ok and body is not None else None
        if session is not None:
            user = read(_User, session.user) or session  # get-session nests it; profile doesn't
            identity = user.email or user.name or user.id or "Photon user"
            return AccountCheck(identity=identity[:200])
        if response.ok and body is not None:
            raise unreadable_answer(self.name, creating=False)
        if response.ok or response.status in (401, 403):  # a 200 null means "no session"
            raise ProviderError(
                ErrorKind.AUTH,
                "Photon did not accept this access token. Sign in again.",
                field="access_token",
                status=response.status,
            )
        raise self.error_for(response, creating=False)

    # --- device login -----------------------------------------------------------

    def start_device_login(self, *, base_url: str) -> DeviceAuthorization:
        response = send(
            "POST",
            f"{base_url}/api/auth/device/code",
            vendor=self.name,
            json_body={"client_id": CLIENT_ID, "scope": "openid profile email"},
        )
        body = response.json()
        started = read(_DeviceCode, body) if response.ok else None
        if started is None:
            message = refusal.error_description if (refusal := read(_Refused, body)) else None
            raise ProviderError(
                ErrorKind.UNAVAILABLE if response.status >= 500 else ErrorKind.INVALID,
                f"Photon would not start a sign-in: {message or f'HTTP {response.status}'}.",
                status=response.status,
            )
        # Shown to the admin as a link: only a web address will do (never javascript:).
        uri = web_address(started.verification_uri)
        complete = web_address(started.verification_uri_complete) or uri
        if not uri:
            raise unreadable_answer(self.name, creating=False)
        return DeviceAuthorization(
            device_code=started.device_code,
            user_code=started.user_code,
            verification_uri=uri,
            verification_uri_complete=complete,
            expires_in=positive_seconds(started.expires_in, DEFAULT_EXPIRES_IN),
            interval=positive_seconds(started.interval, DEFAULT_INTERVAL),
        )

    def poll_device_login(self, *, base_url: str, device_code: str) -> DevicePoll:
        try:
            response = send(
                "POST",
                f"{base_url}/api/auth/device/token",
                vendor=self.name,
                json_body={
                    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                    "device_code": device_code,
                    "client_id": CLIENT_ID,
                },
            )
        except ProviderError as exc:
            # Polling is safe to repeat: a lost answer just means "ask again later".
            return DevicePoll(PollState.UNAVAILABLE, exc.message)
        if response.status == 429:
            return DevicePoll(PollState.RATE_LIMITED, "Photon is rate-limiting; polling slower.")
        body = response.json()
        if response.ok:
            token = _token_from(body, response)
            if token:
                return DevicePoll(PollState.APPROVED, token=token)
            return DevicePoll(PollState.FAILED, "Photon approved but sent no access token.")
        refusal = read(_Refused, body)
        error = refusal.error if refusal else None
        if error in _DEVICE_ERRORS:
            state, message = _DEVICE_ERRORS[error]
            return DevicePoll(state, message)
        if response.status >= 500 or error is None:
            unexpected = f"Photon answered unexpectedly (HTTP {response.status})."
            return DevicePoll(PollState.UNAVAILABLE, unexpected)
        description = (refusal.error_description if refusal else None) or error
        return DevicePoll(PollState.FAILED, f"Photon ended the sign-in: {description[:200]}.")

    # --- projects ---------------------------------------------------------------

    def create_project(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        body = {
            "name": payload["name"],
            "location": payload.get("location") or "United States",
            "spectrum": bool(payload.get("spectrum")),
            "template": bool(payload.get("template")),
            "observability": bool(payload.get("observability")),
            "platforms": list(payload.get("platforms") or []),
        }
        response = self.request("POST", f"{base_url}/api/projects/", credentials, json_body=body)
        created = self.read_answer(response, _Project, creating=True)
        if created.success is False:
            raise success_without_id(self.name, response.status)
        secret = created.projectSecret
        if not secret and body["spectrum"]:
            # The deployed server's {success, id} answer carries no secret: read it back.
            secret = self._secret_of(base_url, credentials, created.id)
        answer = response.json()
        return CreateResult(
            remote_id=created.id,
            details={k: answer[k] for k in _PUBLIC_FIELDS if answer.get(k) is not None},
            secrets={"projectSecret": secret} if secret else {},
        )

    def _secret_of(self, base_url: str, credentials: Mapping[str, str], remote_id: str) -> str:
        """A new project's secret: read back, else regenerated (nobody holds the old one yet).
        "" if neither works: the create stands, and its page offers to regenerate."""
        try:
            response = self.request("GET", f"{base_url}/api/projects/{remote_id}", credentials)
            project = read(_Project, response.json()) if response.ok else None
            if project and project.projectSecret:
                return project.projectSecret
            return self.regenerate_secret(
                base_url=base_url, credentials=credentials, remote_id=remote_id
            )
        except ProviderError:
            return ""

    def regenerate_secret(
        self, *, base_url: str, credentials: Mapping[str, str], remote_id: str
    ) -> str:
        response = self.request(
            "POST", f"{base_url}/api/projects/{remote_id}/regenerate-secret", credentials
        )
        self.raise_for_response(response, creating=False)
        if renewed := read(_Secret, response.json()):
            return renewed.projectSecret
        raise ProviderError(
            ErrorKind.OUTCOME_UNKNOWN,
            "Photon answered without a new secret; the old one "
            "may no longer work. Try regenerating again.",
            status=response.status,
        )

    def list_projects(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> list[RemoteProject]:
        response = self.request("GET", f"{base_url}/api/projects/", credentials)
        listed = self.read_answer(response, _Listed).projects
        return project_list(read_items(_Project, listed), _remote)

    def get_project(
        self, *, base_url: str, credentials: Mapping[str, str], remote_id: str
    ) -> RemoteProject | None:
        response = self.request("GET", f"{base_url}/api/projects/{remote_id}", credentials)
        body = response.json()
        if (response.ok and body is None) or response.status == 404:
            return None  # Photon answers null with 200 when the project is gone or not ours
        return _remote(self.read_answer(response, _Project))

    # --- helpers ----------------------------------------------------------------

    def succeeded(self, response: VendorResponse) -> bool:
        # The deployed server reports some failures with status 200 and an error body.
        return response.ok and read(_Refused, response.json()) is None

    @staticmethod
    def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {credentials.get('access_token', '')}"}

    def documented_error(
        self, response: VendorResponse, body: Any, *, creating: bool
    ) -> ProviderError | None:
        status = response.status
        if (invalid := read(_Validation, body)) and invalid.type == "validation":
            field = _field_from_property(invalid.property)
            message = (invalid.message or invalid.summary or "invalid value")[:300]
            return ProviderError(
                ErrorKind.INVALID,
                f"Photon refused this value: {message}",
                field=field,
                code="validation",
                status=status,
            )
        refused = read(_Refused, body)
        if refused and status < 500 and status not in (401, 403, 429):
            return _refusal(refused.error, status=status)
        return None


class _User(Body):
    email: str | None = None
    name: str | None = None
    id: str | None = None
    user: Any = None  # get-session nests the user; /api/profile is the user


class _DeviceCode(Body):
    device_code: Filled
    user_code: str = ""
    verification_uri: str = ""
    verification_uri_complete: str = ""
    expires_in: Any = None
    interval: Any = None


class _Token(Body):
    access_token: str


class _Refused(Body):
    error: Filled
    error_description: str | None = None


class _Project(ProjectBody):  # also the create answer, whole or as deployed ({success, id})
    status: str = ""
    createdAt: str | None = None
    projectSecret: str | None = None
    success: bool | None = None


class _Secret(Body):
    projectSecret: Filled


class _Listed(ProjectsListed):  # bare, or (some servers) wrapped in "data"
    projects: list[Any] = Field(validation_alias="data")


class _Validation(Body):
    type: str
    property: str = ""
    message: str | None = None
    summary: str | None = None


def _remote(project: _Project) -> RemoteProject:
    return RemoteProject(
        remote_id=project.id,
        name=project.name,
        status=project.status,
        created_at=parse_timestamp(project.createdAt),
    )


def _refusal(message: str, *, status: int) -> ProviderError:
    text = f"Photon refused the project: {message[:300]}"
    field = field_named_in(message, _FIELD_WORDS)
    return ProviderError(ErrorKind.INVALID, text, field=field, code="error", status=status)


def _field_from_property(prop: str) -> str | None:
    name = prop.strip("/").removeprefix("body.").split("/")[0].split(".")[0]
    return name or None


def _token_from(body: Any, response: VendorResponse) -> str:
    """The token is in access_token, in data.access_token, or in a set-auth-token header."""
    for where in (body, body.get("data") if isinstance(body, dict) else None):
        if token := read(_Token, where):
            return token.access_token
    return response.headers.get("set-auth-token", "")
