"""What the batch endpoints read and write.

A row is refused whole (422, nothing written) only for what could not be a row at all:
not an account id, a value of a JSON type no vendor field has, a control character. What
the vendor's rules say of a row (unknown field, too long, duplicate name, plan limit) is
the preview's verdict, shown with the row, as on the batch page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import BaseModel, StrictBool, StrictStr, StringConstraints, ValidationError
from pydantic.functional_validators import AfterValidator, WrapValidator
from pydantic_core import PydanticCustomError

from dashboard.api.schemas import BodyId, ProjectIn
from dashboard.listing.batches import ROW_FILTERS
from dashboard.services.batches import NAME_MAX
from dashboard.validation.ids import MAX_ID, parse_id
from dashboard.validation.text import has_control_characters

ROW_EXAMPLE = {"account": "3", "fields": {"name": "checkout-dev"}}


def _single_line(value: str) -> str:
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", "A field name has no control characters.")
    return value


def _one_type(value: Any, handler) -> Any:
    """One message for a value of the wrong JSON type (not one per member of the union),
    and no control characters but line breaks and tabs in any text."""
    try:
        value = handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "field_type", "A field's value is a string, true or false, a list of strings, or null."
        ) from None
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(t, str) and has_control_characters(t, multiline=True) for t in texts):
        raise PydanticCustomError(
            "control_characters", "Text has no control characters but line breaks and tabs."
        )
    return value


FieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_single_line)
]
FieldValue = Annotated[StrictStr | StrictBool | list[StrictStr] | None, WrapValidator(_one_type)]


def _an_account_id(value: Any, handler) -> str:
    """An id as POST /projects takes it (a string or a JSON integer), checked as ids are
    everywhere: ASCII digits, within 64 bits. One message for every other value."""
    try:
        value = handler(value)
    except ValidationError:
        value = None
    number = parse_id(value) if isinstance(value, str) else None
    if isinstance(value, int) and 0 < value <= MAX_ID:
        number = value
    if number is None:
        raise PydanticCustomError(
            "account_id", "An account id from GET /accounts: a whole number, in ASCII digits."
        )
    return str(number)


class BatchRowIn(ProjectIn):
    """A row in the create shape of POST /projects; the account is an id."""

    account: Annotated[BodyId, WrapValidator(_an_account_id)] = Field(
        description="An account id from GET /accounts"
    )
    fields: dict[FieldName, FieldValue] = Field(
        description="The vendor's create fields by name (GET /vendors lists them)"
    )


class BatchIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX, description="The batch's name")
    rows: list[BatchRowIn] = Field(
        min_length=1,
        max_length=settings.BATCH_MAX_ROWS,
        description=f"At most {settings.BATCH_MAX_ROWS:,} rows (BATCH_MAX_ROWS)",
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "checkout environments",
                    "rows": [
                        ROW_EXAMPLE,
                        {"account": "3", "fields": {"name": "checkout-prod"}},
                        {"account": "5", "fields": {"name": "checkout-dev", "public": True}},
                    ],
                }
            ]
        }
    }


class BatchSendIn(BaseModel):
    # A plain pydantic model: ninja's Schema reads attributes of anything, so a list or a
    # number would pass as {}.

    skip_invalid: StrictBool = Field(
        default=False, description="Send the valid rows and leave the invalid ones unsent"
    )

    model_config = {"json_schema_extra": {"examples": [{"skip_invalid": True}]}}


class BatchCounts(Schema):
    total: int
    valid: int
    invalid: int = Field(description="Rows with errors: never sent")


class ProgressOut(Schema):
    total: int = Field(description="Rows sent as creates")
    waiting: int = Field(description="Recorded, not yet sent to the vendor")
    sending: int = Field(description="Sent, no answer yet")
    created: int
    failed: int
    unknown: int = Field(description="The answer was lost: POST /projects/{reference}/check")
    cancelled: int
    awaiting: int = Field(description="Held for a team admin's approval: nothing sent yet")
    not_approved: int = Field(description="Rejected by an admin, or expired unapproved")
    settled: int
    percent: int
    per_minute: float | None = Field(description="Rows settled a minute, over the last 30 s")
    seconds_left: int | None
    done: bool = Field(description="No row waiting, awaiting approval or being sent")


class BatchSummary(Schema):
    reference: str
    name: str
    status: str = Field(description="draft (previewed, nothing sent), sent or done")
    source: str = Field(description="csv, template or api")
    created_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    url: str


class BatchOut(BatchSummary):
    counts: BatchCounts
    progress: ProgressOut | None = Field(description="Null until the batch is sent")


class RowVerdictOut(Schema):
    number: int = Field(description="The row's number: 1 for the first row sent")
    account: str | None = Field(description="The account's id, or null if none of yours")
    errors: dict[str, list[str]] = Field(description="By field (or `account`): why it is refused")
    advice: dict[str, list[str]]


class BatchCreated(BatchOut):
    rows: list[RowVerdictOut] = Field(description="Only the rows with errors or advice")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "reference": "0b7e2c9a-5d1f-4a8e-9c3b-2f6d8e1a4b70",
                    "name": "checkout environments",
                    "status": "draft",
                    "source": "api",
                    "created_at": "2026-05-04T09:30:00Z",
                    "sent_at": None,
                    "finished_at": None,
                    "url": "/api/v1/batches/0b7e2c9a-5d1f-4a8e-9c3b-2f6d8e1a4b70",
                    "counts": {"total": 3, "valid": 2, "invalid": 1},
                    "progress": None,
                    "rows": [
                        {
                            "number": 3,
                            "account": None,
                            "errors": {"account": ["No account of this team has the id “5”."]},
                            "advice": {},
                        }
                    ],
                }
            ]
        }
    }


class BatchRowOut(Schema):
    number: int
    account: str | None
    name: str = Field(description="The project's name, or the name the row gives")
    state: str = Field(
        description="ready, invalid or skipped before sending; then waiting, sending, "
        "created, failed, unknown or cancelled"
    )
    project: str | None = Field(description="The project's reference once sent")
    error: str = Field(description="Why it failed, or why the preview refuses it")
    errors: dict[str, list[str]]


class BatchDetail(BatchOut):
    rows: list[BatchRowOut] = Field(
        description=f"A page of rows by number; `show` is one of {ROW_FILTERS}"
    )
    next: str | None = Field(description="The URL of the next page of rows, or null on the last")


class BatchPage(Schema):
    items: list[BatchSummary]
    next: str | None = Field(description="The URL of the next page, or null on the last")


class BatchCancelled(Schema):
    cancelled: int = Field(description="Rows not yet sent, now cancelled: never sent")
    batch: BatchOut


class BatchRetried(Schema):
    retried: int = Field(description="Failed rows known not created, queued again")
    batch: BatchOut
