"""An account's label, as every form and service checks it."""

from __future__ import annotations

from typing import Any

from dashboard.models.accounts import VendorAccount
from dashboard.models.columns import column_max

LABEL_MAX = column_max(VendorAccount, "label")
LABEL_ERROR = f"Give the account a name of 1 to {LABEL_MAX} characters, without control characters."


def label_field(**options: Any):
    """The account label, as every form and service checks it (length and NUL by Django)."""
    from django import forms

    messages = dict.fromkeys(("required", "max_length", "null_characters_not_allowed"), LABEL_ERROR)
    return forms.CharField(max_length=LABEL_MAX, error_messages=messages, **options)


def cleaned_line(field, value: Any) -> str | None:
    """One line of text as a form `field` cleans it (strip, length, NUL), or None when it
    is refused or holds a control character: a name, a label."""
    from django.core.exceptions import ValidationError

    from dashboard.validation.text import has_control_characters

    try:
        value = field.clean(value)
    except ValidationError:
        return None
    return None if has_control_characters(value) else value
