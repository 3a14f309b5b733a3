"""The API's docs page: the OpenAPI document rendered here, with no external script
(so the page keeps the site's CSP)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.api.app import openapi_document
from dashboard.api.problems import DOCS, KINDS


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    if ref:
        return ref.rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_ref_name(schema.get('items', {}))}"
    return schema.get("type", "object")


def _operations(document: dict) -> list[dict]:
    operations = []
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "required": p.get("required", False),
                            "type": _ref_name(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _ref_name(next(iter(body.values()), {}).get("schema", {}))
                    if body
                    else "",
                    "responses": [
                        {
                            "status": status,
                            "type": next(iter(answer.get("content", {})), ""),
                            "schema": _ref_name(
                                next(iter(answer.get("content", {}).values()), {}).get("schema", {})
                            ),
                        }
                        for status, answer in operation.get("responses", {}).items()
                    ],
                    "open": not operation.get("security", True),
                }
            )
    return operations


def _schemas(document: dict) -> list[dict]:
    schemas = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": _ref_name(spec)
                if "anyOf" not in spec
                else " or ".join(_ref_name(option) for option in spec["anyOf"]),
                "required": field in required,
                "description": spec.get("description", ""),
            }
            for field, spec in schema.get("properties", {}).items()
        ]
        examples = schema.get("examples") or [None]
        example = json.dumps(examples[0], indent=2, ensure_ascii=False) if examples[0] else ""
        schemas.append({"name": name, "fields": fields, "example": example})
    return schemas


@login_not_required
@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    document = openapi_document(request)
    context = {
        "document": document,
        "operations": _operations(document),
        "schemas": _schemas(document),
        "problems": [
            {"type": f"{DOCS}#{kind}", "anchor": kind, "status": status, "title": title}
            for kind, (status, title) in KINDS.items()
        ],
    }
    return render(request, "api/docs.html", context)
