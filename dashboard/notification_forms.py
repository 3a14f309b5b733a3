"""The notification pages' forms: a destination, and a person's email choices for a team.

They only carry what was typed to the services (dashboard/services/destinations.py and
notification_preferences.py), which judge every rule: the URL (https, no private address),
the lengths, control characters. "All event types" travels as an empty list.
"""

from __future__ import annotations

from django import forms

from dashboard.models import DestinationKind, EventType

# A test event is sent from the destination's own button, never chosen.
CHOOSABLE_EVENTS = [(v, label) for v, label in EventType.choices if v != EventType.WEBHOOK_TEST]


def _text_field(label: str, *, help_text: str = "", widget=None) -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=False,  # the service says what is missing, with the other errors
        strip=False,
        help_text=help_text,
        widget=widget or forms.TextInput(attrs={"autocomplete": "off"}),
    )
    field.validators = []  # a NUL or an over-long value is refused by the service, in its words
    return field


def _event_types_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=CHOOSABLE_EVENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose event types from the list."},
    )


class DestinationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=DestinationKind.choices,
        initial=DestinationKind.WEBHOOK,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a webhook or a Slack incoming webhook."},
    )
    url = _text_field(
        "URL",
        help_text="Where the events are posted: an https address that is reachable from "
        "the internet. For Slack, the incoming webhook URL Slack gave you.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "required": True}),
    )
    description = _text_field("Description", help_text="What it is for, e.g. “Incident bot”.")
    all_events = forms.BooleanField(
        label="All event types, including ones added later", required=False, initial=True
    )
    event_types = _event_types_field("Or only these event types")
    enabled = forms.BooleanField(label="On: send events to it", required=False, initial=True)

    def __init__(self, *args, destination=None, **kwargs) -> None:
        if destination is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    "url": "" if destination.kind == DestinationKind.SLACK else destination.url,
                    "description": destination.description,
                    "all_events": not destination.event_types,
                    "event_types": destination.event_types,
                    "enabled": destination.enabled,
                }
            )
        super().__init__(*args, **kwargs)
        self.destination = destination
        if destination is not None:
            # The kind is chosen once; a Slack URL holds Slack's own secret: never shown
            # again, and kept when the field is left empty.
            del self.fields["kind"]
            if destination.kind == DestinationKind.SLACK:
                self.fields["url"].help_text = (
                    "Slack's URL is its secret, so it is not shown. Leave this empty to keep "
                    "it, or paste a new incoming webhook URL."
                )
                self.fields["url"].widget.attrs.pop("required", None)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_events") and not cleaned.get("event_types"):
            self.add_error("event_types", "Tick the event types to send, or “All event types”.")
        return cleaned

    def url_given(self) -> str:
        url = self.cleaned_data.get("url", "")
        if self.destination is not None and self.destination.kind == DestinationKind.SLACK:
            return url if url.strip() else self.destination.url
        return url

    def service_fields(self) -> dict:
        """What the destination services take, as typed: the URL (editing a Slack
        destination, the stored one if left empty), and no types for "All"."""
        data = self.cleaned_data
        return {
            "url": self.url_given(),
            "description": data["description"],
            "event_types": [] if data["all_events"] else list(data["event_types"]),
            "enabled": data["enabled"],
        }


class PreferenceForm(forms.Form):
    """One team's email choices; the prefix keeps several teams' forms apart on one page."""

    event_types = _event_types_field("Email me about")
    digest = forms.BooleanField(
        label="One daily digest instead of a mail for each event", required=False
    )
