"""A notification destination as its pages show it: its address without any secret, its
name, and the event types it wants in words."""

from __future__ import annotations

from dashboard.models import Destination, EventType

HIDDEN = "••••"


def destination_address(destination: Destination) -> str:
    return destination.masked_url


def destination_name(destination: Destination) -> str:
    """What to call it: its description, else its address with any secret masked."""
    return str(destination)


def event_type_label(value: str) -> str:
    """An event type in words ("Project create failed"); an unknown one as it is stored."""
    return EventType(value).label if value in EventType.values else str(value)


def event_types_shown(event_types) -> str:
    """Chosen types in words; none chosen means all."""
    if not event_types:
        return "All event types"
    return ", ".join(event_type_label(value) for value in event_types)
