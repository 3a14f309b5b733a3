"""The policy page's form: an account's name pattern (with its words and its severity), the
fields the team requires, and defaults for the vendor's fields.

It only carries what was typed to `services.policy_save`, which judges all of it (the
pattern compiled and probed, the defaults by the vendor's field specs).
"""

from __future__ import annotations

from typing import Any

from django import forms

from dashboard.models import AccountPolicy, PolicySeverity
from dashboard.services.template_fields import default_specs
from dashboard.template_forms import carried
from dashboard.validation.vendor_fields import add_spec_fields, posted_fields
from providers.base import Provider

PATTERN_HELP = (
    "A regular expression every new project's name is checked against, e.g. "
    "^(dev|staging|prod)-[a-z0-9-]+$ (it may match anywhere in the name: ^ and $ anchor it "
    "to the whole name). Leave it empty for no naming rule."
)


class PolicyForm(forms.Form):
    name_pattern = carried(
        forms.CharField(
            label="Name pattern",
            required=False,
            strip=False,
            help_text=PATTERN_HELP,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
    )
    name_pattern_description = carried(
        forms.CharField(
            label="What it means, in plain words",
            required=False,
            strip=False,
            help_text="Quoted in every message about it, e.g. “env-app, lowercase”.",
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        )
    )
    name_pattern_severity = forms.ChoiceField(
        label="A name that doesn't match",
        choices=PolicySeverity.choices,
        initial=PolicySeverity.ERROR,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the pattern is an error or advice.",
            "invalid_choice": "Choose whether the pattern is an error or advice.",
        },
    )
    required_fields = forms.MultipleChoiceField(
        label="Fields the team requires",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Beyond the vendor's own: a create that leaves one empty is refused.",
        error_messages={
            "invalid_choice": "Choose only from the listed fields.",
            "invalid_list": "Choose only from the listed fields.",
        },
    )

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.fields["required_fields"].choices = [
            (spec.name, spec.label)
            for spec in provider.project_fields
            if spec.name != provider.name_field and spec.kind != "checkbox" and not spec.required
        ]
        self.default_names: list[str] = []
        # Each default field is named "default-<field>", apart from the policy's own.
        specs = default_specs(provider)
        holder = forms.Form()
        add_spec_fields(holder, specs)
        for spec in specs:
            field = holder.fields[spec.name]
            field.required = False  # a field left blank is no default
            field.label = f"Default for {spec.label}"  # apart from the required boxes' labels
            field.widget.attrs.pop("required", None)
            field.widget.attrs.pop("aria-required", None)
            described = f"feedback-default-{spec.name}"
            if spec.help_text:
                described += f" id_default-{spec.name}_helptext"
            field.widget.attrs["aria-describedby"] = described
            self.fields[f"default-{spec.name}"] = field
            self.default_names.append(spec.name)

    def default_fields(self) -> list[forms.BoundField]:
        return [self[f"default-{name}"] for name in self.default_names]

    def defaults(self) -> dict[str, Any]:
        """The default fields as posted, by the vendor's field names."""
        prefixed = _Unprefixed(self.data)
        return posted_fields(default_specs(self.provider), prefixed)


class _Unprefixed:
    """The posted data read by a vendor field's own name (the form names it "default-…")."""

    def __init__(self, data) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return f"default-{name}" in self.data

    def get(self, name: str, fallback: Any = None) -> Any:
        return self.data.get(f"default-{name}", fallback)

    def getlist(self, name: str) -> list:
        return self.data.getlist(f"default-{name}")

    def __getitem__(self, name: str) -> Any:
        return self.data[f"default-{name}"]


def policy_initial(policy: AccountPolicy | None) -> dict[str, Any]:
    """The form's first values: the policy as saved."""
    if policy is None:
        return {}
    initial: dict[str, Any] = {
        "name_pattern": policy.name_pattern,
        "name_pattern_description": policy.name_pattern_description,
        "name_pattern_severity": policy.name_pattern_severity,
        "required_fields": list(policy.required_fields or []),
    }
    for name, value in (policy.defaults or {}).items():
        initial[f"default-{name}"] = value
    return initial


def field_for_error(form: PolicyForm, key: str) -> str | None:
    """Where a service's refusal at `key` is shown: the policy's own fields, a default's
    field, or (for the defaults as a whole) above the form."""
    if key in form.fields:
        return key
    if f"default-{key}" in form.fields:
        return f"default-{key}"
    return None
