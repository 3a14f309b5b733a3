"""A template's defaults, judged by its vendor's field specs as the create form judges them.

The vendor's name field is never a default (the name pattern makes the name), and
neither is a secret field (a template is shown to the whole team and stored in clear).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.services.errors import ServiceError
from dashboard.validation.json_fields import json_field_errors
from dashboard.validation.text import printable
from dashboard.validation.vendor_fields import clean_with
from providers.base import FieldSpec, Provider

# Where a refusal about the defaults as a whole goes (a field the form does not show).
DEFAULTS = "defaults"


def default_specs(provider: Provider) -> tuple[FieldSpec, ...]:
    """The vendor's fields a template may give defaults for."""
    return tuple(
        spec
        for spec in provider.project_fields
        if spec.name != provider.name_field and not spec.secret
    )


def defaults_cleaned(
    provider: Provider, defaults: Any, *, holder: str = "template"
) -> dict[str, Any]:
    """The defaults as stored (cleaned as a create would clean them; blank text left out),
    or a ServiceError with each refusal at its field. `holder` ("template" or "policy")
    names what holds them, in the refusals' words."""
    if not isinstance(defaults, Mapping):
        raise ServiceError(field_errors={DEFAULTS: "The defaults must be the vendor's fields."})
    specs = default_specs(provider)
    allowed = {spec.name for spec in specs}
    errors: dict[str, str] = {}
    refused = [name for name in defaults if name not in allowed]
    if refused:
        errors[DEFAULTS] = _refusal(provider, refused, specs, holder)
    given = {name: value for name, value in defaults.items() if name in allowed}
    for name, messages in json_field_errors(specs, given).items():
        errors[name] = messages[0]
    typed = {k: v for k, v in given.items() if k not in errors and v is not None}
    cleaned, field_errors = clean_with(specs, typed)
    for name, message in field_errors.items():
        if name in typed:  # a field left out is no default, whatever the spec requires
            errors.setdefault(name, message)
    if errors:
        raise ServiceError(field_errors=errors)
    return {name: cleaned[name] for name in typed if cleaned[name] != ""}


# Why the name can't be a default, by what would hold it.
_NAME_REFUSALS = {
    "template": "The name can't be a default: the name pattern makes each project's name. "
    "Write it there (without placeholders for one fixed name).",
    "policy": "The name can't have a default: each project's name is given when it is made "
    "(the name pattern checks it).",
}


def _refusal(
    provider: Provider, refused: list[Any], specs: tuple[FieldSpec, ...], holder: str
) -> str:
    secret = {spec.name for spec in provider.project_fields if spec.secret}
    first = refused[0]
    if first == provider.name_field:
        return _NAME_REFUSALS[holder]
    if first in secret:
        return f"A secret field can't be saved in a {holder}."
    shown = printable(str(first))[:60]
    known = ", ".join(spec.name for spec in specs) or "none"
    return f"“{shown}” is not a field a {holder} can set. The fields it can set are: {known}."


def name_error(provider: Provider, name: str) -> str | None:
    """What the vendor's rules say of `name` as a project's name, or None."""
    spec = next(spec for spec in provider.project_fields if spec.name == provider.name_field)
    _, errors = clean_with([spec], {spec.name: name})
    return errors.get(spec.name)
