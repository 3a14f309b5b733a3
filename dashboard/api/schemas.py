"""What the API reads and writes. Ids are strings; times are ISO 8601 in UTC (pydantic
writes the database's UTC times with a Z)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import StrictInt

# An id in a body: the string the API gives out, or the same number as a JSON integer.
BodyId = StrictInt | str


class VendorFieldOut(Schema):
    name: str
    label: str
    type: str = Field(description="text, textarea, url, password, checkbox or multichoice")
    json_type: str = Field(description="The JSON type to send: string, boolean or array")
    required: bool
    min_length: int | None
    max_length: int | None
    choices: list[dict[str, str]]
    help_text: str
    secret: bool
    naming_advice: list[str]


class PlanOut(Schema):
    slug: str
    label: str
    active_project_limit: int | None


class VendorOut(Schema):
    slug: str
    name: str
    fields: list[VendorFieldOut]
    plans: list[PlanOut]


class UsageOut(Schema):
    active_projects: int
    limit: int | None


class AccountOut(Schema):
    id: str
    vendor: str
    label: str
    status: str
    credential_hint: str
    plan: str
    plan_label: str
    usage: UsageOut
    last_verified_at: datetime | None
    last_synced_at: datetime | None
    created_at: datetime


class AccountPage(Schema):
    items: list[AccountOut]


class ProjectIn(Schema):
    account: BodyId = Field(description="An account id from GET /accounts")
    fields: dict[str, Any] = Field(
        description="The vendor's create fields by name (GET /vendors lists them)"
    )


class ValidationOut(Schema):
    valid: bool
    errors: dict[str, list[str]]
    advice: dict[str, list[str]]


class ProjectError(Schema):
    kind: str
    code: str
    status: int | None
    message: str
    fields: dict[str, str]


class ProjectSummary(Schema):
    reference: str
    name: str
    vendor: str
    account: str
    status: str = Field(
        description="pending, created, failed or unknown; awaiting (held for a team admin's "
        "approval, nothing sent), rejected or expired (ended unsent)"
    )
    remote_id: str
    origin: str
    missing_at_vendor: bool
    created_at: datetime
    url: str


class ProjectPage(Schema):
    items: list[ProjectSummary]
    next: str | None = Field(description="The URL of the next page, or null on the last")


class StepOut(Schema):
    at: datetime
    action: str
    summary: str
    actor: str | None
    via: str


class ApprovalOut(Schema):
    requested_by: str | None
    decided_by: str | None = Field(description="The admin who approved or rejected it")
    decided_at: datetime | None
    comment: str


class ApprovalIn(Schema):
    comment: str = Field(default="", description="Optional, for the requester (500 at most)")


class ProjectOut(ProjectSummary):
    approval: ApprovalOut | None = Field(
        description="Set for a create that was held for approval: who decided, and why"
    )
    sent: dict[str, Any]
    answered: dict[str, Any]
    remote_status: str
    error: ProjectError | None
    secret_names: list[str]
    queued_at: datetime | None
    attempted_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    last_synced_at: datetime | None
    steps: list[StepOut]


class SecretIn(Schema):
    name: str = Field(default="", description="Which secret; empty for the only one")


class SecretOut(Schema):
    name: str
    value: str


class CheckOut(Schema):
    outcome: str
    detail: str
    project: ProjectOut


class ActivityOut(Schema):
    id: str
    at: datetime
    action: str
    summary: str
    actor: str | None
    via: str
    target_type: str
    target_id: str


class ActivityPage(Schema):
    items: list[ActivityOut]
    next: str | None
