"""The API tokens page's form: it only reads the choices; the service checks every rule."""

from __future__ import annotations

from django import forms

from dashboard.models import Role, Team
from dashboard.services.api_tokens import DEFAULT_EXPIRY_DAYS, NAME_MAX

NEVER = "never"
EXPIRY_CHOICES = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "180 days"),
    ("365", "365 days"),
    (NEVER, "Never (team admins)"),
]


class ExpirySelect(forms.Select):
    """ "Never" is listed for everyone, and enabled only for someone who administers a team."""

    never_enabled = False

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value == NEVER and not self.never_enabled:
            option["attrs"]["disabled"] = True
        return option


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        required=False,  # the service says what is missing, with the other errors
        max_length=NAME_MAX,
        help_text="What uses the token, e.g. “Preview environments CI”.",
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX, "required": True}),
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="At most your own role in the team.",
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES,
        initial=str(DEFAULT_EXPIRY_DAYS),
        widget=ExpirySelect,
        help_text="A token that never expires is for team admins only.",
    )

    def __init__(self, *args, teams, may_choose_never: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        # The service decides (per team); this only spares others a choice they cannot make.
        self.fields["expires"].widget.never_enabled = may_choose_never

    def expires_days(self) -> int | None:
        value = self.cleaned_data["expires"]
        return None if value == NEVER else int(value)
