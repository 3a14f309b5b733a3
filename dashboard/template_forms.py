"""The template pages' forms: a template (its name, account, name pattern and defaults for
the account's vendor fields), a new project started from one, and a batch from one.

They only carry what was typed to the services, which judge it: the defaults by the
vendor's field specs (as the create form does), the pattern and the values by their rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms

from dashboard.models import ProjectTemplate, VendorAccount
from dashboard.services.template_fields import default_specs
from dashboard.validation.name_patterns import PatternError, parse_pattern
from dashboard.validation.vendor_fields import add_spec_fields, posted_fields
from providers.base import Provider

PATTERN_HELP = (
    "The projects' names. Placeholders in braces, such as {app}-{env}, are filled from the "
    "values you give when you make a batch. Write {{ or }} for a literal brace. Without "
    "placeholders it is one fixed name."
)
VALUE_PREFIX = "value_"
_SEPARATORS = re.compile(r"[,\r\n]+")


def account_choices(accounts: Iterable[VendorAccount], *, teams: bool) -> list[tuple[str, str]]:
    def label(account: VendorAccount) -> str:
        shown = f"{account.get_vendor_display()} · {account.label}"
        return f"{shown} ({account.team})" if teams else shown

    return [(str(account.pk), label(account)) for account in accounts]


def carried(field: forms.Field) -> forms.Field:
    """A field whose value the service judges (NUL included, in its own words)."""
    field.validators = []
    return field


def _name_field(label: str, help_text: str) -> forms.CharField:
    """A name the service judges (its length and characters), marked required for people."""
    return carried(
        forms.CharField(
            label=label,
            required=False,
            strip=False,
            help_text=help_text,
            widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
        )
    )


class ProjectTemplateForm(forms.Form):
    name = _name_field("Template name", "How the team will recognise it, e.g. “Checkout service”.")
    account = forms.ChoiceField(
        label="Account",
        error_messages={
            "required": "Choose the account the template's projects are made at.",
            "invalid_choice": "Choose one of the listed accounts.",
        },
    )
    name_pattern = carried(
        forms.CharField(
            label="Name pattern",
            required=False,
            strip=False,
            help_text=PATTERN_HELP,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
    )

    def __init__(
        self, *args, accounts: list[VendorAccount], provider: Provider | None, teams: bool, **kw
    ) -> None:
        super().__init__(*args, **kw)
        self.provider = provider
        choices = account_choices(accounts, teams=teams)
        self.fields["account"].choices = [("", "Choose an account…"), *choices]
        self.default_names: list[str] = []
        if provider is None:
            return
        specs = default_specs(provider)
        add_spec_fields(self, specs)
        for spec in specs:  # a default is never required: a field left blank is no default
            field = self.fields[spec.name]
            field.required = False
            field.widget.attrs.pop("required", None)
            field.widget.attrs.pop("aria-required", None)
            self.default_names.append(spec.name)

    def own_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["name_pattern"]]

    def vendor_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.default_names]

    def defaults(self) -> dict[str, Any]:
        """The vendor fields as posted, in the shape the template stores."""
        if self.provider is None:
            return {}
        return posted_fields(default_specs(self.provider), self.data)


def template_initial(template: ProjectTemplate, *, vendor: str) -> dict[str, Any]:
    """The form's first values: the template as saved (its defaults only for its vendor)."""
    initial: dict[str, Any] = {
        "name": template.name,
        "account": str(template.account_id),
        "name_pattern": template.name_pattern,
    }
    if vendor == template.account.vendor and isinstance(template.defaults, dict):
        initial.update(template.defaults)
    return initial


def start_from_template(form: forms.Form, template: ProjectTemplate, provider: Provider) -> None:
    """A new project's form filled from a template: its defaults, and its name when the
    pattern has no placeholders; otherwise the pattern is a hint at the name field."""
    defaults = template.defaults if isinstance(template.defaults, dict) else {}
    for name, value in defaults.items():
        if name in form.fields and name != provider.name_field and name != "idempotency_key":
            form.initial[name] = value
    name_field = form.fields.get(provider.name_field)
    if name_field is None or not template.name_pattern:
        return
    try:
        pattern = parse_pattern(template.name_pattern)
    except PatternError:
        return
    if not pattern.placeholders:
        form.initial[provider.name_field] = pattern.fill({})
        return
    hint = f"The template “{template.name}” names projects like {template.name_pattern}."
    name_field.help_text = f"{name_field.help_text} {hint}".strip()
    described = name_field.widget.attrs.get("aria-describedby", "")
    helptext = f"id_{provider.name_field}_helptext"
    if helptext not in described.split():
        name_field.widget.attrs["aria-describedby"] = f"{described} {helptext}".strip()


def split_values(text: str) -> list[str]:
    """A placeholder's values as typed: separated by commas or line breaks (the service
    trims them and leaves out blanks and repeats)."""
    return _SEPARATORS.split(text) if text else []


class TemplateBatchForm(forms.Form):
    name = _name_field("Batch name", "How the team will recognise this batch.")
    extra_accounts = forms.MultipleChoiceField(
        label="Also make them at",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only from the listed accounts."},
    )

    def __init__(
        self, *args, placeholders: Iterable[str], extra: Iterable[VendorAccount], **kw
    ) -> None:
        super().__init__(*args, **kw)
        self.placeholders = list(placeholders)
        self.fields["extra_accounts"].choices = account_choices(extra, teams=False)
        for name in self.placeholders:
            field_name = f"{VALUE_PREFIX}{name}"
            self.fields[field_name] = carried(
                forms.CharField(
                    label=f"Values for {{{name}}}",
                    required=False,
                    strip=False,
                    help_text="Separate them with commas or new lines, e.g. dev, staging, prod.",
                    widget=forms.Textarea(
                        attrs={
                            "rows": 3,
                            "spellcheck": "false",
                            "aria-describedby": f"feedback-{field_name} id_{field_name}_helptext",
                        }
                    ),
                )
            )

    def value_fields(self) -> list[forms.BoundField]:
        return [self[f"{VALUE_PREFIX}{name}"] for name in self.placeholders]

    def values(self) -> dict[str, list[str]]:
        return {
            name: split_values(self.cleaned_data.get(f"{VALUE_PREFIX}{name}") or "")
            for name in self.placeholders
        }

    def field_for_error(self, key: str) -> str | None:
        """Where a service's refusal at `key` is shown: a placeholder's values, the name,
        the extra accounts; anything else above the form."""
        if key in self.placeholders:
            return f"{VALUE_PREFIX}{key}"
        return key if key in ("name", "extra_accounts") else None
