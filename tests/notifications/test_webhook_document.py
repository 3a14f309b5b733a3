"""The OpenAPI document describes every event a webhook receives, as OpenAPI 3.1 `webhooks`."""

import pytest
from openapi_spec_validator import validate

from dashboard.api.webhook_schemas import ENVELOPES, add_webhooks
from dashboard.models import EventType


@pytest.fixture
def document(client, db) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_the_document_with_its_webhooks_is_valid_openapi(document):
    validate(document)


def test_every_event_type_is_described_with_its_signature_headers(document):
    assert set(document["webhooks"]) == set(EventType.values)
    for event_type, hook in document["webhooks"].items():
        operation = hook["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert body["properties"]["type"]["const"] == event_type
        assert set(body["required"]) == {"type", "timestamp", "data"}
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_a_webhook_schema_never_replaces_one_of_the_apis_own():
    schema = {"components": {"schemas": {"FailureFacts": {"type": "string"}}}}
    with pytest.raises(ValueError, match="FailureFacts"):
        add_webhooks(schema)


def test_a_payload_of_the_wrong_shape_is_refused_by_its_schema():
    envelope = ENVELOPES[EventType.PROJECT_CREATED]
    with pytest.raises(ValueError):
        envelope.model_validate(
            {"type": "project.created", "timestamp": "2026-12-06T00:00:00Z", "data": {}}
        )
