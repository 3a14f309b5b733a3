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
