"""Name patterns such as `{app}-{env}`: parsed once, filled from values.

A placeholder is `{identifier}` (ASCII letters, digits and `_`, not starting with a digit:
it also names a form field); `{{` and `}}` are literal braces, as in Python's str.format.
Any other brace is a mistake, reported with its position (1-based, in characters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.validation.text import has_control_characters

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
PLACEHOLDER_MAX = 40  # a placeholder's name, in characters


class PatternError(ValueError):
    """A pattern that can't be read: the message says what and where."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Placeholder:
    name: str


@dataclass(frozen=True)
class NamePattern:
    """A parsed pattern: literal text and placeholders, in order (adjacent text joined)."""

    parts: tuple[str | Placeholder, ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Each placeholder's name once, in the order they first appear."""
        names = (part.name for part in self.parts if isinstance(part, Placeholder))
        return tuple(dict.fromkeys(names))

    def fill(self, values: Mapping[str, str]) -> str:
        """The name, with every placeholder replaced by its value (KeyError if one lacks)."""
        return "".join(
            values[part.name] if isinstance(part, Placeholder) else part for part in self.parts
        )

    def text(self) -> str:
        """The pattern written out again (literal braces doubled): parses to the same parts."""
        return "".join(
            f"{{{part.name}}}" if isinstance(part, Placeholder) else escape_literal(part)
            for part in self.parts
        )


def escape_literal(text: str) -> str:
    """`text` as a pattern that fills to exactly `text`."""
    return text.replace("{", "{{").replace("}", "}}")


def parse_pattern(pattern: str) -> NamePattern:
    """The pattern's parts, or a PatternError naming the first mistake and its position."""
    if has_control_characters(pattern):
        position = next(i for i, ch in enumerate(pattern) if has_control_characters(ch)) + 1
        what = "a NUL character" if pattern[position - 1] == "\x00" else "a control character"
        raise PatternError(
            f"Character {position} is {what} (patterns are one line of printable text); remove it.",
            position,
        )
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch in "{}" and pattern[i + 1 : i + 2] == ch:
            literal.append(ch)  # a doubled brace is one literal brace
            i += 2
        elif ch == "}":
            raise PatternError(
                f"Character {i + 1}: this “}}” closes no placeholder. Write “}}}}” for a "
                "literal brace.",
                i + 1,
            )
        elif ch == "{":
            name, i = _placeholder(pattern, i)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(name))
        else:
            literal.append(ch)
            i += 1
    if literal:
        parts.append("".join(literal))
    return NamePattern(tuple(parts))


def _placeholder(pattern: str, start: int) -> tuple[str, int]:
    """The placeholder's name that opens at `start`, and the index after its `}`."""
    end = start + 1
    while end < len(pattern) and pattern[end] not in "{}":
        end += 1
    if end == len(pattern):
        raise PatternError(
            f"Character {start + 1}: this “{{” opens a placeholder that is never closed. "
            "Write “{{” for a literal brace.",
            start + 1,
        )
    if pattern[end] == "{":
        raise PatternError(
            f"Character {end + 1}: a “{{” inside the placeholder that opens at character "
            f"{start + 1}; placeholders can't be nested.",
            end + 1,
        )
    name = pattern[start + 1 : end]
    if not name:
        raise PatternError(
            f"Character {start + 1}: “{{}}” is an empty placeholder. Name it, e.g. {{env}}, "
            "or write “{{}}” for literal braces.",
            start + 1,
        )
    if not _IDENTIFIER.fullmatch(name) or len(name) > PLACEHOLDER_MAX:
        shown = name if len(name) <= PLACEHOLDER_MAX else name[:PLACEHOLDER_MAX] + "…"
        raise PatternError(
            f"Character {start + 1}: “{{{shown}}}” is not a placeholder. A placeholder's name "
            f"is 1 to {PLACEHOLDER_MAX} ASCII letters, digits or _, not starting with a "
            "digit, e.g. {env}.",
            start + 1,
        )
    return name, end + 1
