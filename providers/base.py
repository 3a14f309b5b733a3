"""Field specs, result and error types, and the Provider interface.

A provider takes plain values (base URL, credentials, payload) and returns
plain results; it never sees a model.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel

from providers.bodies import ActivatableProject, Items, read
from providers.errors import (  # re-exported: providers and the dashboard import them from here
    RETRYABLE_KINDS as RETRYABLE_KINDS,
)
from providers.errors import ErrorKind as ErrorKind
from providers.errors import ProviderError as ProviderError
from providers.errors import field_named_in as field_named_in
from providers.errors import rate_limited as rate_limited
from providers.errors import success_without_id as success_without_id
from providers.errors import unexpected_answer as unexpected_answer
from providers.errors import unreadable_answer as unreadable_answer
from providers.http import VendorResponse, send

logger = logging.getLogger(__name__)


class Credentials(dict):
    """Credentials for one vendor call, as a plain dict plus one hook for token rotation.

    A vendor whose refresh token works only once calls `refresh_once`. Here it just
    refreshes; whoever stores the credentials (the dashboard) overrides it so that, of
    several processes holding the same expired token, one refreshes and the others
    take its result.
    """

    def refresh_once(
        self, refresh: Callable[[MutableMapping[str, str]], None], *, consumed: str
    ) -> None:
        """Run `refresh(self)`, which replaces the single-use value under `consumed`."""
        refresh(self)


def refresh_once(
    credentials: MutableMapping[str, str],
    refresh: Callable[[MutableMapping[str, str]], None],
    *,
    consumed: str,
) -> None:
    """Refresh through the owner's hook when there is one (see `Credentials`)."""
    if isinstance(credentials, Credentials):
        credentials.refresh_once(refresh, consumed=consumed)
    else:
        refresh(credentials)


