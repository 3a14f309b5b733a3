"""The API under /api/v1/: one NinjaAPI, its routers, problem+json errors, and its URLs."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.responses import NinjaJSONEncoder

from dashboard.api import accounts, activity, batches, catalog, projects
from dashboard.api.auth import ApiTokenAuth
from dashboard.api.problems import PROBLEM_CONTENT_TYPE, add_problem_handlers
from dashboard.api.webhook_schemas import add_webhooks

DESCRIPTION = """Create and track projects at the team's vendor accounts from scripts and CI.

Send an API token (made on the "API tokens" page, or with `manage.py create_api_token`) as
`Authorization: Bearer <token>`. A token acts as its user in its one team, with the lower of
its role and the user's role. Every error is RFC 9457 problem details
(`application/problem+json`). Creates take an `Idempotency-Key`. A batch makes many
projects at once: previewed in full when made, sent only when asked.
"""


class DashboardApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Error answers are documented as what they are: application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
        add_webhooks(schema)
        return schema


api = DashboardApi(
    title="Vendor dashboard API",
    version="1",
    description=DESCRIPTION,
    auth=ApiTokenAuth(),
    urls_namespace="api",
    docs_url=None,  # docs.py serves readable docs with no external script
    openapi_url="/openapi.json",
)
add_problem_handlers(api)
api.add_router("", catalog.router)
api.add_router("", accounts.router)
api.add_router("/projects", projects.router)
api.add_router("/batches", batches.router)
api.add_router("", activity.router)


def api_urls():
    """The API's URL patterns, open to requests without a session: a token signs them in."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace


def openapi_document(request: HttpRequest | None = None) -> dict:
    """The document as clients read it (JSON: every key a string)."""
    return json.loads(
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=NinjaJSONEncoder)
    )
