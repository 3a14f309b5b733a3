"""Vendor answers read into typed models (pydantic).

A body of the wrong shape reads as None (or, in a list, the item is skipped and counted),
and the caller turns that into one clear ProviderError; nothing deeper ever sees raw JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

# An id or token a vendor must send for the answer to mean anything.
Filled = Annotated[str, StringConstraints(min_length=1)]


class Body(BaseModel):
    """A vendor's JSON object: unknown keys ignored, numbers accepted where text is
    documented (ids), and nothing else coerced."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class Identified(Body):
    """An answer that only has to carry an id (a create's, at the least)."""

    id: Filled


class ProjectsField(Body):
    """Projects listed under a "projects" key, which must be there: an answer without it
    is unreadable, never "no projects" (that would make a lost create look absent)."""

    projects: list[Any]


class ProjectsListed(ProjectsField):
    """Projects listed as a bare JSON list, or wrapped under the `projects` field's key
    (a subclass may name another key with a validation alias). Anything else is unreadable."""

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        key = cls.model_fields["projects"].validation_alias or "projects"
        return {key: data} if isinstance(data, list) else data


class ProjectBody(Body):
    """A project as any vendor answers it: an id it must have, and a name it may."""

    id: Filled
    name: str = ""


class ActivatableProject(ProjectBody):
    """A project listed with an is_active flag, a description and created_at (Dev Kit for
    AI and OTAS both answer so)."""

    is_active: bool | None = None
    description: str | None = None
    created_at: str | None = None

    @property
    def status(self) -> str:
        if self.is_active is None:
            return ""
        return "active" if self.is_active else "inactive"


def read[M: BaseModel](model: type[M], data: Any) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


class Items[M](list[M]):
    """The items read, and how many were skipped: a listing that skipped any is not whole,
    so it can never show that a project is absent."""

    skipped: int = 0


def read_items[M: BaseModel](model: type[M], data: Any) -> Items[M]:
    """The items of a list that have the documented shape; the others are skipped."""
    items = data if isinstance(data, list) else []
    read_ok = Items(parsed for item in items if (parsed := read(model, item)) is not None)
    read_ok.skipped = len(items) - len(read_ok)
    return read_ok