# The methods that read vendor answers; each is guarded (see Provider.__init_subclass__).
VENDOR_CALLS = (
    "verify",
    "connect",
    "create_project",
    "list_projects",
    "get_project",
    "start_device_login",
    "poll_device_login",
    "regenerate_secret",
)
# What reading a JSON value of the wrong type raises: `None.get`, `"x"["id"]`, `int("x")`.
SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def _reads_answers_safely(method: Callable, *, creating: bool) -> Callable:
    @functools.wraps(method)
    def guarded(self: Provider, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SHAPE_ERRORS as exc:
            # The type only: a message could quote a value the vendor sent.
            logger.warning(
                "%s: unreadable answer in %s (%s)", self.name, method.__name__, type(exc).__name__
            )
            raise unreadable_answer(self.name, creating=creating) from None

    return guarded


@dataclass(frozen=True)
class FieldSpec:
    """One form field, described once and used for HTML, live and server validation."""

    name: str  # key in the vendor payload
    label: str
    kind: str = "text"  # text | textarea | url | password | checkbox | multichoice
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    help_text: str = ""
    placeholder: str = ""
    secret: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    trim: bool = True
    # The vendor's own rules for a filled-in value, each giving an error message or None.
    # Required, length and control-character checks come from the fields above.
    validators: tuple[Callable[[str], str | None], ...] = ()
    # Turns what was typed into what is sent (e.g. drop a pasted "Bearer " prefix).
    normalize: Callable[[str], str] | None = None
    # This field's key in the vendor's answer, where it differs from `name`.
    answered_as: str = ""


@dataclass(frozen=True)
class CreateResult:
    remote_id: str
    details: dict[str, Any] = field(default_factory=dict)  # safe to store and show
    secrets: dict[str, str] = field(default_factory=dict)  # store encrypted only


@dataclass(frozen=True)
class RemoteProject:
    """A project as the vendor lists it, reduced to what every vendor can tell."""

    remote_id: str
    name: str
    status: str = ""
    description: str = ""
    external_id: str = ""
    created_at: datetime | None = None


class ProjectList(list[RemoteProject]):
    """What `list_projects` answers: the rows it could read, and how many listed rows it
    could not (those may be anything, a lost create included)."""

    unreadable: int = 0


def project_list[M](items: Items[M], to_remote: Callable[[M], RemoteProject]) -> ProjectList:
    """Listed rows read by `read_items`, as RemoteProjects; the skipped ones still counted."""
    listed = ProjectList(to_remote(item) for item in items)
    listed.unreadable = items.skipped
    return listed


RECONCILE_CLOCK_SKEW = timedelta(minutes=2)


def parse_timestamp(value: Any) -> datetime | None:
    """ISO 8601 from any vendor ("Z" or offset or naive-as-UTC); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def activatable_remote(project: ActivatableProject) -> RemoteProject:
    """A project listed with an is_active flag (see `ActivatableProject`), as every vendor's."""
    return RemoteProject(
        remote_id=project.id,
        name=project.name,
        status=project.status,
        description=project.description or "",
        created_at=parse_timestamp(project.created_at),
    )


def masked_tail(secret: str) -> str:
    """A credential as shown again: its last 4 characters when it is long enough that they
    give nothing away, else none."""
    return f"••••{secret[-4:]}" if len(secret) >= 16 else "••••"


@dataclass(frozen=True)
class AccountCheck:
    """What a successful credential check tells us about the account."""

    identity: str  # e.g. tenant or user, shown to the team
    details: dict[str, Any] = field(default_factory=dict)


class Provider:
    """One vendor. Subclasses live in providers/<vendor>.py, one per module.

    Every method that reads a vendor's answer is wrapped so that JSON of the wrong shape
    is one clear ProviderError, never an AttributeError in a page.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in VENDOR_CALLS:
            if name in cls.__dict__:
                method = cls.__dict__[name]
                setattr(cls, name, _reads_answers_safely(method, creating=name == "create_project"))

    slug: ClassVar[str]
    name: ClassVar[str]
    default_base_url: ClassVar[str]
    credential_fields: ClassVar[tuple[FieldSpec, ...]]
    project_fields: ClassVar[tuple[FieldSpec, ...]]
    name_field: ClassVar[str] = "name"  # which project field is the project's name
    # Subscription plans as (slug, label, active-project limit or None for unlimited).
    plans: ClassVar[tuple[tuple[str, str, int | None], ...]] = ()
    default_plan: ClassVar[str] = ""
    supports_device_login: ClassVar[bool] = False
    # The most HTTP requests one call of it can send (each with its own deadline): a
    # dashboard's timeouts must outlast them all.
    most_requests_per_call: ClassVar[int] = 1
    supports_secret_regeneration: ClassVar[bool] = False
    # Which credential a device sign-in's token is stored under.
    device_token_field: ClassVar[str] = ""
    # The project secret `regenerate_secret` replaces (its name at the vendor).
    regenerated_secret: ClassVar[str] = ""
    # The heading over the connect form, in the vendor's own terms.
    connect_title: ClassVar[str] = "Connect with an API key"
    # What a 401 means to a person, in the vendor's own terms ("" for the general words).
    credentials_refused: ClassVar[str] = ""

    def check_credentials(
        self, cleaned: dict[str, str], errors: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Rules across credential fields (each field's own rules are in its spec).
        Returns what to keep and the errors; by default everything, unchanged."""
        return cleaned, errors

    # --- requests: one way to call the vendor, with its auth headers ---------------------

    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """The headers that carry the credentials on every authenticated call."""
        return {}

    def request(
        self, method: str, url: str, credentials: Mapping[str, str], *, json_body: Any = None
    ) -> VendorResponse:
        headers = {"Accept": "application/json", **self.auth_headers(credentials)}
        return send(method, url, headers=headers, json_body=json_body, vendor=self.name)

    # --- answers: one way to read them; a vendor overrides only what it does differently ---

    def succeeded(self, response: VendorResponse) -> bool:
        """Whether the vendor says the call worked. By default: a 2xx status."""
        return response.ok

    def raise_for_response(self, response: VendorResponse, *, creating: bool) -> None:
        """The vendor's error (see `error_for`) unless the call succeeded."""
        if not self.succeeded(response):
            raise self.error_for(response, creating=creating)

    def read_answer[M: BaseModel](
        self, response: VendorResponse, model: type[M], *, creating: bool = False
    ) -> M:
        """A successful answer read into `model`, or one ProviderError: the vendor's error
        when it did not succeed; when it did but reads wrong, unreadable (after a create,
        the project may exist: outcome unknown)."""
        self.raise_for_response(response, creating=creating)
        answer = read(model, response.json())
        if answer is None and creating:
            raise success_without_id(self.name, response.status)
        if answer is None:
            raise unreadable_answer(self.name, creating=False)
        return answer

    # --- errors: one mapping; a vendor adds only what its documentation says ---------------

    def error_for(self, response: Any, *, creating: bool) -> ProviderError:
        """The error for a non-success answer: the vendor's documented bodies first, then
        what any HTTP server means by the status."""
        body = response.json()
        documented = self.documented_error(response, body, creating=creating)
        if documented is not None:
            return documented
        status = response.status
        if status == 401:
            message = self.credentials_refused or (
                f"{self.name} no longer accepts this account's credentials. "
                "An admin must reconnect the account."
            )
            return ProviderError(ErrorKind.AUTH, message, code="unauthorized", status=status)
        if status == 403:
            return ProviderError(
                ErrorKind.FORBIDDEN,
                f"{self.name} says this account may not do that.",
                status=status,
            )
        if status == 429:
            return rate_limited(self.name, response.retry_after)
        return unexpected_answer(
            self.name, status, creating=creating, unreadable=not isinstance(body, dict)
        )

    def documented_error(self, response: Any, body: Any, *, creating: bool) -> ProviderError | None:
        """The vendor's own error bodies, read; None leaves the answer to `error_for`."""
        return None

    def guidance(
        self, cleaned: Mapping[str, Any], *, name_taken: Callable[[str], bool]
    ) -> dict[str, list[str]]:
        """Advice per field; never blocks a submit. Vendors opt in."""
        return {}

    def plan_limit(self, plan: str) -> int | None:
        """How many active projects the plan allows; None means no limit."""
        return None

    def plan_label(self, plan: str) -> str:
        return next((label for slug, label, _ in self.plans if slug == plan), plan)

    def credential_hint(self, credentials: Mapping[str, str], *, identity: str = "") -> str:
        """The only form of a credential ever shown again: something a person recognises
        (a public prefix, a non-secret part, who the vendor says it is), never a secret."""
        raise NotImplementedError

    def verify(self, *, base_url: str, credentials: Mapping[str, str]) -> AccountCheck:
        raise NotImplementedError

    def connect(
        self, *, base_url: str, credentials: Mapping[str, str]
    ) -> tuple[dict[str, str], AccountCheck]:
        """Turn what the admin typed into what is stored. By default: check it and keep it."""
        return dict(credentials), self.verify(base_url=base_url, credentials=credentials)

    def create_project(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        payload: Mapping[str, Any],
        reference: str,
    ) -> CreateResult:
        """`reference` is our own record id, for vendors that can carry it."""
        raise NotImplementedError

    def list_projects(self, *, base_url: str, credentials: Mapping[str, str]) -> ProjectList:
        """Every listed project; rows it can't read are counted (see `project_list`)."""
        raise NotImplementedError

    def find_created(
        self,
        candidates: list[RemoteProject],
        *,
        reference: str,
        payload: Mapping[str, Any],
        name: str,
        since: datetime | None,
    ) -> list[RemoteProject]:
        """Which listed projects could be the one a lost request created.

        Default: the exact name, created after the attempt started (allowing for clock skew).
        """
        earliest = since - RECONCILE_CLOCK_SKEW if since else None
        return [
            p
            for p in candidates
            if p.name == name
            and (earliest is None or p.created_at is None or p.created_at >= earliest)
        ]

    def get_project(
        self, *, base_url: str, credentials: Mapping[str, str], remote_id: str
    ) -> RemoteProject | None:
        """The project, or None when the vendor no longer has it. Default: look in the list."""
        projects = self.list_projects(base_url=base_url, credentials=credentials)
        return next((p for p in projects if p.remote_id == remote_id), None)

    # Optional capabilities, announced by the flags above.
    def start_device_login(self, *, base_url: str):
        raise NotImplementedError

    def poll_device_login(self, *, base_url: str, device_code: str):
        raise NotImplementedError

    def regenerate_secret(
        self, *, base_url: str, credentials: Mapping[str, str], remote_id: str
    ) -> str:
        raise NotImplementedError
