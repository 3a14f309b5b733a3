from django import template

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
