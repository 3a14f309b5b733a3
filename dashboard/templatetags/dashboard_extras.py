from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """Look a key up in a dict: {{ labels|get_item:slug }}."""
    return mapping.get(key, key)
