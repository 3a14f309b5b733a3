"""A notification destination as its pages show it: its address without any secret, its
name, and the event types it wants in words."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from dashboard.models import Destination, DestinationKind, EventType

HIDDEN = "••••"


def destination_address(destination: Destination) -> str:
    """The URL to show: a Slack URL's last part is Slack's secret, and a webhook's query
    may carry the receiver's token, so those are never shown after they were typed."""
    parts = urlsplit(str(destination.url or ""))
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    if destination.kind == DestinationKind.SLACK:
        kept = parts.path.rstrip("/").rsplit("/", 1)[0]
        return f"{base}{kept}/{HIDDEN}"
    query = "&".join(f"{name}={HIDDEN}" for name, _ in parse_qsl(parts.query, True))
    return f"{base}{parts.path}" + (f"?{query}" if query else "")


def destination_name(destination: Destination) -> str:
    """What to call it: its description, else its address (never `str()`, which is the
    whole URL, a Slack secret included)."""
    return destination.description or destination_address(destination)


def event_type_label(value: str) -> str:
    """An event type in words ("Project create failed"); an unknown one as it is stored."""
    return EventType(value).label if value in EventType.values else str(value)


def event_types_shown(event_types) -> str:
    """Chosen types in words; none chosen means all."""
    if not event_types:
        return "All event types"
    return ", ".join(event_type_label(value) for value in event_types)
