from django import template

from dashboard.admin.attention import attention_counts

register = template.Library()


@register.inclusion_tag("admin/_needs_attention.html", takes_context=True)
def needs_attention(context) -> dict:
    """Counts for the admin index, each linking to its filtered list (staff who may see it)."""
    user = context["request"].user
    allowed = {
        "project": user.has_perm("dashboard.view_project"),
        "vendoraccount": user.has_perm("dashboard.view_vendoraccount"),
    }
    return {"counts": [row for row in attention_counts() if allowed[row[0]]]}
