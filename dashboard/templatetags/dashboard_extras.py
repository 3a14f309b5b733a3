import datetime
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """Look a key up in a dict: {{ labels|get_item:slug }}."""
    return mapping.get(key, key)


@register.filter
def web_address(value: str) -> str:
    """The value if it is an http(s) address, else "": a vendor's string is never a
    javascript: or data: link."""
    from urllib.parse import urlsplit

    text = str(value or "").strip()
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


@register.filter
def minutes_seconds(seconds: int) -> str:
    """1799 → "29:59", as the countdown reads while it ticks."""
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def counter_max(bound_field) -> int | None:
    """The most characters a field takes, for its counter (inputs carry no maxlength)."""
    return bound_field.field.widget.attrs.get("data-counter-max")


# (seconds in the unit, singular, plural), largest first: "3 hours ago", never "3 hours, 2 minutes".
_UNITS = (
    (365 * 86400, "year", "years"),
    (30 * 86400, "month", "months"),
    (7 * 86400, "week", "weeks"),
    (86400, "day", "days"),
    (3600, "hour", "hours"),
    (60, "minute", "minutes"),
)


@register.filter
def ago(moment) -> str:
    """A relative time ("12 s ago", "3 hours ago") with the exact time on hover.

    Plain arithmetic and one f-string, not `timesince` or `format_html`: it runs for every
    row of every list, and was the costliest part of rendering one."""
    if not moment:
        return "—"
    if timezone.is_naive(moment):  # a vendor's time without a zone is read as UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    seconds = (timezone.now() - moment).total_seconds()
    if seconds < 5:
        text = "just now"
    elif seconds < 60:
        text = f"{int(seconds)} s ago"
    else:
        size, one, many = next(unit for unit in _UNITS if seconds >= unit[0])
        count = int(seconds // size)
        text = f"{count} {one if count == 1 else many} ago"
    exact = escape(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z"))
    return mark_safe(f'<time datetime="{moment.isoformat()}" title="{exact}">{text}</time>')  # noqa: S308 (escaped)


@register.inclusion_tag("dashboard/_copy.html")
def copy_button(target_id: str, what: str) -> dict:
    """A "Copy" button for the text of the element with this id (shown only with JavaScript)."""
    return {"target_id": target_id, "what": what}
