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


# What this dashboard calls a control character, for every check and every cleaning:
# Unicode's controls (category Cc: NUL, tab, line breaks, escapes, DEL, C1), and lone
# surrogates (Cs: half a UTF-16 pair, which only a "\ud800" escape in JSON makes). No
# stored value holds one, except that multi-line text (a description) may break lines and
# indent: PostgreSQL refuses NUL in text and jsonb, and no database encodes a surrogate.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs"})
MULTILINE_OK = frozenset("\n\r\t")


def _is_control(ch: str, multiline: bool) -> bool:
    return unicodedata.category(ch) in _CONTROL_CATEGORIES and not (
        multiline and ch in MULTILINE_OK
    )


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    # isprintable() is quick, and False for every control character: most values end here.
    return not value.isprintable() and any(_is_control(ch, multiline) for ch in value)


def printable(value: str, *, multiline: bool = False) -> str:
    """The text without its control characters, nothing else changed: for untrusted words
    (a vendor's, a query's) kept in a message, a column or a search."""
    if value.isprintable():
        return value
    return "".join(ch for ch in value if not _is_control(ch, multiline))


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
