"""What every vendor failure becomes: one error type with a kind a person's words hang on,
and the shared readings of answers outside a vendor's documented shapes."""

from __future__ import annotations

import enum
from collections.abc import Mapping


class ErrorKind(enum.StrEnum):
    INVALID = "invalid"  # the vendor refused the input; fix it and try again
    AUTH = "auth"  # credentials missing, wrong or expired
    FORBIDDEN = "forbidden"  # credentials fine, not allowed
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # vendor down or unreachable; nothing was created
    OUTCOME_UNKNOWN = "outcome_unknown"  # request may have been acted on; answer lost


# Failures where nothing was done and the same request may simply be sent again later.
RETRYABLE_KINDS = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE})


class ProviderError(Exception):
    """Every vendor failure, mapped to one type the dashboard understands.

    `message` is written for a person and never holds a secret.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        field: str | None = None,
        code: str = "",
        status: int | None = None,
        retry_after: int | None = None,
        field_errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.code = code
        self.status = status
        self.retry_after = retry_after
        self.field_errors = dict(field_errors or {})
        if field:
            self.field_errors.setdefault(field, message)

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __repr__(self) -> str:
        return f"ProviderError({self.kind!s}, {self.code or self.status!r})"


def unexpected_answer(
    vendor: str, status: int, *, creating: bool, unreadable: bool = False, code: str = ""
) -> ProviderError:
    """An answer outside the vendor's documented shapes.

    After a create was sent, a server error or an answer we can't read may hide a project
    that was made: outcome unknown. Anywhere else nothing happened: unavailable.
    """
    if creating and (status >= 500 or unreadable):
        return ProviderError(
            ErrorKind.OUTCOME_UNKNOWN,
            f"{vendor} answered unexpectedly (HTTP {status}) after receiving the request; "
            "the project may or may not exist.",
            status=status,
            code=code,
        )
    return ProviderError(
        ErrorKind.UNAVAILABLE,
        f"{vendor} answered unexpectedly (HTTP {status}). Try again in a moment.",
        status=status,
        code=code,
    )


def unreadable_answer(vendor: str, *, creating: bool) -> ProviderError:
    """An answer whose JSON has the wrong shape (a list for an object, a number for text)."""
    if creating:
        return ProviderError(
            ErrorKind.OUTCOME_UNKNOWN,
            f"{vendor}'s answer to the create could not be read, so the project may or may "
            "not exist.",
            code="unreadable_answer",
        )
    return ProviderError(
        ErrorKind.UNAVAILABLE,
        f"{vendor} answered in a form the dashboard could not read. Try again in a moment.",
        code="unreadable_answer",
    )


def rate_limited(
    vendor: str, retry_after: int | None, *, what: str = "requests", code: str = "rate_limited"
) -> ProviderError:
    wait = f"in {retry_after} seconds" if retry_after else "in a minute"
    return ProviderError(
        ErrorKind.RATE_LIMITED,
        f"{vendor} is limiting {what}. Try again {wait}.",
        code=code,
        status=429,
        retry_after=retry_after,
    )


def success_without_id(vendor: str, status: int) -> ProviderError:
    """The vendor said yes but we can't tell to what: the project may exist unseen."""
    return ProviderError(
        ErrorKind.OUTCOME_UNKNOWN,
        f"{vendor} accepted the request but its answer could not be read, so the project may "
        "exist without us knowing its id.",
        status=status,
    )


def field_named_in(message: str, names: Mapping[str, str]) -> str | None:
    """The form field a vendor's error message is about: the first word of `names` (a
    lower-case word to look for -> the field it means) found in it, or None."""
    lowered = message.lower()
    return next((field for word, field in names.items() if word in lowered), None)
