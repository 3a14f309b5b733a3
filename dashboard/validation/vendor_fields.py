"""Django form fields built from a provider's field specs: the one place values are checked.

The same fields check a submitted form, one field typed live, a service call's data and
the admin, so a rule is written once (in the spec) and enforced the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from dashboard.validation.text import has_control_characters
from providers.base import FieldSpec, Provider


def _checks(spec: FieldSpec, *, multiline_ok: bool):
    """One validator per field, so a value gets one clear message: control characters,
    then length, then the vendor's own rules."""
    multiline = multiline_ok and spec.kind == "textarea"

    def check(value: str) -> None:
        if has_control_characters(value, multiline=multiline):
            raise ValidationError(f"{spec.label} contains control characters; remove them.")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise ValidationError(
                f"{spec.label} is {len(value)} characters; the most this vendor accepts "
                f"is {spec.max_length}."
            )
        if spec.min_length is not None and len(value) < spec.min_length:
            raise ValidationError(f"{spec.label} needs at least {spec.min_length} characters.")
        for rule in spec.validators:
            message = rule(value)
            if message:
                raise ValidationError(message)

    return check


class SpecTextField(forms.CharField):
    """Text as the vendor wants it: trimmed (unless the spec says not), then normalised."""

    def __init__(self, *, spec: FieldSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return self.spec.normalize(text) if self.spec.normalize and text else text


class SpecChoicesField(forms.MultipleChoiceField):
    """The chosen options, in the order the vendor lists them (what is sent is stable)."""

    def clean(self, value: Any) -> list[str]:
        chosen = set(super().clean(value))
        return [choice for choice, _ in self.choices if choice in chosen]


def field_for(spec: FieldSpec, *, multiline_ok: bool = True) -> forms.Field:
    if spec.kind == "checkbox":
        return forms.BooleanField(
            label=spec.label, required=False, initial=bool(spec.default), help_text=spec.help_text
        )
    if spec.kind == "multichoice":
        return SpecChoicesField(
            label=spec.label,
            required=False,
            choices=spec.choices,
            initial=spec.default or [],
            widget=forms.CheckboxSelectMultiple,
            help_text=spec.help_text,
            error_messages={
                "invalid_choice": "Choose only from the listed options.",
                "invalid_list": "Choose only from the listed options.",
            },
        )
    field = SpecTextField(
        spec=spec,
        label=spec.label,
        required=spec.required,
        strip=spec.trim,
        widget=_widget_for(spec),
        initial=spec.default,
        help_text=spec.help_text,
        validators=[_checks(spec, multiline_ok=multiline_ok)],
        error_messages={"required": f"{spec.label} is required."},
    )
    # Our own check names NUL among the other control characters, in the same words.
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    return field


def _widget_for(spec: FieldSpec) -> forms.Widget:
    # Described by its help and its feedback (the ids _field.html renders). No maxlength:
    # the browser would cut a long paste silently; the counter and the check say it instead.
    described = f"feedback-{spec.name}" + (f" id_{spec.name}_helptext" if spec.help_text else "")
    attrs: dict[str, object] = {"autocomplete": "off", "aria-describedby": described}
    if spec.max_length:
        attrs["data-counter-max"] = spec.max_length
    if spec.required:
        attrs["required"] = True
        attrs["aria-required"] = "true"
    if spec.placeholder:
        attrs["placeholder"] = spec.placeholder
    if spec.kind == "textarea":
        return forms.Textarea(attrs={**attrs, "rows": 4})
    if spec.kind == "password":
        return forms.PasswordInput(
            attrs={**attrs, "autocomplete": "new-password"}, render_value=False
        )
    if spec.kind == "url":
        return forms.URLInput(attrs=attrs)
    return forms.TextInput(attrs=attrs)


def add_spec_fields(form: forms.Form, specs: Iterable[FieldSpec], **options: Any) -> None:
    for spec in specs:
        form.fields[spec.name] = field_for(spec, **options)


def posted_fields(specs: Iterable[FieldSpec], data: Any) -> dict[str, Any]:
    """What a form of these fields posted, as the JSON a row or a template holds: text as
    text (blank: left out), a ticked box as true, the chosen options as a list."""
    fields: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "checkbox":
            fields[spec.name] = spec.name in data
        elif spec.kind == "multichoice":
            fields[spec.name] = data.getlist(spec.name)
        elif data.get(spec.name, "") != "":
            fields[spec.name] = data[spec.name]
    return fields


def clean_with(
    specs: Iterable[FieldSpec], data: Mapping[str, Any], *, multiline_ok: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """(cleaned values, first error per field) for data checked by the spec's fields.
    An invalid field still has a cleaned value (trimmed text), for advice about it."""
    form = forms.Form(data=data)
    add_spec_fields(form, specs, multiline_ok=multiline_ok)
    form.is_valid()
    cleaned: dict[str, Any] = {}
    for name in form.fields:
        if name in form.cleaned_data:
            cleaned[name] = form.cleaned_data[name]
        else:
            raw = data.get(name)
            cleaned[name] = raw.strip() if isinstance(raw, str) else ("" if raw is None else raw)
    errors = {name: str(messages[0]) for name, messages in form.errors.items()}
    return cleaned, errors


def clean_project(provider: Provider, data: Mapping[str, Any]):
    return clean_with(provider.project_fields, data)


def clean_credentials(provider: Provider, data: Mapping[str, Any]):
    cleaned, errors = clean_with(provider.credential_fields, data, multiline_ok=False)
    return provider.check_credentials(cleaned, errors)
