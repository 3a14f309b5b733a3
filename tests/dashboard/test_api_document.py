"""The API's description: /api/v1/openapi.json is valid OpenAPI that lists every error an
operation can answer, as problem+json; /api/v1/docs shows it all with no outside script."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from openapi_spec_validator import validate

PROBLEM = "application/problem+json"
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(client, db) -> dict:
    response = client.get("/api/v1/openapi.json")  # no token, no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def body_schema(document: dict, operation: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def errors_it_can_answer(document: dict, operation: dict) -> set[str]:
    """What the operation's shape promises: a token check and the rate limit, refused
    input where it reads any, 404 where it looks something up by id."""
    parameters = operation.get("parameters", [])
    body = body_schema(document, operation)
    expected = {"401", "429"} if operation.get("security") else set()
    if body or any(p["in"] in ("query", "header") for p in parameters):
        expected.add("422")
    takes_an_id = any(p["in"] == "path" for p in parameters)
    takes_an_id |= any(p["name"] == "account" for p in parameters)
    takes_an_id |= "account" in body.get("properties", {})
    if takes_an_id:
        expected.add("404")
    return expected


def test_the_document_is_valid_openapi_and_needs_no_token(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/projects", "/api/v1/accounts", "/api/v1/activity"} <= set(document["paths"])


def test_every_token_protected_operation_lists_each_error_it_can_answer(document):
    missing = {}
    for name, operation in operations(document):
        assert operation.get("security"), f"{name} takes no token"
        listed = set(operation["responses"])
        if lacking := errors_it_can_answer(document, operation) - listed:
            missing[name] = sorted(lacking)
    assert missing == {}


def test_every_error_answer_is_documented_as_problem_json(document):
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    assert "errors" in problem["properties"]
    for name, operation in operations(document):
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                content = answer.get("content", {})
                assert list(content) == [PROBLEM], (name, status)
                assert content[PROBLEM]["schema"]["$ref"].endswith("/Problem"), (name, status)
            else:
                assert list(answer.get("content", {})) == ["application/json"], (name, status)


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str | None] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "script":
            self.sources.append(dict(attrs).get("src"))


def without_nonces(policy: str) -> str:
    return re.sub(r"'nonce-[^']+'", "'nonce'", policy)


def test_the_docs_page_needs_no_token_runs_no_outside_script_and_lists_every_path(client, document):
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    scripts = Scripts()
    scripts.feed(html)
    outside = [src for src in scripts.sources if src and not src.startswith("/static/")]
    assert outside == []
    policy = page["Content-Security-Policy"]
    assert without_nonces(policy) == without_nonces(
        client.get("/login/")["Content-Security-Policy"]
    )
    assert "script-src 'self' 'nonce-" in policy and "unsafe" not in policy
    for path in document["paths"]:
        assert f"<code>GET {path}</code>" in html or f"<code>POST {path}</code>" in html, path
    for name, _ in operations(document):
        assert f"<code>{name}</code>" in html, name


def test_every_operation_is_tagged_and_the_batch_examples_are_valid(document):
    from dashboard.api.batch_schemas import BatchCreated, BatchIn, BatchSendIn

    assert all(operation.get("tags") for _, operation in operations(document))
    schemas = document["components"]["schemas"]
    for model in (BatchIn, BatchSendIn, BatchCreated):
        (example,) = schemas[model.__name__]["examples"]
        model.model_validate(example)  # an example the API itself would accept or write
