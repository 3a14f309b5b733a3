"""What a vendor sends, checked or cleaned before any of it is stored.

A vendor's strings are untrusted input, like a person's: a listed name must pass the very
check a typed name passes (the provider's name field, `spec_forms`), and nothing is cut to
fit a column. A row that fails is refused with its reason and the others go on. An id
longer than its column is refused rather than cut: a cut id never matches again.

What a vendor tells us in passing (a create's details, who an account is, a sign-in's
message) is kept without its control characters (`storable`, `shown`): refusing it would
lose the answer it came with.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from django.core.exceptions import ValidationError

from dashboard.models import Project
from dashboard.models.columns import column_max
from dashboard.services.errors import ServiceError
from dashboard.validation.text import has_control_characters, printable
from dashboard.validation.vendor_fields import field_for
from providers.base import Provider, RemoteProject

REMOTE_ID_MAX = column_max(Project, "remote_id")
NAME_MAX = column_max(Project, "name")
REMOTE_STATUS_MAX = column_max(Project, "remote_status")
ERROR_CODE_MAX = column_max(Project, "error_code")


# A project the vendor made (it said so, or lists it) under an id that can't be stored: it
# is never concluded absent (a retry would make a second one), and is left for a person.
UNSTORABLE_ID = "unstorable_remote_id"
MATCHES_TRACKED = "matches_tracked_project"  # its lost create is listed as a tracked row


def untrackable_message(vendor: str, made: str, problem: str) -> str:
    return (
        f"{vendor} {made}, but {problem}, so it can't be tracked here. It will not be sent "
        "again; a person must look at it."
    )


class UnstorableRow(ServiceError):
    """A vendor's project that can't be stored as sent; `message` says why."""


def remote_id_problem(remote_id: str) -> str:
    """Why a vendor's id can't be stored ("" when it can)."""
    if not remote_id:
        return "it has no id"
    if has_control_characters(remote_id):
        return "its id contains control characters"
    if len(remote_id) > REMOTE_ID_MAX:
        return (
            f"its id is {len(remote_id)} characters long, and this dashboard stores ids of "
            f"at most {REMOTE_ID_MAX}"
        )
    return ""


def shown(value: str, *, limit: int = 60) -> str:
    """A vendor's one-line text as quoted in a message or kept in a column of `limit`
    characters: without control characters, and visibly shortened."""
    text = printable(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def storable(value: Any) -> Any:
    """A vendor's JSON answer as it can be kept and shown: every string in it, keys too, at
    any depth, without control characters (line breaks kept in values), and a number JSON
    can't hold (NaN, Infinity: PostgreSQL's jsonb refuses them) as None. Never for secrets,
    which are opaque: they are kept encrypted, exactly as sent."""
    if isinstance(value, str):
        return printable(value, multiline=True)
    if isinstance(value, dict):
        return {printable(str(key)): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class RowCheck:
    """Checks one vendor's listed projects, built once per listing (it holds the name field).

    Calling it returns the project as it will be stored (its name trimmed, as a typed name
    is) or raises `UnstorableRow`.
    """

    def __init__(self, provider: Provider) -> None:
        self.vendor = provider.name
        spec = next(s for s in provider.project_fields if s.name == provider.name_field)
        self.name_field = field_for(spec)

    def __call__(self, remote: RemoteProject) -> RemoteProject:
        name, problem = self._name(remote.name)
        problem = remote_id_problem(remote.remote_id) or problem or self._problem(remote)
        if problem:
            raise UnstorableRow(
                f"{self.vendor} lists “{shown(remote.name)}” ({shown(remote.remote_id)}), "
                f"but {problem}."
            )
        return dataclasses.replace(remote, name=name)

    def _name(self, name: str) -> tuple[str, str]:
        """(the name as stored, why it can't be). An unnamed project is allowed: an import
        shows a placeholder, a refresh keeps the name it had."""
        if not name.strip():
            return "", ""
        try:
            name = self.name_field.clean(name)
        except ValidationError as exc:
            return "", f"a name typed here would be refused: {exc.messages[0]}"
        if len(name) > NAME_MAX:
            return "", f"its name is {len(name)} characters long; at most {NAME_MAX} can be stored"
        return name, ""

    def _problem(self, remote: RemoteProject) -> str:
        if has_control_characters(remote.status):
            return "its status contains control characters"
        if len(remote.status) > REMOTE_STATUS_MAX:
            return (
                f"its status is {len(remote.status)} characters long; at most "
                f"{REMOTE_STATUS_MAX} can be stored"
            )
        if has_control_characters(remote.description, multiline=True):
            return "its description contains control characters"
        return ""
