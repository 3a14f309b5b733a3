"""Vendor answers read into typed models (pydantic).

A body of the wrong shape reads as None (or, in a list, the item is skipped and counted),
and the caller turns that into one clear ProviderError; nothing deeper ever sees raw JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

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
