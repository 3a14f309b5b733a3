"""What the team's webhooks receive, described for the OpenAPI document's `webhooks`.

The outbox builds the payloads (dashboard/services/outbox.py); these models describe
them, and a test checks every payload the services make against its model, so the
document cannot drift from what is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from dashboard.models import EventType

SIGNATURE_HEADERS = [
    ("webhook-id", "The event's id (`evt_…`), the same on every retry: deduplicate on it."),
    ("webhook-timestamp", "When this attempt was signed, in seconds since the epoch."),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256>`; during the 24 hours after a secret is rotated, two of "
        "them separated by a space, one per secret.",
    ),
]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountRef(_Payload):
    id: int
    label: str


class FailureFacts(_Payload):
    kind: str = Field(description="What kind of failure, e.g. validation or outcome_unknown.")
    code: str = Field(description="The vendor's error code, when it gave one.")
    message: str = Field(description="The error in words, one line.")


class ProjectFacts(_Payload):
    reference: str = Field(description="The project's id here (a UUID).")
    name: str
    vendor: str
    account: AccountRef
    status: str = Field(
        description="pending, created, failed or unknown; awaiting, rejected or expired for "
        "a create held for approval."
    )
    remote_id: str = Field(description="The vendor's id for it; empty until created.")
    error: FailureFacts | None
    url: str = Field(description="The project's page.")


class ProjectEvent(_Payload):
    project: ProjectFacts


class ProjectChangedEvent(ProjectEvent):
    changes: list[str] = Field(description="What differed at the vendor, in words.")


class ProjectApprovalEvent(ProjectEvent):
    requested_by: str = Field(description="Who asked for the create.")
    decided_by: str = Field(description="The admin who rejected it; empty while it waits.")
    comment: str = Field(description="The admin's comment, if any.")


class AccountFacts(_Payload):
    id: int
    label: str
    vendor: str
    status: str
    url: str


class AccountEvent(_Payload):
    account: AccountFacts
    reason: str = Field(description="Why, in the vendor's or the dashboard's words.")


class BatchFacts(_Payload):
    reference: str
    name: str
    counts: dict[str, int] = Field(description="Its projects by status.")
    url: str


class BatchEvent(_Payload):
    batch: BatchFacts


class DestinationRef(_Payload):
    id: int
    description: str


class TestEvent(_Payload):
    message: str
    destination: DestinationRef
    url: str


DATA_OF_TYPE: dict[str, type[_Payload]] = {
    EventType.PROJECT_CREATED: ProjectEvent,
    EventType.PROJECT_FAILED: ProjectEvent,
    EventType.PROJECT_OUTCOME_UNKNOWN: ProjectEvent,
    EventType.PROJECT_MISSING_AT_VENDOR: ProjectEvent,
    EventType.PROJECT_CHANGED_AT_VENDOR: ProjectChangedEvent,
    EventType.PROJECT_AWAITING_APPROVAL: ProjectApprovalEvent,
    EventType.PROJECT_REJECTED: ProjectApprovalEvent,
    EventType.ACCOUNT_NEEDS_CREDENTIALS: AccountEvent,
    EventType.ACCOUNT_DISCONNECTED: AccountEvent,
    EventType.BATCH_COMPLETED: BatchEvent,
    EventType.WEBHOOK_TEST: TestEvent,
}


def _envelope(event_type: str, data: type[_Payload]) -> type[BaseModel]:
    """The body of one event type: `{type, timestamp, data}`."""
    name = "".join(part.title() for part in event_type.replace("_", ".").split(".")) + "Webhook"
    return create_model(
        name,
        __base__=_Payload,
        type=(Literal[event_type], ...),
        timestamp=(datetime, Field(description="When the event happened (ISO 8601).")),
        data=(data, ...),
    )


ENVELOPES = {event_type: _envelope(event_type, data) for event_type, data in DATA_OF_TYPE.items()}


def add_webhooks(schema: dict[str, Any]) -> None:
    """Describe every event type under OpenAPI 3.1's `webhooks`, its body in `components`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    webhooks = schema.setdefault("webhooks", {})
    for event_type, envelope in ENVELOPES.items():
        body = envelope.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in {**body.pop("$defs", {}), envelope.__name__: body}.items():
            if components.setdefault(name, definition) != definition:
                raise ValueError(f"The webhook schema {name} would replace the API's own.")
        webhooks[str(event_type)] = {
            "post": {
                "summary": EventType(event_type).label,
                "description": (
                    "Sent to each of the team's webhook destinations that wants this type, "
                    "signed under the Standard Webhooks specification. Answer 2xx to take it; "
                    "anything else is retried, and 410 Gone switches the destination off."
                ),
                "operationId": f"webhook_{str(event_type).replace('.', '_')}",
                "parameters": [
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "description": words,
                        "schema": {"type": "string"},
                    }
                    for header, words in SIGNATURE_HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{envelope.__name__}"}
                        }
                    },
                },
                "responses": {"2XX": {"description": "Taken; not sent again."}},
            }
        }
