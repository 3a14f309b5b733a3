"""The dashboard's forms. Vendor fields come from the provider's field specs through
`spec_forms`, whose fields do every check, here and in the services alike."""

from __future__ import annotations

import uuid

from django import forms

from dashboard import services
from dashboard.models import Team, VendorAccount
from dashboard.models.columns import column_max
from dashboard.validation.labels import label_field
from dashboard.validation.vendor_fields import add_spec_fields
from providers.base import Provider


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


def base_url_field() -> forms.CharField:
    """Where the vendor lives, as the connect and replace forms both ask for it."""
    return forms.CharField(
        label="Base URL",
        required=False,
        max_length=column_max(VendorAccount, "base_url"),  # also the input's maxlength
        widget=forms.URLInput,
    )


class ProjectForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
        add_spec_fields(self, provider.project_fields)


def start_from_policy(form: ProjectForm, account: VendorAccount) -> None:
    """A new project's form for `account` filled with its team's defaults (a template
    started after it may set its own); the team's required fields marked required."""
    policy = getattr(account, "policy", None)
    if policy is None:
        return
    for name, value in (policy.defaults if isinstance(policy.defaults, dict) else {}).items():
        if name in form.fields and name != "idempotency_key":
            form.initial[name] = value
    for name in policy.required_fields if isinstance(policy.required_fields, list) else ():
        field = form.fields.get(name)
        if field is not None and name not in policy.defaults:
            # Marked for people and assistive tech; the service refuses it empty.
            field.widget.attrs.update({"required": True, "aria-required": "true"})


class AccountBasicsForm(forms.Form):
    """Which team, what to call the account, and where the vendor lives."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    label = label_field(
        required=False,  # the service says what is missing, with the other errors
        help_text="How the team will recognise this account.",
        widget=forms.TextInput(attrs={"required": True}),  # maxlength: from the field
    )
    base_url = base_url_field()

    def __init__(self, *args, provider: Provider, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["base_url"].initial = provider.default_base_url
        self.fields["base_url"].help_text = (
            f"Default {provider.default_base_url}. Change it for a staging host or the sandbox."
            if provider.default_base_url
            else f"The address of your own {provider.name} server, e.g. https://{provider.slug}"
            ".example.com."
        )


class AccountConnectForm(AccountBasicsForm):
    def __init__(self, *args, provider: Provider, teams, **kwargs) -> None:
        super().__init__(*args, provider=provider, teams=teams, **kwargs)
        add_spec_fields(self, provider.credential_fields, multiline_ok=False)


class AccountReplaceForm(forms.Form):
    base_url = base_url_field()

    def __init__(self, *args, provider: Provider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        add_spec_fields(self, provider.credential_fields, multiline_ok=False)


def replace_credentials(form: AccountReplaceForm, *, account, user) -> bool:
    """What the dashboard's and the admin's replace pages share: a valid form goes to the
    one service (address checked, vendor asked outside any transaction, audited); a
    refusal lands on the form's fields. True once the new credentials are stored."""
    if not form.is_valid():
        return False
    try:
        services.account_replace_credentials(
            account=account,
            user=user,
            base_url=form.cleaned_data["base_url"],
            credentials_input=form.cleaned_data,
        )
    except services.ServiceError as exc:
        apply_errors(form, exc.field_errors, exc.message)
        return False
    return True
