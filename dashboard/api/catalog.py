"""What the API describes without a token: the vendors and their create fields."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from dashboard.api.problems import documented
from dashboard.api.schemas import VendorOut
from dashboard.validation.json_fields import json_type
from providers.base import FieldSpec, Provider
from providers.guidance import NAMING_ADVICE
from providers.registry import PROVIDERS

router = Router(tags=["vendors"])


def _advises_on_names(provider: Provider) -> bool:
    return type(provider).guidance is not Provider.guidance


def _field_out(provider: Provider, spec: FieldSpec) -> dict:
    advice = _advises_on_names(provider) and spec.name == provider.name_field
    return {
        "name": spec.name,
        "label": spec.label,
        "type": spec.kind,
        "json_type": json_type(spec),
        "required": spec.required,
        "min_length": spec.min_length,
        "max_length": spec.max_length,
        "choices": [{"value": value, "label": label} for value, label in spec.choices],
        "help_text": spec.help_text,
        "secret": spec.secret,
        "naming_advice": list(NAMING_ADVICE) if advice else [],
    }


def vendor_out(provider: Provider) -> dict:
    return {
        "slug": provider.slug,
        "name": provider.name,
        "fields": [_field_out(provider, spec) for spec in provider.project_fields],
        "plans": [
            {"slug": slug, "label": label, "active_project_limit": limit}
            for slug, label, limit in provider.plans
        ],
    }


@router.get(
    "/vendors",
    response={200: list[VendorOut], **documented(401, 429)},
    summary="Every vendor and its create fields (the forms' own field specs)",
)
def list_vendors(request: HttpRequest):
    return [vendor_out(provider) for provider in PROVIDERS.values()]
