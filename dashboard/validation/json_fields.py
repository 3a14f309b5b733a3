"""A vendor's create fields as JSON: each field's JSON type, checked before its rules.

A form sends strings; JSON can send anything. A number, an object or null where a name
is expected is refused by type here, never turned into text and sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dashboard.validation.text import printable
from providers.base import FieldSpec

_JSON_TYPES = {"checkbox": "boolean", "multichoice": "array"}


def json_type(spec: FieldSpec) -> str:
    return _JSON_TYPES.get(spec.kind, "string")


def _has_type(value: Any, expected: str) -> bool:
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, str)


_TYPE_WORDS = {
    "boolean": "true or false",
    "array": "a list of strings",
    "string": "a string",
}


def json_field_errors(
    specs: Iterable[FieldSpec], fields: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Each sent field that is not the vendor's, or not of its JSON type (null is absent)."""
    by_name = {spec.name: spec for spec in specs}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        spec = by_name.get(name)
        if spec is None:
            known = ", ".join(by_name)
            errors[printable(name)[:100]] = [
                f"Not a field of this vendor's projects. The fields are: {known}."
            ]
        elif value is not None and not _has_type(value, json_type(spec)):
            errors[name] = [f"{spec.label} must be {_TYPE_WORDS[json_type(spec)]}."]
    return errors
