"""Small helpers shared by the view modules."""

from django.http import HttpRequest


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap wants a fragment; a history restore wants the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
