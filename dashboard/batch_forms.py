"""The batch pages' forms: a new batch from CSV, and one row fixed in place.

They only carry what was typed to the services; a row's fields are judged by the batch
preview (the same rules as a single create), never here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from dashboard.models import BatchRow, Team, VendorAccount
from dashboard.validation.vendor_fields import add_spec_fields, posted_fields
from providers.base import Provider


class BatchNewForm(forms.Form):
    name = forms.CharField(
        required=False,  # the service says what is wrong, in its words
        strip=False,
        help_text="How the team will recognise this batch, e.g. “Checkout environments”.",
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    csv_file = forms.FileField(
        label="CSV file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    csv_text = forms.CharField(
        label="Or paste the CSV",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        # A NUL is refused by the services, in words that say where it is.
        self.fields["name"].validators = []
        self.fields["csv_text"].validators = []


class BatchRowForm(forms.Form):
    """The row's account and its vendor's fields, as the new-project form has them."""

    account = forms.ChoiceField(
        label="Account",
        error_messages={
            "required": "Choose the account this row's project is made at.",
            "invalid_choice": "Choose one of the team's accounts.",
        },
    )

    def __init__(
        self, *args, accounts: list[VendorAccount], provider: Provider | None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        choices = [(str(a.pk), f"{a.get_vendor_display()} · {a.label}") for a in accounts]
        self.fields["account"].choices = [("", "Choose an account…"), *choices]
        if provider is not None:
            add_spec_fields(self, provider.project_fields)


def row_initial(row: BatchRow, account: VendorAccount | None) -> dict[str, Any]:
    """The form's first values: the row as given, in the form's terms."""
    initial: dict[str, Any] = {"account": str(account.pk) if account else ""}
    data = row.data if isinstance(row.data, dict) else {}
    initial.update(data)
    return initial


def submitted_fields(form: BatchRowForm, data: QueryDict) -> dict[str, Any]:
    """What was typed, as the JSON a row holds (see posted_fields)."""
    if form.provider is None:
        return {}
    return posted_fields(form.provider.project_fields, data)


def dropped_columns(row: BatchRow, provider: Provider | None) -> list[str]:
    """The row's columns its vendor has no field for: saving the form leaves them out."""
    if provider is None or not isinstance(row.data, dict):
        return []
    known = {spec.name for spec in provider.project_fields}
    return [str(name) for name in row.data if name not in known]
