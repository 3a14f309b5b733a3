"""Batches through the API: create (previewed, nothing sent), read with its rows, send,
cancel the rest, retry the failed; the same services, under the same roles, as the pages."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema

from dashboard import services
from dashboard.api.auth import require_role
from dashboard.api.batch_outputs import batch_created, batch_out, batch_summary, batch_url, row_out
from dashboard.api.batch_schemas import (
    BatchCancelled,
    BatchCreated,
    BatchDetail,
    BatchIn,
    BatchOut,
    BatchPage,
    BatchRetried,
    BatchSendIn,
)
from dashboard.api.keyed import answer_once, idempotency_key_header
from dashboard.api.lookups import team_batch
from dashboard.api.paging import Cursor, page_by_recency, paged_response
from dashboard.api.problems import ApiProblem, documented, refused
from dashboard.listing.batches import ROW_FILTERS, ROWS_PER_PAGE, batch_rows
from dashboard.models import Batch, BatchSource, BatchStatus, Role
from dashboard.services.api_requests import Replay

router = Router(tags=["batches"])

LIST_SALT = "api.batches"
RowFilter = Literal[ROW_FILTERS]  # type: ignore[valid-type]


@router.post(
    "",
    response={201: BatchCreated, **documented(400, 401, 403, 409, 413, 422, 429)},
    summary="Make a batch of project rows, previewed in full (nothing is sent)",
)
def create_batch(
    request: HttpRequest,
    payload: BatchIn,
    idempotency_key: str = idempotency_key_header(required=True),
):
    """Every row goes through the field rules, the name check, the duplicate check and the
    plan limits counted over the whole batch; no vendor is called. Answers 201 with the
    draft batch, its counts and each row that has errors or advice (by row number, 1 for
    the first). A row naming no account of your team is such a row. The Idempotency-Key
    works as for POST /projects."""
    identity = request.auth
    require_role(identity, Role.MEMBER)
    if len(payload.rows) > settings.BATCH_MAX_ROWS:
        raise ApiProblem(
            "invalid-input",
            "Too many rows for one batch.",
            errors={"rows": [f"At most {settings.BATCH_MAX_ROWS:,} rows; split the batch."]},
        )
    rows = [
        {"account": row.account, "fields": {k: v for k, v in row.fields.items() if v is not None}}
        for row in payload.rows
    ]

    def create(reference) -> Replay:
        batch = services.batch_create(
            team=identity.team,
            user=identity.user,
            name=payload.name,
            source=BatchSource.API,
            rows=[services.RowInput(account=row["account"], fields=row["fields"]) for row in rows],
            reference=reference,
        )
        body = BatchCreated.model_validate(batch_created(batch)).model_dump(mode="json")
        return Replay(201, body, batch_url(batch.reference))

    body = {"name": payload.name, "rows": rows}
    return answer_once(request, key=idempotency_key, body=body, act=create)


@router.get(
    "",
    response={200: BatchPage, **documented(401, 422, 429)},
    summary="The team's batches, newest first, by cursor",
)
def list_batches(request: HttpRequest, cursor: Query[Cursor]):
    batches = Batch.objects.filter(team_id=request.auth.team_id)
    page, after = page_by_recency(batches, cursor, salt=LIST_SALT)
    return paged_response(request, BatchPage, {"items": [batch_summary(b) for b in page]}, after)


class RowQuery(Schema):
    show: RowFilter | None = Field(default=None, description="Only the rows in this state")
    after: int = Field(default=0, ge=0, le=2**31 - 1, description="Rows after this number")


@router.get(
    "/{reference}",
    response={200: BatchDetail, **documented(401, 404, 422, 429)},
    url_name="batch_detail",
    summary="One batch: its status, progress and a page of its rows",
    description=f"Poll it while sending: `progress.done` turns true when no row is waiting "
    f"or being sent. Rows come {ROWS_PER_PAGE} at a time by number; `next` links the next page.",
)
def get_batch(request: HttpRequest, reference: str, query: Query[RowQuery]):
    batch = team_batch(request.auth, reference)
    rows, last = batch_rows(batch, show=query.show or "", after=query.after)
    body = {**batch_out(batch), "rows": [row_out(row) for row in rows]}
    return paged_response(request, BatchDetail, body, "" if last is None else str(last))


@router.post(
    "/{reference}/send",
    response={200: BatchOut, **documented(400, 401, 403, 404, 409, 422, 429)},
    summary="Send a previewed batch: every valid row becomes a queued create",
)
def send_batch(
    request: HttpRequest,
    reference: str,
    payload: BatchSendIn,
    idempotency_key: str | None = idempotency_key_header(
        required=False,
        description="Optional (a second send sends nothing new); with one, as for POST /projects",
    ),
):
    """The rows are checked again first. With invalid rows, 422 lists each one's errors
    (by row number, under `row N: field`) unless `skip_invalid` is true. A batch already
    sent answers as it is now: sending twice sends once."""
    identity = request.auth
    batch = team_batch(identity, reference, role=Role.MEMBER)
    skip_invalid = payload.skip_invalid

    def send(_reference=None) -> Replay:
        try:
            sent = services.batch_send(batch=batch, user=identity.user, skip_invalid=skip_invalid)
        except services.ServiceError as exc:
            raise _send_refused(batch, exc) from None
        return Replay(200, BatchOut.model_validate(batch_out(sent)).model_dump(mode="json"), "")

    if idempotency_key is None:
        return JsonResponse(send().body)
    body = {"skip_invalid": skip_invalid}
    return answer_once(request, key=idempotency_key, body=body, act=send)


SEND_ERRORS_LISTED = 100


def _send_refused(batch: Batch, exc: services.ServiceError) -> ApiProblem:
    invalid = batch.rows.exclude(errors={}).order_by("number")
    errors = {
        f"row {row.number}: {name}": messages
        for row in invalid.only("number", "errors")[:SEND_ERRORS_LISTED]
        for name, messages in row.errors.items()
    }
    if not errors:
        return refused(exc)
    more = ""
    if invalid.count() > SEND_ERRORS_LISTED:
        more = f" The first {SEND_ERRORS_LISTED} are listed; ?show=invalid lists them all."
    return ApiProblem("invalid-input", exc.message + more, errors=errors)


@router.post(
    "/{reference}/cancel",
    response={200: BatchCancelled, **documented(401, 403, 404, 409, 429)},
    summary="Cancel the rows not yet sent, those awaiting approval too (never sent)",
)
def cancel_batch(request: HttpRequest, reference: str):
    cancelled, batch = _on_sent_batch(request, reference, services.batch_cancel_rest)
    return {"cancelled": cancelled, "batch": batch}


@router.post(
    "/{reference}/retry",
    response={200: BatchRetried, **documented(401, 403, 404, 409, 429)},
    summary="Send again the failed rows known not to have been created (the same keys)",
)
def retry_batch(request: HttpRequest, reference: str):
    retried, batch = _on_sent_batch(request, reference, services.batch_retry_failed)
    return {"retried": retried, "batch": batch}


def _on_sent_batch(request: HttpRequest, reference: str, action) -> tuple[int, dict]:
    """`action`'s count of rows moved, and the batch after it; a draft is 409."""
    identity = request.auth
    batch = team_batch(identity, reference, role=Role.MEMBER)
    if batch.status == BatchStatus.DRAFT:
        raise ApiProblem("not-now", "This batch has not been sent; POST …/send sends it.")
    moved = action(batch=batch, user=identity.user)
    batch.refresh_from_db()
    return moved, batch_out(batch)
