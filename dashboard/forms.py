"""Django forms built from a provider's field specs.

Forms collect and render; the rules (limits, trimming, key formats) live in
the provider and are applied by services, so the browser, the live check and
the final submit all use one definition.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django import forms

from providers.base import FieldSpec, Provider

from .models import Team


def _field_for(spec: FieldSpec) -> forms.Field:
    attrs: dict[str, object] = {"autocomplete": "off"}
    if spec.max_length:
        attrs["maxlength"] = spec.max_length
        attrs["data-counter-max"] = spec.max_length
    if spec.required:
        attrs["required"] = True
        attrs["aria-required"] = "true"
    if spec.placeholder:
        attrs["placeholder"] = spec.placeholder
    if spec.kind == "checkbox":
        return forms.BooleanField(
            label=spec.label, required=False, initial=bool(spec.default), help_text=spec.help_text
        )
    if spec.kind == "multichoice":
        return forms.MultipleChoiceField(
            label=spec.label,
            required=False,
            choices=spec.choices,
            initial=spec.default or [],
            widget=forms.CheckboxSelectMultiple,
            help_text=spec.help_text,
        )
    widget: forms.Widget
    if spec.kind == "textarea":
        widget = forms.Textarea(attrs={**attrs, "rows": 4})
    elif spec.kind == "password":
        widget = forms.PasswordInput(
            attrs={**attrs, "autocomplete": "new-password"}, render_value=False
        )
    elif spec.kind == "url":
        widget = forms.URLInput(attrs=attrs)
    else:
        widget = forms.TextInput(attrs=attrs)
    # Validation happens in the provider (control characters included); the Django
    # field only carries the raw value, so every error reads the same everywhere.
    field = forms.CharField(
        label=spec.label,
        required=False,
        strip=False,
        widget=widget,
        initial=spec.default,
        help_text=spec.help_text,
    )
    field.validators = []
    return field


def add_spec_fields(form: forms.Form, specs: Iterable[FieldSpec]) -> None:
    for spec in specs:
        form.fields[spec.name] = _field_for(spec)


def raw_values(form: forms.Form) -> dict:
    """What the user typed, field by field (lists for multi-choice), before any cleaning."""
    values = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField):
            values[name] = (
                form.data.getlist(name)
                if hasattr(form.data, "getlist")
                else form.data.get(name, [])
            )
        else:
            values[name] = form.data.get(name)
    return values


def apply_errors(form: forms.Form, field_errors: dict[str, str], message: str = "") -> None:
    for name, error in field_errors.items():
        form.add_error(name if name in form.fields else None, error)
    if message:
        form.add_error(None, message)


class ProjectForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
        add_spec_fields(self, provider.project_fields)


class AccountBasicsForm(forms.Form):
    """Which team, what to call the account, and where the vendor lives."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    label = forms.CharField(
        max_length=100,
        required=False,
        help_text="How the team will recognise this account.",
        widget=forms.TextInput(attrs={"maxlength": 100, "required": True}),
    )
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=300,
        widget=forms.URLInput(attrs={"maxlength": 300}),
    )

    def __init__(self, *args, provider: Provider, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["base_url"].initial = provider.default_base_url
        self.fields[
            "base_url"
        ].help_text = (
            f"Default {provider.default_base_url}. Change it for a staging host or the sandbox."
        )


class AccountConnectForm(AccountBasicsForm):
    def __init__(self, *args, provider: Provider, teams, **kwargs) -> None:
        super().__init__(*args, provider=provider, teams=teams, **kwargs)
        add_spec_fields(self, provider.credential_fields)


class AccountReplaceForm(forms.Form):
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=300,
        widget=forms.URLInput(attrs={"maxlength": 300}),
    )

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        add_spec_fields(self, provider.credential_fields)
