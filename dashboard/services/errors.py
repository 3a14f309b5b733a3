"""The one refusal every service raises, for a door to show next to its fields."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A refusal to show the user: field errors and/or a general message."""

    def __init__(self, message: str = "", field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message or "; ".join((field_errors or {}).values()))
        self.message = message
        self.field_errors = dict(field_errors or {})


class VendorCallFailed(ServiceError):
    """The vendor could not be asked, or refused: its words (or ours about it) for a person."""
