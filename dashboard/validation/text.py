"""Untrusted text: what counts as a control character, checked and cleaned by one rule."""

from __future__ import annotations

import unicodedata

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
