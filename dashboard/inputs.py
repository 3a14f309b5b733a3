"""Reading untrusted request values: a bad value becomes "absent", never an exception."""

from __future__ import annotations

import unicodedata
from typing import Any

# Ids are 64-bit signed integers in every database the app runs on.
MAX_ID = 2**63 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_id(value: Any) -> int | None:
    """A database id from a query, form or path value, or None.

    Only ASCII digits count (`"²".isdigit()` is True and `int("²")` fails), and only
    numbers a database column can hold (a 10,000-digit one fails `int()` itself).
    """
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value.lstrip("0")) > _MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def printable(value: str) -> str:
    """Text without control characters (NUL included), which no stored name holds: typed
    names are refused them (spec_forms), and so are a vendor's (services.vendor_answers)."""
    return "".join(ch for ch in value if ch.isprintable())


def one_line(value: str) -> str:
    """Text with its control characters (NUL, escapes, line breaks) dropped and nothing else
    changed: for a vendor's words kept in a message (PostgreSQL refuses NUL in any text)."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc")


class IdConverter:
    """A path converter for ids: only values `parse_id` accepts match; others are a 404."""

    regex = f"[0-9]{{1,{_MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


LABEL_ERROR = "Give the account a name of 1 to 100 characters, without control characters."


def label_field(**options: Any):
    """The account label, as every form and service checks it (length and NUL by Django)."""
    from django import forms

    messages = dict.fromkeys(("required", "max_length", "null_characters_not_allowed"), LABEL_ERROR)
    return forms.CharField(max_length=100, error_messages=messages, **options)
